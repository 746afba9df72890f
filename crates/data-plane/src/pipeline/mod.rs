//! The request phases, in the order [`crate::Gateway::handle`] runs them: the call's context
//! ([`invocation`]), the authorizer ([`authorize`]), the integration ([`integrations`], with
//! [`mapping`] and [`integration_response`]), and the failure's gateway response
//! ([`respond`]). Phases read the compiled deployment ([`crate::deployment`]); nothing there
//! imports them.

pub mod authorize;
pub mod context;
pub mod integration_response;
pub mod integrations;
pub mod invocation;
pub mod mapping;
pub mod respond;

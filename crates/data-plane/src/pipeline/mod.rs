//! The request phases, in the order [`crate::Gateway::handle`] runs them: the call's context
//! ([`invocation`]), the authorizer ([`authorize`]) or the SigV4 check of `AWS_IAM` methods
//! ([`sigv4`]), the integration ([`integrations`], with
//! [`mapping`] and [`integration_response`]), the failure's gateway response
//! ([`respond`]), and the request's log line and inspector entry ([`record`]). Phases read the compiled deployment ([`crate::deployment`]); nothing there
//! imports them.

pub mod authorize;
pub mod context;
pub mod integration_response;
pub mod integrations;
pub mod invocation;
pub mod mapping;
pub mod record;
pub mod respond;
pub mod sigv4;

//! The data plane: serves deployed stages as AWS API Gateway does.
//!
//! It never imports the control plane; it reads deployment snapshots
//! ([`apigw_model::ApiSnapshot`]) and compiles each into a routing table once, so the hot path
//! touches no database and re-parses nothing. The server publishes a [`DeployedApi`] whenever a
//! deployment or stage changes; [`Gateway::handle`] serves requests that [`addressing::resolve`]
//! identifies as execute-api calls.

pub mod access_log;
pub mod addressing;
pub mod authorizer;
pub mod context;
pub mod deadline;
pub mod deployment;
pub mod gateway;
pub mod gateway_response;
pub mod headers;
pub mod ids;
pub mod integration_response;
pub mod integrations;
pub mod mapping;
pub mod routing;
pub mod templates;
pub mod throttle;
pub mod usage;
pub mod validation;

pub use deployment::{CompiledDeployment, DeployedStage};
pub use gateway::{AccountThrottle, Answer, DeployedApi, Gateway, GatewayOptions};
pub use integrations::lambda::LambdaConfig;

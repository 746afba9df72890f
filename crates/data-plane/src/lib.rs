//! The data plane: serves deployed stages as AWS API Gateway does.
//!
//! It never imports the control plane; it reads deployment snapshots
//! ([`apigw_model::ApiSnapshot`]) and compiles each into a routing table once, so the hot path
//! touches no database and re-parses nothing. The server publishes a [`DeployedApi`] whenever a
//! deployment or stage changes; [`Gateway::handle`] serves requests that [`addressing::resolve`]
//! identifies as execute-api calls.
//!
//! Layers, each importing only those below it: the leaves ([`error`], [`request`], [`headers`],
//! [`ids`], [`recent`], [`throttle`], [`usage`], [`deadline`], [`addressing`]); the compiled deployment
//! ([`deployment`]); the request phases ([`pipeline`]); and [`gateway`], which runs them.

pub mod addressing;
// Integration timeouts share the transport's per-thread timer.
pub use apigw_http1::deadline;
pub mod deployment;
pub mod domains;
pub mod error;
pub mod gateway;
pub mod headers;
pub mod ids;
pub mod pipeline;
pub mod recent;
pub mod request;
pub mod test_invoke;
pub mod throttle;
pub mod tls;
pub mod usage;

pub use deployment::{CompiledDeployment, DeployedApi, DeployedStage};
pub use gateway::{AccountThrottle, Answer, Gateway, GatewayOptions};
pub use pipeline::integrations::aws_service::AwsEndpoints;
pub use pipeline::integrations::backends::{
    LambdaConfig, Local, LocalAnswer, LocalCall, LocalFunctions,
};

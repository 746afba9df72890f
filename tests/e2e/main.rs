//! End-to-end tests: `apigw-local` on an ephemeral port, driven by real clients (the Rust
//! `aws-sdk-apigateway`, the `aws` CLI, plain HTTP). One test binary, one module per resource
//! family; every test starts its own server and database, in this process unless the process
//! itself is under test (see `harness`).

mod fixtures;
mod harness;

mod access_logs;
mod authorizers;
mod aws_services;
mod builtin_lambda;
mod cli_walkthrough;
mod data_plane;
mod deployments;
mod documentation;
mod domain_names;
mod gateway_responses;
mod hardening;
mod iam_auth;
mod keys_plans;
mod lambda;
mod logs_iam;
mod methods;
mod models_validators;
mod openapi;
mod request_log;
mod resources;
mod rest_apis;
mod sdks;
mod server;
mod test_invoke;
mod throttling;
mod usage;
mod validation;
mod vpc_links;
mod wire;

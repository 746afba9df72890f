//! The small parts of other AWS services that API Gateway's guide uses, so that it runs
//! unmodified against apigw-local: CloudWatch Logs (JSON 1.1, `X-Amz-Target:
//! Logs_20140328.*`; the log groups access logs land in), IAM roles (query protocol, the role
//! `update-account` names) and STS `GetCallerIdentity` (query protocol).
//!
//! Each protocol renders its own errors the way its service does. They share the store with
//! the apigateway control plane, which depends on this crate (to check the account's role),
//! never the other way.

mod hex;
pub mod iam;
mod iam_policies;
pub mod logs;
pub mod query_protocol;

use apigw_store::Store;

/// What the companion services need: the store, the account, the default region.
#[derive(Debug, Clone)]
pub struct Companions {
    /// The database (IAM roles, log groups, streams and events).
    pub store: Store,
    /// The account in ARNs and STS answers.
    pub account_id: String,
    /// The region of a request without a SigV4 credential scope.
    pub default_region: String,
}

//! The account and region every resource belongs to.

/// An account + region pair: an API made in us-east-1 is invisible in eu-west-1.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Scope {
    /// The 12-digit account id (configured; signatures are not checked).
    pub account: String,
    /// The region, from the SigV4 credential scope or the configured default.
    pub region: String,
}

impl Scope {
    /// A scope for `account` in `region`.
    pub fn new(account: impl Into<String>, region: impl Into<String>) -> Self {
        Self {
            account: account.into(),
            region: region.into(),
        }
    }

    /// The ARN of an apigateway resource path in this region, e.g.
    /// `arn:aws:apigateway:us-east-1::/restapis/abc`.
    pub fn arn(&self, path: &str) -> String {
        format!("arn:aws:apigateway:{}::{}", self.region, path)
    }
}

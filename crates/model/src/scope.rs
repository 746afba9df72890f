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

/// The region named in a SigV4 credential scope, if any.
pub fn region_from_auth(authorization: Option<&str>, query: Option<&str>) -> Option<String> {
    let cred = authorization
        .and_then(|a| a.split("Credential=").nth(1))
        .map(|c| c.split([',', ' ']).next().unwrap_or("").to_string())
        .or_else(|| {
            form_urlencoded::parse(query?.as_bytes())
                .find(|(k, _)| k == "X-Amz-Credential")
                .map(|(_, v)| v.into_owned())
        })?;
    // AKID/date/region/service/aws4_request
    let region = cred.split('/').nth(2)?;
    (!region.is_empty()).then(|| region.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_from_header() {
        let a = "AWS4-HMAC-SHA256 Credential=AKID/20260101/eu-west-1/apigateway/aws4_request, SignedHeaders=host, Signature=x";
        assert_eq!(
            region_from_auth(Some(a), None).as_deref(),
            Some("eu-west-1")
        );
        assert_eq!(region_from_auth(None, None), None);
        assert_eq!(
            region_from_auth(
                None,
                Some("X-Amz-Credential=AKID%2F20260101%2Fap-south-1%2Fapigateway%2Faws4_request")
            )
            .as_deref(),
            Some("ap-south-1")
        );
    }
}

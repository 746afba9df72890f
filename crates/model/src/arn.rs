//! Amazon Resource Names, `arn:{partition}:{service}:{region}:{account}:{resource}`: the one
//! split that IAM roles, log groups, integration URIs and taggable resources all go through.

/// The six `:`-separated fields of an ARN, borrowed from it. The resource is the rest of the
/// string and may itself hold `:` (`log-group:name:*`, `function:f:alias`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arn<'a> {
    /// `aws`, `aws-cn`, `aws-us-gov`, …
    pub partition: &'a str,
    /// `iam`, `logs`, `lambda`, `apigateway`, …
    pub service: &'a str,
    /// Empty for global services (IAM).
    pub region: &'a str,
    /// Twelve digits, empty, or `aws` (AWS-managed IAM policies).
    pub account: &'a str,
    /// Everything after the fifth `:`.
    pub resource: &'a str,
}

/// `arn:aws:iam::{account}:root`: an account's root user, the identity every caller has here
/// (STS GetCallerIdentity, `AWS_IAM` signers) and a 12-digit principal's ARN.
pub fn iam_root(account: &str) -> String {
    format!("arn:aws:iam::{account}:root")
}

impl<'a> Arn<'a> {
    /// Split `s`, or `None` when it does not start with `arn:` or has fewer than six fields.
    /// The fields are not checked: each caller knows which may be empty.
    pub fn parse(s: &'a str) -> Option<Self> {
        let mut parts = s.strip_prefix("arn:")?.splitn(5, ':');
        Some(Self {
            partition: parts.next()?,
            service: parts.next()?,
            region: parts.next()?,
            account: parts.next()?,
            resource: parts.next()?,
        })
    }

    /// A CloudWatch Logs group's name: `logs` and `log-group:{name}`, with or without the
    /// `:*` that stream-level ARNs end in.
    pub fn log_group(&self) -> Option<&'a str> {
        let group = self.resource.strip_prefix("log-group:")?;
        (self.service == "logs").then(|| group.strip_suffix(":*").unwrap_or(group))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_six_fields_and_keeps_the_resource_whole() {
        let a = Arn::parse("arn:aws:logs:us-east-1:123456789012:log-group:g:*").unwrap();
        assert_eq!(
            (a.partition, a.service, a.region, a.account, a.resource),
            ("aws", "logs", "us-east-1", "123456789012", "log-group:g:*")
        );
        assert_eq!(a.log_group(), Some("g"));
        let group = |s| Arn::parse(s).unwrap().log_group();
        assert_eq!(group("arn:aws:logs:us-east-1:1:log-group:a/b"), Some("a/b"));
        assert_eq!(group("arn:aws:logs:us-east-1:1:log-stream:a"), None);
        assert_eq!(group("arn:aws:iam::1:log-group:a"), None);
        let root = iam_root("123456789012");
        let root = Arn::parse(&root).unwrap();
        assert_eq!(
            (root.service, root.account, root.resource),
            ("iam", "123456789012", "root")
        );
        let role = Arn::parse("arn:aws:iam::123456789012:role/r").unwrap();
        assert_eq!((role.region, role.resource), ("", "role/r"));
        for bad in [
            "",
            "arn",
            "arn:aws:iam::123",
            "urn:aws:iam::1:role/r",
            "aws:iam::1:role/r:x",
        ] {
            assert_eq!(Arn::parse(bad), None, "{bad}");
        }
    }
}

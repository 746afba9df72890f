//! A function as stored (one `objects` document, kind `lambdafunction`) and as the API shows
//! it (`FunctionConfiguration`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use apigw_model::Scope;

use crate::error::{LambdaError, LambdaResult};

/// Runtimes of the service model that a function may name; which of them run here is
/// [`crate::runtime::Launcher`]'s business.
pub const RUNTIMES: &[&str] = &[
    "nodejs",
    "nodejs4.3",
    "nodejs6.10",
    "nodejs8.10",
    "nodejs10.x",
    "nodejs12.x",
    "nodejs14.x",
    "nodejs16.x",
    "java8",
    "java8.al2",
    "java11",
    "python2.7",
    "python3.6",
    "python3.7",
    "python3.8",
    "python3.9",
    "dotnetcore1.0",
    "dotnetcore2.0",
    "dotnetcore2.1",
    "dotnetcore3.1",
    "dotnet6",
    "dotnet8",
    "nodejs4.3-edge",
    "go1.x",
    "ruby2.5",
    "ruby2.7",
    "provided",
    "provided.al2",
    "nodejs18.x",
    "python3.10",
    "java17",
    "ruby3.2",
    "ruby3.3",
    "ruby3.4",
    "python3.11",
    "nodejs20.x",
    "provided.al2023",
    "python3.12",
    "java21",
    "python3.13",
    "nodejs22.x",
    "nodejs24.x",
    "python3.14",
    "java25",
    "dotnet10",
    "ruby4.0",
];

/// The stored function: its configuration as the API shows it, plus what only the service
/// keeps (tags, resource policy statements, the zip's file name).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoredFunction {
    /// `FunctionConfiguration`, PascalCase as the wire has it.
    pub config: Config,
    /// Tags given at creation.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    /// Resource-based policy statements (AddPermission), in order.
    #[serde(default)]
    pub statements: Vec<Value>,
}

impl apigw_store::typed::Document for StoredFunction {
    const KIND: apigw_store::docs::Kind = apigw_store::docs::Kind::LambdaFunction;
}

/// The configuration members the service sets and reads; the rest of the wire shape is
/// written by [`Config::to_wire`].
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct Config {
    pub function_name: String,
    pub function_arn: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runtime: Option<String>,
    pub role: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handler: Option<String>,
    pub code_size: u64,
    #[serde(default)]
    pub description: String,
    pub timeout: u32,
    pub memory_size: u32,
    pub last_modified: String,
    pub code_sha256: String,
    #[serde(default)]
    pub environment: BTreeMap<String, String>,
    pub revision_id: String,
    #[serde(default)]
    pub architectures: Vec<String>,
}

/// Lambda's default timeout, seconds.
pub const DEFAULT_TIMEOUT: u32 = 3;
/// Lambda's default memory, MB.
pub const DEFAULT_MEMORY: u32 = 128;

impl Config {
    /// The configuration as AWS answers it; `state` is `Active` for a stored function,
    /// `Pending` in CreateFunction's own answer.
    pub fn to_wire(&self, state: State) -> Value {
        let mut v = json!({
            "FunctionName": self.function_name,
            "FunctionArn": self.function_arn,
            "Role": self.role,
            "CodeSize": self.code_size,
            "Description": self.description,
            "Timeout": self.timeout,
            "MemorySize": self.memory_size,
            "LastModified": self.last_modified,
            "CodeSha256": self.code_sha256,
            "Version": "$LATEST",
            "TracingConfig": { "Mode": "PassThrough" },
            "RevisionId": self.revision_id,
            "PackageType": "Zip",
            "Architectures": if self.architectures.is_empty() { vec!["x86_64".to_string()] } else { self.architectures.clone() },
            "EphemeralStorage": { "Size": 512 },
            "SnapStart": { "ApplyOn": "None", "OptimizationStatus": "Off" },
            "LoggingConfig": { "LogFormat": "Text", "LogGroup": format!("/aws/lambda/{}", self.function_name) },
        });
        let o = v.as_object_mut().expect("an object");
        if let Some(r) = &self.runtime {
            o.insert("Runtime".into(), json!(r));
        }
        if let Some(h) = &self.handler {
            o.insert("Handler".into(), json!(h));
        }
        if !self.environment.is_empty() {
            o.insert(
                "Environment".into(),
                json!({ "Variables": self.environment }),
            );
        }
        match state {
            State::Active => {
                o.insert("State".into(), json!("Active"));
                o.insert("LastUpdateStatus".into(), json!("Successful"));
            }
            State::Creating => {
                o.insert("State".into(), json!("Pending"));
                o.insert(
                    "StateReason".into(),
                    json!("The function is being created."),
                );
                o.insert("StateReasonCode".into(), json!("Creating"));
            }
            State::Updating => {
                o.insert("State".into(), json!("Active"));
                o.insert("LastUpdateStatus".into(), json!("InProgress"));
                o.insert(
                    "LastUpdateStatusReason".into(),
                    json!("The function is being created."),
                );
                o.insert("LastUpdateStatusReasonCode".into(), json!("Creating"));
            }
        }
        v
    }

    /// The log group the function's output goes to.
    pub fn log_group(&self) -> String {
        format!("/aws/lambda/{}", self.function_name)
    }

    /// Whether a worker started for `self` runs `other` as it would be started for it: same
    /// code, runtime, handler, environment and memory. A change to anything else (the
    /// description, the role, the timeout, which each invocation reads, or the permissions,
    /// which are not in here) keeps warm workers.
    pub fn same_worker(&self, other: &Config) -> bool {
        self.function_arn == other.function_arn
            && self.code_sha256 == other.code_sha256
            && self.runtime == other.runtime
            && self.handler == other.handler
            && self.environment == other.environment
            && self.memory_size == other.memory_size
    }
}

/// Which moment of a function's life an answer shows. Functions are ready when the call that
/// made them returns; AWS's answer to that call still says `Pending` / `InProgress`, and the
/// waiters the SDKs run after it see `Active` / `Successful` on their first GetFunction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// A stored function.
    Active,
    /// CreateFunction's answer.
    Creating,
    /// UpdateFunctionCode's and UpdateFunctionConfiguration's answer.
    Updating,
}

/// A function as a path names it: a name, an ARN or a partial ARN (`ACCOUNT:function:NAME`),
/// any of them with a `:QUALIFIER`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionName {
    /// The bare name.
    pub name: String,
    /// The version or alias, if the name carries one.
    pub qualifier: Option<String>,
}

impl FunctionName {
    /// Read a name, ARN or partial ARN.
    pub fn parse(s: &str) -> LambdaResult<Self> {
        // An ARN or partial ARN, or else a name with or without `:QUALIFIER`.
        let tail = s.split_once(":function:").map_or(s, |(_, tail)| tail);
        let (name, qualifier) = match tail.split_once(':') {
            Some((n, q)) => (n, Some(q.to_string())),
            None => (tail, None),
        };
        if !valid_name(name) {
            return Err(LambdaError::constraint(
                s,
                "functionName",
                "Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_\\.]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?",
            ));
        }
        Ok(Self {
            name: name.to_string(),
            qualifier,
        })
    }
}

/// Whether a bare function name is one Lambda accepts (1–64 of letters, digits, `-`, `_`).
pub fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// A function's ARN.
pub fn function_arn(scope: &Scope, name: &str) -> String {
    format!(
        "arn:aws:lambda:{}:{}:function:{name}",
        scope.region, scope.account
    )
}

/// AWS's `LastModified` form: `2026-12-06T10:00:00.000+0000`.
pub fn now_timestamp() -> String {
    chrono::Utc::now()
        .format("%Y-%m-%dT%H:%M:%S%.3f+0000")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_arns_and_qualifiers_are_read() {
        let cases = [
            ("hello", "hello", None),
            ("hello:prod", "hello", Some("prod")),
            (
                "arn:aws:lambda:us-east-1:123456789012:function:hello",
                "hello",
                None,
            ),
            (
                "arn:aws:lambda:us-east-1:123456789012:function:hello:$LATEST",
                "hello",
                Some("$LATEST"),
            ),
            ("123456789012:function:hello", "hello", None),
        ];
        for (input, name, qualifier) in cases {
            let f = FunctionName::parse(input).unwrap();
            assert_eq!(f.name, name, "{input}");
            assert_eq!(f.qualifier.as_deref(), qualifier, "{input}");
        }
        assert!(matches!(
            FunctionName::parse("no spaces"),
            Err(LambdaError::Validation(_))
        ));
        assert!(FunctionName::parse(&"x".repeat(65)).is_err());
    }

    #[test]
    fn wire_states_follow_the_moment() {
        let c = Config {
            function_name: "f".into(),
            function_arn: "arn:aws:lambda:us-east-1:1:function:f".into(),
            runtime: Some("python3.12".into()),
            role: "r".into(),
            handler: Some("app.handler".into()),
            code_size: 1,
            description: String::new(),
            timeout: 3,
            memory_size: 128,
            last_modified: now_timestamp(),
            code_sha256: "x".into(),
            environment: BTreeMap::new(),
            revision_id: "r".into(),
            architectures: vec![],
        };
        assert_eq!(c.to_wire(State::Creating)["State"], "Pending");
        assert_eq!(c.to_wire(State::Active)["State"], "Active");
        assert_eq!(c.to_wire(State::Active)["LastUpdateStatus"], "Successful");
        assert_eq!(c.to_wire(State::Updating)["LastUpdateStatus"], "InProgress");
        assert!(c.to_wire(State::Active).get("Environment").is_none());
        assert_eq!(c.to_wire(State::Active)["Architectures"], json!(["x86_64"]));
    }
}

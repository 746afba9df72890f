//! What TestInvokeMethod hands the data plane and gets back: the control plane reads the call,
//! the data plane runs the method ([AWS reference](https://docs.aws.amazon.com/apigateway/latest/api/API_TestInvokeMethod.html)).

use std::collections::BTreeMap;

/// One test invocation of a method.
#[derive(Debug, Clone, Default)]
pub struct TestRequest {
    /// The resource whose method runs.
    pub resource_id: String,
    /// The method's verb.
    pub http_method: String,
    /// `pathWithQueryString`; the resource's path when absent.
    pub path_with_query: Option<String>,
    /// Request headers (multi-valued ones repeated).
    pub headers: Vec<(String, String)>,
    /// The request body.
    pub body: Vec<u8>,
    /// `stageVariables`.
    pub stage_variables: BTreeMap<String, String>,
}

/// What the method answered, with AWS's execution log.
#[derive(Debug, Clone, Default)]
pub struct TestOutcome {
    /// The method's status.
    pub status: u16,
    /// Response headers in order (a name may repeat).
    pub headers: Vec<(String, String)>,
    /// The response body.
    pub body: Vec<u8>,
    /// AWS's execution log.
    pub log: String,
    /// Milliseconds taken.
    pub latency_ms: i64,
}

/// One test invocation of a Lambda authorizer (TestInvokeAuthorizer).
#[derive(Debug, Clone, Default)]
pub struct AuthorizerTestRequest {
    /// The authorizer to run.
    pub authorizer_id: String,
    /// `pathWithQueryString`; `/` when absent.
    pub path_with_query: Option<String>,
    /// Request headers (multi-valued ones repeated), where identity sources are read.
    pub headers: Vec<(String, String)>,
    /// The request body.
    pub body: Vec<u8>,
    /// `stageVariables`.
    pub stage_variables: BTreeMap<String, String>,
}

/// What the authorizer decided, with a log.
#[derive(Debug, Clone, Default)]
pub struct AuthorizerTestOutcome {
    /// 200 when the policy allows the test method, else the status a request would get
    /// (401, 403, 500).
    pub client_status: u16,
    /// The policy's `principalId`.
    pub principal_id: Option<String>,
    /// The policy document as JSON text.
    pub policy: Option<String>,
    /// The policy's `context`.
    pub context: BTreeMap<String, String>,
    /// The execution log.
    pub log: String,
    /// Milliseconds taken.
    pub latency_ms: i64,
}

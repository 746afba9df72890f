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

//! What the data plane hands a template (`$input`, `$context`, `$stageVariables`) and what it
//! gets back: the output plus the `$context.requestOverride` / `$context.responseOverride` values
//! the template set (see the AWS guide, "Override your API's request and response parameters and
//! status codes").

use serde_json::{Map, Value as J};

/// The request parameters behind `$input.params()`, in the order and case they arrived.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Params {
    /// Path parameters (`/pets/{petId}`), searched first by `$input.params(name)`.
    pub path: Vec<(String, String)>,
    /// Query string parameters, searched second.
    pub querystring: Vec<(String, String)>,
    /// Request headers with their names as the client sent them, searched last.
    pub header: Vec<(String, String)>,
}

/// Everything a template can read while rendering one request or response.
#[derive(Debug, Clone, Default)]
pub struct Context {
    /// Raw payload (`$input.body`); AWS reads an empty body as `{}`.
    pub body: String,
    /// Method request parameters (`$input.params()`).
    pub params: Params,
    /// The `$context` object, nested as AWS documents it (`identity.sourceIp`,
    /// `authorizer.principalId`, `error.messageString` …). `requestOverride` and
    /// `responseOverride` are added when missing; carry a previous render's values into the
    /// next template with [`Context::carry_overrides`].
    pub context: Map<String, J>,
    /// Stage variables (`$stageVariables`).
    pub stage_variables: Vec<(String, String)>,
}

impl Context {
    /// A context whose `$input.body` is `body`.
    pub fn with_body(body: impl Into<String>) -> Self {
        Self {
            body: body.into(),
            ..Self::default()
        }
    }

    /// Copies the overrides a render produced into `$context`, so that the next template of the
    /// same request (integration request → integration response) sees them, as on AWS.
    pub fn carry_overrides(&mut self, rendered: &Rendered) {
        for (k, v) in &rendered.context_overrides {
            self.context.insert(k.clone(), v.clone());
        }
    }
}

/// `$context.requestOverride` after rendering an integration request template.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestOverride {
    /// Headers to send to the integration instead of the mapped ones (list values joined by `,`).
    pub header: Vec<(String, String)>,
    /// Query string parameters to send instead of the mapped ones.
    pub querystring: Vec<(String, String)>,
    /// Path parameters to use instead of the mapped ones.
    pub path: Vec<(String, String)>,
}

/// `$context.responseOverride` after rendering a response template.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResponseOverride {
    /// Status code to return instead of the integration response's.
    pub status: Option<u16>,
    /// Response headers to return instead of the mapped ones (list values joined by `,`).
    pub header: Vec<(String, String)>,
}

/// The result of rendering a template.
#[derive(Debug, Clone, Default)]
pub struct Rendered {
    /// The transformed payload.
    pub output: String,
    /// Request overrides the template set.
    pub request_override: RequestOverride,
    /// Response overrides the template set.
    pub response_override: ResponseOverride,
    /// `requestOverride` and `responseOverride` exactly as they stand after rendering, including
    /// keys AWS ignores but passes on to the next template; see [`Context::carry_overrides`].
    pub context_overrides: Map<String, J>,
}

/// Text of an override value: strings as is, lists joined by `,`, numbers as JSON prints them.
fn text(v: &J) -> Option<String> {
    match v {
        J::Null => None,
        J::String(s) => Some(s.clone()),
        J::Array(a) => Some(a.iter().filter_map(text).collect::<Vec<_>>().join(",")),
        other => Some(other.to_string()),
    }
}

fn pairs(obj: Option<&J>, key: &str) -> Vec<(String, String)> {
    obj.and_then(|o| o.get(key))
        .and_then(J::as_object)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| text(v).map(|t| (k.clone(), t)))
                .collect()
        })
        .unwrap_or_default()
}

impl ResponseOverride {
    /// The typed form of a raw `responseOverride` value.
    fn from_value(response: &J) -> Self {
        let status = response.get("status").and_then(|s| match s {
            J::Number(n) => n.as_u64().and_then(|n| u16::try_from(n).ok()),
            J::String(s) => s.trim().parse().ok(),
            _ => None,
        });
        Self {
            status,
            header: pairs(Some(response), "header"),
        }
    }

    /// The `responseOverride` an earlier template of the request left in `ctx` (through
    /// [`Context::carry_overrides`]); empty when none did.
    pub fn carried(ctx: &Context) -> Self {
        ctx.context
            .get("responseOverride")
            .map(Self::from_value)
            .unwrap_or_default()
    }
}

impl Rendered {
    /// Builds the typed overrides from the raw `requestOverride` / `responseOverride` values.
    pub(crate) fn new(output: String, request: J, response: J) -> Self {
        let request_override = RequestOverride {
            header: pairs(Some(&request), "header"),
            querystring: pairs(Some(&request), "querystring"),
            path: pairs(Some(&request), "path"),
        };
        let response_override = ResponseOverride::from_value(&response);
        let mut context_overrides = Map::new();
        context_overrides.insert("requestOverride".into(), request);
        context_overrides.insert("responseOverride".into(), response);
        Self {
            output,
            request_override,
            response_override,
            context_overrides,
        }
    }
}

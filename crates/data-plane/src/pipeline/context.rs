//! The one per-request context: what the pipeline has learned about a call, filled phase by
//! phase, and read at the end by error rendering ([`crate::pipeline::respond`]) and access
//! logging. Phases borrow what they need of it (the routed [`Invocation`]); nothing is copied
//! from one record into another.

use axum::body::Body;
use axum::http::Request;

use apigw_model::Resource;

use crate::deployment::{DeployedApi, DeployedStage};
use crate::error::GatewayError;
use crate::pipeline::invocation::Invocation;
use crate::request::{header_pairs, ip_text, percent_pairs, Client};

/// Everything known about one execute-api call.
#[derive(Default)]
pub struct RequestContext<'a> {
    /// `$context.requestId`.
    pub request_id: &'a str,
    /// `$context.extendedRequestId`.
    pub extended_request_id: &'a str,
    /// The connection the request came on, when the server said.
    pub client: Option<&'a Client>,
    /// The API, once found.
    pub api: Option<&'a DeployedApi>,
    /// The stage served, once found; without it errors use AWS's defaults.
    pub stage: Option<&'a DeployedStage>,
    /// The matched resource, once routed (before a method is selected).
    pub resource: Option<&'a Resource>,
    /// Path parameters from routing, until the [`Invocation`] takes them.
    pub route_params: Vec<(String, String)>,
    /// The call as the phases see it, once a method is selected.
    pub inv: Option<Invocation<'a>>,
    /// The request's details, kept only when [`Self::wants_details`].
    pub view: RequestView,
    /// How long the integration took, once it ran.
    pub integration_latency: Option<std::time::Duration>,
    /// What the integration answered, once it did.
    pub integration_status: Option<u16>,
    /// The error the request ended with, if it failed.
    pub error: Option<GatewayError>,
}

/// What gateway response mappings and access logs read of the request itself.
#[derive(Debug, Default)]
pub struct RequestView {
    /// The HTTP method.
    pub http_method: String,
    /// The path after the stage.
    pub path: String,
    /// Query string parameters, decoded.
    pub query: Vec<(String, String)>,
    /// Request headers.
    pub headers: Vec<(String, String)>,
    /// The client's address.
    pub source_ip: Option<String>,
    /// `HTTP/1.1` and the like.
    pub protocol: &'static str,
}

impl<'a> RequestContext<'a> {
    /// A context for a request with these ids.
    pub fn new(
        request_id: &'a str,
        extended_request_id: &'a str,
        client: Option<&'a Client>,
    ) -> Self {
        Self {
            request_id,
            extended_request_id,
            client,
            ..Self::default()
        }
    }

    /// Whether the stage's deployment customises gateway responses or the stage logs access,
    /// i.e. whether the request's details are worth keeping (nothing is copied on the hot path
    /// otherwise).
    pub fn wants_details(&self) -> bool {
        self.stage
            .is_some_and(|s| !s.deployment.gateway_responses.is_empty() || s.access_log.is_some())
    }

    /// Keep what gateway response mappings and access logs may read of the request (only
    /// called when [`Self::wants_details`]).
    pub fn capture(&mut self, path: &str, req: &Request<Body>) {
        let client = self.client;
        self.view = RequestView {
            http_method: req.method().to_string(),
            path: path.to_string(),
            headers: header_pairs(req.headers(), Client::header_names(client)),
            query: req.uri().query().map(percent_pairs).unwrap_or_default(),
            source_ip: client.map(|c| ip_text(c.addr.ip())),
            protocol: match req.version() {
                axum::http::Version::HTTP_10 => "HTTP/1.0",
                axum::http::Version::HTTP_2 => "HTTP/2.0",
                _ => "HTTP/1.1",
            },
        };
    }

    /// A request header's value, as captured (the last one wins).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.view
            .headers
            .iter()
            .rev()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Path parameters, once routed.
    pub fn path_params(&self) -> &[(String, String)] {
        self.inv
            .as_ref()
            .map_or(&self.route_params, |inv| &inv.path_params)
    }

    /// The Lambda authorizer's principal, once it ran.
    pub fn principal_id(&self) -> Option<String> {
        let a = self.inv.as_ref()?.authorizer.as_ref()?;
        Some(match &a.policy.principal_id {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        })
    }
}

//! The request log's control-plane half: one line per call (target `apigw::control`, info)
//! naming the operation and its status, and the call kept for the inspector page
//! ([`apigw_data::recent`]). Data-plane requests are logged by the data plane itself
//! ([`apigw_data::pipeline::record`]).

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{Request, State};
use axum::http::HeaderMap;
use axum::middleware::Next;
use axum::response::Response;

use apigw_control::unimplemented::operation_for;
use apigw_data::recent::{ms, Plane, Seen};
use apigw_data::Gateway;

/// The log target of control-plane lines (`RUST_LOG=apigw::control=off` silences them).
pub const TARGET: &str = "apigw::control";

/// The operation a handler served, when the request alone does not say (a query-protocol
/// `Action` read from the body). Set as a response extension.
#[derive(Debug, Clone)]
pub struct Operation(pub Box<str>);

/// Whether a path is the inspector's own (its page polls: those calls are not the user's).
pub fn is_inspector(path: &str) -> bool {
    path == crate::inspector::PAGE || path.starts_with("/_apigw/ui/")
}

/// The middleware: log and keep every control-plane call but the inspector's own.
pub async fn control_log(
    State(gateway): State<Arc<Gateway>>,
    req: Request,
    next: Next,
) -> Response {
    if is_inspector(req.uri().path()) {
        return next.run(req).await;
    }
    let started = Instant::now();
    let method = req.method().clone();
    let path: Box<str> = req.uri().path().into();
    let named = operation_of(req.headers(), method.as_str(), &path, req.uri().query());
    let res = next.run(req).await;
    let latency = started.elapsed();
    let operation: Box<str> = match (res.extensions().get::<Operation>(), named) {
        (Some(Operation(op)), _) => op.clone(),
        (None, Some(op)) => op.into(),
        (None, None) => "unknown".into(),
    };
    let status = res.status().as_u16();
    let header = |name: &str| res.headers().get(name).and_then(|v| v.to_str().ok());
    let request_id = header("x-amzn-requestid").unwrap_or_default();
    let error = header("x-amzn-errortype");
    tracing::info!(
        target: TARGET,
        operation = &*operation,
        status,
        method = method.as_str(),
        path = &*path,
        latency_ms = ms(latency),
        request_id,
        error,
    );
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    gateway.recent.push(Seen {
        time_ms: now.saturating_sub(latency).as_millis() as i64,
        arrived: started,
        plane: Plane::Control,
        method: method.as_str().into(),
        path,
        operation: Some(operation),
        api_id: None,
        stage: None,
        resource: None,
        status,
        latency,
        integration_status: None,
        integration_latency: None,
        request_id: request_id.into(),
        error: error.map(Into::into),
        cause: None,
    });
    res
}

/// The operation a call is, from what the request head says: a CloudWatch Logs target, one of
/// the emulator's own endpoints, or an apigateway operation by method and path.
fn operation_of(
    headers: &HeaderMap,
    method: &str,
    path: &str,
    query: Option<&str>,
) -> Option<String> {
    if let Some(target) = headers.get("x-amz-target").and_then(|v| v.to_str().ok()) {
        let op = target.rsplit('.').next().unwrap_or(target);
        return Some(format!("logs:{op}"));
    }
    if let Some(own) = path.strip_prefix("/_apigw/") {
        return Some(format!("apigw-local:{own}"));
    }
    let trimmed = match path.strip_suffix('/') {
        Some(p) if !p.is_empty() => p,
        _ => path,
    };
    operation_for(method, trimmed, query).map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_operations() {
        let none = HeaderMap::new();
        let op = |m, p, q| operation_of(&none, m, p, q);
        assert_eq!(
            op("POST", "/restapis", None).as_deref(),
            Some("CreateRestApi")
        );
        assert_eq!(
            op("GET", "/restapis/", None).as_deref(),
            Some("GetRestApis")
        );
        assert_eq!(
            op("GET", "/_apigw/health", None).as_deref(),
            Some("apigw-local:health")
        );
        assert_eq!(op("GET", "/nothing/here", None), None);
        let mut logs = HeaderMap::new();
        logs.insert(
            "x-amz-target",
            "Logs_20140328.PutLogEvents".parse().unwrap(),
        );
        assert_eq!(
            operation_of(&logs, "POST", "/", None).as_deref(),
            Some("logs:PutLogEvents")
        );
        assert!(is_inspector("/_apigw/ui") && is_inspector("/_apigw/ui/data"));
        assert!(!is_inspector("/_apigw/uix"));
    }
}

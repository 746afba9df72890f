//! One port, routed by request: execute-api calls to the data plane (by `Host` or path form),
//! the emulator's own `/_apigw/*` endpoints, query-protocol services (STS), and the
//! apigateway REST-JSON control plane.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::header::{CONTENT_LENGTH, HOST};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use tower::ServiceExt;

use std::sync::Arc;

use apigw_companions::{logs, query_protocol, Companions};
use apigw_control::AppState;
use apigw_data::request::Client;
use apigw_data::{addressing, Gateway};
use apigw_model::ApiError;

use crate::guard::LocalGuard;
use crate::publisher::Publisher;

/// Bodies of control-plane calls are small; this bounds what one request may buffer.
const MAX_CONTROL_BODY: usize = 16 * 1024 * 1024;

/// The largest over-limit control-plane body read (and dropped) before it is refused.
const DRAIN_LIMIT: usize = 64 * 1024 * 1024;

/// What the dispatcher needs: the control plane's state, the data plane, and the publisher.
#[derive(Clone)]
pub struct Shared {
    /// Control-plane state.
    pub state: AppState,
    /// CloudWatch Logs, IAM and STS.
    pub companions: Companions,
    /// The built-in Lambda.
    pub lambda: Arc<apigw_lambda::Lambda>,
    /// The data plane.
    pub gateway: Arc<Gateway>,
    /// Reloads deployed stages (after a reset).
    pub publisher: Arc<Publisher>,
    /// Who may reach the control plane.
    pub guard: LocalGuard,
}

/// The whole application: execute-api calls go straight to the data plane (no router on the
/// hot path), everything else through the control plane's router.
#[derive(Clone)]
pub struct App {
    gateway: Arc<Gateway>,
    control: Router,
    guard: Arc<LocalGuard>,
}

/// The whole application on one port.
pub fn app(shared: Shared) -> App {
    let control = apigw_control::router(shared.state.clone());
    let own = Router::new()
        .route("/_apigw/health", get(health))
        .route("/_apigw/reset", post(reset))
        // Tools written for LocalStack poll this before they start.
        .route("/_localstack/health", get(localstack_health))
        .merge(crate::inspector::routes())
        .with_state(shared.clone());
    let companions = shared.companions.clone();
    let lambda = shared.lambda.clone();
    // The log layer is outside `request_id`, so it sees the id every answer gets.
    let control = own
        .fallback(move |req: Request| {
            route_rest(companions.clone(), lambda.clone(), control.clone(), req)
        })
        .layer(middleware::from_fn(request_id))
        .layer(middleware::from_fn_with_state(
            shared.gateway.clone(),
            crate::control_log::control_log,
        ));
    App {
        gateway: shared.gateway,
        control,
        guard: Arc::new(shared.guard),
    }
}

/// An answer: the control plane's, or the data plane's with its request ids beside it.
#[derive(Debug)]
pub enum Reply {
    /// Complete as it is.
    Plain(Response),
    /// Still to get its id headers ([`apigw_data::Answer`]).
    Gateway(apigw_data::Answer),
}

impl Reply {
    /// The whole response, id headers included.
    pub fn into_response(self) -> Response {
        match self {
            Reply::Plain(r) => r,
            Reply::Gateway(a) => a.into_response(),
        }
    }
}

/// The data plane's request ids, written ahead of its response's own headers.
pub struct Ids(Option<[(axum::http::HeaderName, String); 2]>);

impl AsRef<[(axum::http::HeaderName, String)]> for Ids {
    fn as_ref(&self) -> &[(axum::http::HeaderName, String)] {
        match &self.0 {
            Some(ids) => ids,
            None => &[],
        }
    }
}

impl apigw_http1::Reply for Reply {
    type Body = Body;
    type Leading = Ids;

    fn into_parts(self) -> (Response, Ids) {
        match self {
            Reply::Plain(res) => (res, Ids(None)),
            // Generated ids (letters, digits, `-`, `=`): valid header values as they are.
            Reply::Gateway(a) => (
                a.response,
                Ids(Some([
                    (apigw_data::headers::X_AMZN_REQUEST_ID, a.request_id),
                    (apigw_data::headers::X_AMZ_APIGW_ID, a.extended_request_id),
                ])),
            ),
        }
    }

    fn into_response(self) -> Response {
        Reply::into_response(self)
    }
}

/// The transport's request body as the application's: the same variants as the transport
/// would have made (no box for an empty body).
fn body_of(body: apigw_http1::RequestBody) -> Body {
    match body {
        apigw_http1::RequestBody::Empty => Body::empty(),
        apigw_http1::RequestBody::Full(bytes) => Body::from(bytes),
        streaming @ apigw_http1::RequestBody::Streaming(_) => Body::new(streaming),
    }
}

impl apigw_http1::Handler for App {
    type Reply = Reply;

    fn call(
        &self,
        req: axum::http::Request<apigw_http1::RequestBody>,
        peer: apigw_http1::Peer,
    ) -> impl std::future::Future<Output = Reply> + Send {
        let client = Client {
            addr: peer.addr,
            header_names: peer.header_names,
        };
        async move { self.answer(req.map(body_of), Some(&client)).await }
    }
}

/// The gateway as a `tower::Service`, for servers other than apigw-http1's (the connection's
/// address is not known there: source IPs read as unknown).
impl tower::Service<Request> for App {
    type Response = Response;
    type Error = std::convert::Infallible;
    type Future =
        std::pin::Pin<Box<dyn std::future::Future<Output = Result<Response, Self::Error>> + Send>>;

    fn poll_ready(
        &mut self,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), Self::Error>> {
        std::task::Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: Request) -> Self::Future {
        let app = self.clone();
        Box::pin(async move { Ok(app.answer(req, None).await.into_response()) })
    }
}

impl App {
    /// Answer one request; `client` is the connection it came on, when the server knows it.
    pub async fn answer(&self, req: Request, client: Option<&Client>) -> Reply {
        // Cheap clones (reference-counted bytes), so the target can borrow while `req` moves.
        let uri = req.uri().clone();
        let host = req.headers().get(HOST).cloned();
        let host = host.as_ref().and_then(|v| v.to_str().ok());
        if let Some(target) = addressing::resolve(host, uri.path()) {
            // Only a host of the `{api}.execute-api.{region}…` form names a region.
            let region = host
                .filter(|h| addressing::api_id_from_host(h).is_some())
                .and_then(region_of_host);
            return Reply::Gateway(self.gateway.handle(target, region, req, client).await);
        }
        if let Some(routed) = self.gateway.domains.route(host, uri.path()) {
            let region = Some(routed.region.as_str()).filter(|r| !r.is_empty());
            let target = routed.target();
            return Reply::Gateway(self.gateway.handle(target, region, req, client).await);
        }
        if let Some(refused) = self.guard.check(req.headers()) {
            return Reply::Plain(refused);
        }
        match self.control.clone().oneshot(req).await {
            Ok(r) => Reply::Plain(r),
            Err(never) => match never {},
        }
    }
}

/// `abc.execute-api.eu-west-1.amazonaws.com` → `eu-west-1`.
fn region_of_host(host: &str) -> Option<&str> {
    let label = host.split('.').nth(2)?;
    (label.contains('-') && label.bytes().any(|b| b.is_ascii_digit())).then_some(label)
}

async fn route_rest(
    companions: Companions,
    lambda: Arc<apigw_lambda::Lambda>,
    control: Router,
    req: Request,
) -> Response {
    if apigw_lambda::Lambda::is_lambda_call(req.uri().path()) {
        return apigw_lambda::api::handle(lambda, req).await;
    }
    if logs::is_logs_call(req.headers()) {
        return logs::handle(&companions, req).await;
    }
    let ct = req
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    if query_protocol::is_query_call(
        req.method().as_str(),
        req.uri().path(),
        ct.as_deref(),
        req.uri().query(),
    ) {
        let query = req.uri().query().unwrap_or("").to_string();
        let body = match axum::body::to_bytes(req.into_body(), MAX_CONTROL_BODY).await {
            Ok(b) => b,
            Err(_) => return StatusCode::PAYLOAD_TOO_LARGE.into_response(),
        };
        let params: Vec<(String, String)> = form_pairs(query.as_bytes())
            .chain(form_pairs(&body))
            .collect();
        let action = params
            .iter()
            .find(|(k, _)| k == "Action")
            .map(|(_, v)| crate::control_log::Operation(v.as_str().into()));
        let mut res = query_protocol::handle(&companions, &params).await;
        if let Some(action) = action {
            res.extensions_mut().insert(action);
        }
        return res;
    }
    let declared = req
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| apigw_data::headers::content_length(v.as_bytes()));
    if let Some(n) = declared.filter(|n| *n > apigw_control::MAX_BODY as u64) {
        // A client still writing its body when the connection closes may never read the
        // answer (its writes fail first): a body of sane size is read and dropped before it.
        if n <= DRAIN_LIMIT as u64 {
            let _ = axum::body::to_bytes(req.into_body(), DRAIN_LIMIT).await;
        }
        return apigw_control::error::Error(ApiError::too_large(apigw_control::MAX_BODY))
            .into_response();
    }
    let req = without_trailing_slash(req);
    match control.oneshot(req).await {
        Ok(r) => aws_shaped(r).await,
        Err(never) => match never {},
    }
}

/// The request with one trailing `/` taken off its path (not the root's): AWS's routing
/// treats trailing slashes as optional (`GET /restapis/` is GetRestApis), axum's does not.
fn without_trailing_slash(mut req: Request) -> Request {
    let uri = req.uri();
    let path = uri.path();
    if path.len() > 1 && path.ends_with('/') {
        let trimmed = &path[..path.len() - 1];
        let target = match uri.query() {
            Some(q) => format!("{trimmed}?{q}"),
            None => trimmed.to_string(),
        };
        if let Ok(t) = target.parse() {
            *req.uri_mut() = t;
        }
    }
    req
}

/// An error answer in AWS's shape even when it came from axum rather than a handler (a query
/// string or path segment its extractors refuse, a body over the limit): those carry plain
/// text and no `x-amzn-ErrorType`, which SDKs cannot read.
async fn aws_shaped(res: Response) -> Response {
    let status = res.status();
    if !status.is_client_error() || res.headers().contains_key("x-amzn-errortype") {
        return res;
    }
    let error = if status == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::too_large(apigw_control::MAX_BODY)
    } else {
        let text = axum::body::to_bytes(res.into_body(), 64 * 1024)
            .await
            .unwrap_or_default();
        let text = String::from_utf8_lossy(&text);
        let text = text.trim();
        ApiError::bad_request(if text.is_empty() {
            status
                .canonical_reason()
                .unwrap_or("Bad request")
                .to_string()
        } else {
            text.to_string()
        })
    };
    apigw_control::error::Error(error).into_response()
}

fn form_pairs(bytes: &[u8]) -> impl Iterator<Item = (String, String)> + '_ {
    form_urlencoded::parse(bytes).map(|(k, v)| (k.into_owned(), v.into_owned()))
}

/// Every answer carries `x-amzn-RequestId`, as AWS's do.
async fn request_id(req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    if !res.headers().contains_key("x-amzn-requestid") {
        if let Ok(v) = HeaderValue::from_str(&apigw_control::new_request_id()) {
            res.headers_mut().insert("x-amzn-requestid", v);
        }
    }
    res
}

async fn health(State(shared): State<Shared>) -> Response {
    let st = &shared.state;
    Json(serde_json::json!({
        "status": "running",
        "version": env!("CARGO_PKG_VERSION"),
        "state": st.store.location(),
        "accountId": st.config.account_id,
        "region": st.config.default_region,
    }))
    .into_response()
}

/// LocalStack's health answer (`{"services": {name: "running"}, ...}`), naming the services
/// served here, so tools that wait on LocalStack wait on apigw-local the same way.
async fn localstack_health() -> Response {
    Json(serde_json::json!({
        "services": {
            "apigateway": "running",
            "iam": "running",
            "lambda": "running",
            "logs": "running",
            "sts": "running",
        },
        "edition": "apigw-local",
        "version": env!("CARGO_PKG_VERSION"),
    }))
    .into_response()
}

async fn reset(State(shared): State<Shared>) -> Response {
    match shared.lambda.reset(shared.state.store.reset()).await {
        Ok(()) => {
            shared.gateway.clear();
            Json(serde_json::json!({ "reset": true })).into_response()
        }
        Err(e) => {
            tracing::error!(error = %e, "reset failed");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                Body::from("reset failed"),
            )
                .into_response()
        }
    }
}

//! HTTP_PROXY: pass the request through to the backend and its answer back unchanged.
//!
//! Method, path (with `{param}` and `{proxy}` substituted into the URI), query string
//! (multi-valued), headers minus hop-by-hop ones, and the body (streamed) go to the backend;
//! its status, headers and body (streamed, binary-safe) come back.

use std::time::Duration;

use axum::body::Body;
use axum::http::{HeaderName, HeaderValue, Request, Response};

use apigw_model::Integration;

use crate::error::{GatewayError, ResponseType};
use crate::pipeline::integrations::backends::Backends;
use crate::pipeline::invocation::{context_object, Invocation};
use crate::pipeline::mapping::{map_parameters, maps_headers_or_query};
use crate::request::{request_head, MAX_BODY};

/// Headers never forwarded: those that describe one connection, and those AWS drops from every
/// request before any integration sees it (Content-MD5, Max-Forwards, Server,
/// WWW-Authenticate — recorded by LocalStack's AWS-validated tests).
fn is_hop_by_hop(name: &HeaderName) -> bool {
    matches!(
        name.as_str(),
        "connection"
            | "keep-alive"
            | "proxy-authenticate"
            | "proxy-authorization"
            | "te"
            | "trailer"
            | "transfer-encoding"
            | "upgrade"
            | "host"
            | "content-length"
            | "expect"
            | "content-md5"
            | "max-forwards"
            | "server"
            | "www-authenticate"
    )
}

/// Build the backend URL: stage variables, path parameters (mapped through
/// `integration.request.path.x = method.request.path.y`, or by the same name), query string.
pub fn backend_url(
    integration: &Integration,
    inv_params: &[(String, String)],
    vars: Option<&apigw_model::StringMap>,
    query: Option<&str>,
) -> String {
    let uri = integration.uri.as_deref().unwrap_or_default();
    let substituted;
    let uri = if memchr::memchr(b'$', uri.as_bytes()).is_some() {
        substituted = super::stage_variables(uri, vars);
        substituted.as_str()
    } else {
        uri
    };
    // Path variables in the URI: `{name}` or `{name+}`.
    let mut out = String::with_capacity(uri.len() + 64 + query.map_or(0, str::len));
    let mut rest = uri;
    while let Some(i) = memchr::memchr(b'{', rest.as_bytes()) {
        out.push_str(&rest[..i]);
        let Some(j) = memchr::memchr(b'}', &rest.as_bytes()[i..]) else {
            out.push_str(&rest[i..]);
            rest = "";
            break;
        };
        let name = rest[i + 1..i + j].trim_end_matches('+');
        let source = integration
            .request_parameters
            .iter()
            .flatten()
            .find(|(k, _)| k.strip_prefix("integration.request.path.") == Some(name))
            .and_then(|(_, s)| s.strip_prefix("method.request.path."))
            .unwrap_or(name);
        match inv_params.iter().find(|(k, _)| k == source) {
            Some((_, v)) => out.extend(encode_path(v)),
            None => out.push_str(&rest[i..=i + j]),
        }
        rest = &rest[i + j + 1..];
    }
    out.push_str(rest);
    if let Some(q) = query.filter(|q| !q.is_empty()) {
        let joiner = if memchr::memchr(b'?', out.as_bytes()).is_some() {
            '&'
        } else {
            '?'
        };
        out.push(joiner);
        out.push_str(q);
    }
    out
}

/// Percent-encode a decoded path value, keeping `/` (a greedy value spans segments).
fn encode_path(v: &str) -> percent_encoding::PercentEncode<'_> {
    const SET: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS
        .add(b' ')
        .add(b'"')
        .add(b'#')
        .add(b'<')
        .add(b'>')
        .add(b'?')
        .add(b'`')
        .add(b'{')
        .add(b'}')
        .add(b'%');
    percent_encoding::utf8_percent_encode(v, SET)
}

/// Call the backend; `path` is the resource path the request asked for (`$context` reads it).
pub async fn invoke(
    backends: &Backends,
    inv: &Invocation<'_>,
    integration: &Integration,
    req: Request<Body>,
    path: &str,
) -> Result<Response<Body>, GatewayError> {
    let (mut parts, mut body) = req.into_parts();
    let too_large = || GatewayError::new(ResponseType::RequestTooLarge, "Request Too Long");
    match parts
        .headers
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
    {
        Some(n) if n > MAX_BODY => return Err(too_large()),
        Some(_) => {}
        // A body of unknown length (chunked) is read first, as AWS buffers every request: past
        // 10 MB it is refused before anything reaches the backend. Sized bodies stream.
        None if parts
            .headers
            .contains_key(axum::http::header::TRANSFER_ENCODING) =>
        {
            let bytes = crate::request::read_body(body).await?;
            parts.headers.remove(axum::http::header::TRANSFER_ENCODING);
            body = Body::from(bytes);
        }
        None => {}
    }
    // Header and query string mappings add to (or replace) what the client sent; path
    // mappings go through `backend_url`. A proxy that maps neither builds no request view.
    let mut query = parts.uri.query().map(str::to_string);
    if maps_headers_or_query(integration) {
        let head = Request::from_parts(parts, ());
        let info = request_head(path, &head, inv.client, Vec::new());
        let context = context_object(inv, &info, chrono::Utc::now());
        let mapped = map_parameters(integration, inv, &info, &context);
        parts = head.into_parts().0;
        for (name, value) in &mapped.header {
            if let (Ok(n), Ok(v)) = (
                HeaderName::from_bytes(name.as_bytes()),
                HeaderValue::from_str(value),
            ) {
                parts.headers.insert(n, v);
            }
        }
        if !mapped.querystring.is_empty() {
            let extra = mapped.query_string();
            query = Some(match query.filter(|q| !q.is_empty()) {
                Some(q) => format!("{q}&{extra}"),
                None => extra,
            });
        }
    }
    let url = backend_url(
        integration,
        &inv.path_params,
        inv.stage.stage.variables.as_ref(),
        query.as_deref(),
    );
    let (url, host) = super::through_vpc_link(url, integration, inv.stage);
    let method = match integration.http_method.as_deref() {
        Some("ANY") | None => parts.method.clone(),
        Some(m) => m
            .parse()
            .map_err(|_| GatewayError::config("bad integration method"))?,
    };
    let out = Outgoing {
        parts,
        body,
        host: host.as_deref(),
        method,
        timeout: super::timeout_of(integration),
        url,
    };
    if out.url.starts_with("http://") {
        return via_pool(out).await;
    }
    via_reqwest(backends.client_in(integration, inv.stage), out).await
}

/// The request as it leaves for the backend, whichever client path takes it.
struct Outgoing<'a> {
    /// The client's request head (its URI is not read: `url` is the target).
    parts: axum::http::request::Parts,
    body: Body,
    url: String,
    /// The `Host` to send instead of the URL's (a VPC link's target).
    host: Option<&'a str>,
    method: axum::http::Method,
    timeout: Duration,
}

/// Everything else (HTTPS, HTTP/2 by ALPN) through reqwest. The headers go out and come back
/// through the same two rules as on the pooled path ([`is_hop_by_hop`], [`backend_header`]),
/// and a body of known length goes with its `content-length` as there (reqwest would chunk a
/// stream). One difference is reqwest's own: it adds `accept: */*` when the client sent no
/// `Accept`, and offers no way to stop it.
async fn via_reqwest(
    client: &reqwest::Client,
    out: Outgoing<'_>,
) -> Result<Response<Body>, GatewayError> {
    let mut builder = client.request(out.method, &out.url);
    if let Some(h) = out.host {
        builder = builder.header(axum::http::header::HOST, h);
    }
    for (name, value) in &out.parts.headers {
        if !is_hop_by_hop(name) {
            builder = builder.header(name, value);
        }
    }
    if !http_body::Body::is_end_stream(&out.body) {
        if let Some(n) = http_body::Body::size_hint(&out.body).exact() {
            builder = builder.header(axum::http::header::CONTENT_LENGTH, n);
        }
        builder = builder.body(reqwest::Body::wrap_stream(out.body.into_data_stream()));
    }
    let upstream = super::within(out.timeout, builder.send(), |e| {
        GatewayError::new(ResponseType::IntegrationFailure, "Internal server error")
            .because(format!("{}: {e}", out.url))
    })
    .await?;
    let mut res = Response::builder().status(upstream.status());
    for (name, value) in upstream.headers() {
        if let Some(name) = backend_header(name.clone()) {
            res = res.header(name, value);
        }
    }
    res.body(Body::from_stream(upstream.bytes_stream()))
        .map_err(|_| GatewayError::config("bad backend response"))
}

/// The plain-HTTP fast path: the client's request parts are reused (hop-by-hop headers
/// skipped as the head is written; the backend's target goes beside them, the parts' URI is
/// not read), and both bodies go through this thread's backend connection pool (`apigw_http1::client`)
/// without copies.
async fn via_pool(out: Outgoing<'_>) -> Result<Response<Body>, GatewayError> {
    let Outgoing {
        mut parts,
        body,
        url,
        host,
        method,
        timeout,
    } = out;
    let invalid = || GatewayError::config("integration URI is not a valid URL");
    let parsed: axum::http::Uri;
    let target = match apigw_http1::client::Target::parse(&url) {
        Some(t) => t,
        None => {
            parsed = url.parse().map_err(|_| invalid())?;
            apigw_http1::client::Target::from_uri(&parsed).map_err(|_| invalid())?
        }
    };
    let target = match host {
        Some(h) => target.with_host(h),
        None => target,
    };
    parts.method = method;
    parts.version = axum::http::Version::HTTP_11;
    let upstream = match super::by_deadline(
        timeout,
        apigw_http1::client::send(target, parts, body, backend_header, is_hop_by_hop),
    )
    .await?
    {
        Err(e) => {
            return Err(GatewayError::new(
                ResponseType::IntegrationFailure,
                "Internal server error",
            )
            .because(format!("{url}: {e}")));
        }
        Ok(r) => r,
    };
    let (parts, body) = upstream.into_parts();
    Ok(Response::from_parts(parts, Body::new(body)))
}

/// A backend response header on its way back, on either client path: framing headers dropped (the body is decoded),
/// AWS's remapped names renamed (the gateway writes its own Date, Connection and
/// Content-Length, the length from the body's exact size when the backend sent one).
fn backend_header(name: HeaderName) -> Option<HeaderName> {
    if name == axum::http::header::TRANSFER_ENCODING || name.as_str() == "keep-alive" {
        return None;
    }
    Some(crate::headers::renamed(&name, &crate::headers::PROXY).unwrap_or(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn integ(uri: &str, mapping: Option<(&str, &str)>) -> Integration {
        Integration {
            integration_type: "HTTP_PROXY".into(),
            uri: Some(uri.into()),
            request_parameters: mapping
                .map(|(k, v)| [(k.to_string(), v.to_string())].into_iter().collect()),
            ..Default::default()
        }
    }

    /// A backend that records each request (head lines, lower-cased names, sorted; then the
    /// body) and answers with a head full of headers of every kind.
    async fn recording_backend() -> (String, tokio::sync::mpsc::UnboundedReceiver<Vec<String>>) {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        tokio::spawn(async move {
            loop {
                let (mut s, _) = listener.accept().await.unwrap();
                let tx = tx.clone();
                tokio::spawn(async move {
                    let mut buf = Vec::new();
                    let mut chunk = [0u8; 4096];
                    loop {
                        let end = loop {
                            if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                                break i + 4;
                            }
                            match s.read(&mut chunk).await {
                                Ok(0) | Err(_) => return,
                                Ok(n) => buf.extend_from_slice(&chunk[..n]),
                            }
                        };
                        let head = String::from_utf8(buf.drain(..end).collect()).unwrap();
                        let mut lines: Vec<String> = head
                            .split("\r\n")
                            .skip(1)
                            .filter(|l| !l.is_empty())
                            .map(|l| {
                                let (n, v) = l.split_once(':').unwrap();
                                format!("{}: {}", n.to_ascii_lowercase(), v.trim())
                            })
                            .collect();
                        lines.sort();
                        let length = lines
                            .iter()
                            .find_map(|l| l.strip_prefix("content-length: "))
                            .map_or(0, |n| n.parse::<usize>().unwrap());
                        while buf.len() < length {
                            match s.read(&mut chunk).await {
                                Ok(0) | Err(_) => return,
                                Ok(n) => buf.extend_from_slice(&chunk[..n]),
                            }
                        }
                        lines.push(String::from_utf8(buf.drain(..length).collect()).unwrap());
                        let _ = tx.send(lines);
                        let answer = b"HTTP/1.1 201 Created\r\nServer: up\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\nTransfer-Encoding: chunked\r\nWWW-Authenticate: Basic\r\nDate: Mon, 01 Jan 2024 00:00:00 GMT\r\nX-Custom: 1\r\nx-custom: 2\r\nContent-MD5: abc\r\n\r\n2\r\nok\r\n0\r\n\r\n";
                        if s.write_all(answer).await.is_err() {
                            return;
                        }
                    }
                });
            }
        });
        (format!("http://{addr}/p?q=1"), rx)
    }

    fn request(method: &str, body: &'static str) -> (axum::http::request::Parts, Body) {
        let req = Request::builder()
            .method(method)
            .uri("/ignored")
            .header("Host", "client.example")
            .header("X-Api-Key", "k")
            .header("Accept", "text/plain")
            .header("X-Multi", "1")
            .header("X-Multi", "2")
            .header("Connection", "keep-alive, x-multi")
            .header("Keep-Alive", "timeout=9")
            .header("Content-MD5", "m")
            .header("Max-Forwards", "3")
            .header("Expect", "100-continue")
            .header("Proxy-Authorization", "p")
            .header("TE", "trailers")
            .header("Content-Length", body.len())
            .body(())
            .unwrap();
        let body = if body.is_empty() {
            Body::empty()
        } else {
            Body::from(body)
        };
        (req.into_parts().0, body)
    }

    async fn answer_of(res: Response<Body>) -> (u16, Vec<String>, Vec<u8>) {
        let status = res.status().as_u16();
        let mut headers: Vec<String> = res
            .headers()
            .iter()
            .map(|(n, v)| format!("{n}: {}", v.to_str().unwrap()))
            .collect();
        headers.sort();
        let body = axum::body::to_bytes(res.into_body(), 1024).await.unwrap();
        (status, headers, body.to_vec())
    }

    #[tokio::test]
    async fn both_client_paths_forward_and_return_the_same_headers() {
        let (url, mut seen) = recording_backend().await;
        let client = reqwest::Client::builder().build().unwrap();
        let timeout = Duration::from_secs(30);
        for (method, body) in [("POST", "abc"), ("GET", ""), ("PUT", "")] {
            let outgoing = || {
                let (parts, body) = request(method, body);
                Outgoing {
                    parts,
                    body,
                    url: url.clone(),
                    host: None,
                    method: method.parse().unwrap(),
                    timeout,
                }
            };
            let pooled = answer_of(via_pool(outgoing()).await.unwrap()).await;
            let pooled_request = seen.recv().await.unwrap();
            let other = answer_of(via_reqwest(&client, outgoing()).await.unwrap()).await;
            let other_request = seen.recv().await.unwrap();
            assert_eq!(pooled_request, other_request, "{method}");
            assert_eq!(pooled, other, "{method}");
            let host = format!(
                "host: {}",
                &url["http://".len()..url.len() - "/p?q=1".len()]
            );
            assert!(pooled_request.contains(&host), "{pooled_request:?}");
            assert!(pooled_request.contains(&"x-api-key: k".to_string()));
            assert!(!pooled_request.iter().any(|l| l.starts_with("content-md5")
                || l.starts_with("max-forwards")
                || l.starts_with("keep-alive")
                || l.starts_with("proxy-authorization")
                || l.starts_with("expect")));
            assert_eq!(pooled.0, 201);
            assert_eq!(pooled.2, b"ok");
            assert!(!pooled
                .1
                .iter()
                .any(|h| h.starts_with("transfer-encoding") || h.starts_with("keep-alive")));
        }
    }

    #[test]
    fn url_building() {
        let params = vec![("proxy".to_string(), "a/b c".to_string())];
        assert_eq!(
            backend_url(
                &integ("http://h/{proxy}", None),
                &params,
                None,
                Some("x=1&x=2")
            ),
            "http://h/a/b%20c?x=1&x=2"
        );
        let mapped = integ(
            "http://h/items/{item}",
            Some(("integration.request.path.item", "method.request.path.id")),
        );
        assert_eq!(
            backend_url(&mapped, &[("id".into(), "7".into())], None, None),
            "http://h/items/7"
        );
        assert_eq!(
            backend_url(&integ("http://h/x?a=1", None), &[], None, Some("b=2")),
            "http://h/x?a=1&b=2"
        );
    }
}

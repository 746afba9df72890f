//! Keeping web pages out of the control plane.
//!
//! apigw-local checks no credentials, and it runs on developers' laptops next to their
//! browsers. Without a guard any web page could `POST /_apigw/reset`, create APIs with a
//! `text/plain` body, or call IAM with a plain `GET`. So the control plane and `/_apigw/*`
//! refuse:
//! - a request whose `Origin` is not a loopback origin (browsers send `Origin` on cross-site
//!   calls; SDKs and the CLI send none, and are unaffected);
//! - while listening on a loopback address, a `Host` that is not a loopback name or address,
//!   which is what a DNS-rebinding page sends (`--allow-host` adds names).
//!
//! The data plane is not guarded: stages are called from browsers (that is what CORS is for)
//! and by any name.

use axum::http::header::{HOST, ORIGIN};
use axum::http::{HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};

use apigw_model::{ApiError, ErrorKind};

/// Which requests the control plane answers.
#[derive(Debug, Clone)]
pub struct LocalGuard {
    /// Refuse a `Host` that is neither a loopback name nor in `allowed`.
    check_host: bool,
    /// Names added with `--allow-host`, lower-case, without a port.
    allowed: Vec<String>,
}

impl LocalGuard {
    /// The guard for a server listening on `listen`, with the names of `--allow-host`.
    pub fn new(listen: std::net::SocketAddr, allow_hosts: &[String]) -> Self {
        let allowed: Vec<String> = allow_hosts
            .iter()
            .map(|h| host_part(h.trim()).to_ascii_lowercase())
            .filter(|h| !h.is_empty())
            .collect();
        Self {
            check_host: listen.ip().is_loopback() || !allowed.is_empty(),
            allowed,
        }
    }

    /// Whether `host` (no port) is one this server answers to.
    fn host_allowed(&self, host: &str) -> bool {
        is_loopback_host(host) || self.allowed.iter().any(|a| a.eq_ignore_ascii_case(host))
    }

    /// The header's text when the host it names (read by `host_of`) is not one this server
    /// answers to; `None` when it is. A value that is not text names no host.
    fn refused(&self, value: &HeaderValue, host_of: fn(&str) -> Option<&str>) -> Option<String> {
        let host = value.to_str().ok().and_then(host_of);
        (!host.is_some_and(|h| self.host_allowed(h)))
            .then(|| String::from_utf8_lossy(value.as_bytes()).into_owned())
    }

    /// `None` when the request may reach the control plane, else the 403 to answer.
    pub fn check(&self, headers: &HeaderMap) -> Option<Response> {
        let origin = headers.get(ORIGIN);
        if let Some(origin) = origin.and_then(|v| self.refused(v, origin_host)) {
            tracing::warn!(%origin, "refused a cross-site control-plane request");
            return Some(forbidden(&format!(
                "apigw-local refuses control-plane requests from web pages: Origin '{origin}' is not a loopback origin (SDKs and the aws CLI send no Origin; --allow-host adds a name)"
            )));
        }
        if !self.check_host {
            return None;
        }
        let host = headers
            .get(HOST)
            .and_then(|v| self.refused(v, |h| Some(host_part(h))))?;
        tracing::warn!(%host, "refused a control-plane request for another host name");
        Some(forbidden(&format!(
            "apigw-local refuses control-plane requests for Host '{host}': only loopback names are accepted while it listens on a loopback address (a guard against DNS rebinding); start it with --allow-host NAME to accept another name"
        )))
    }
}

/// 403 in AWS's error shape (rendered as every control-plane error is), with a request id:
/// the guard answers before the middleware that adds one.
fn forbidden(message: &str) -> Response {
    let mut res = apigw_control::error::Error(ApiError::new(ErrorKind::AccessDenied, message))
        .into_response();
    if let Ok(id) = HeaderValue::from_str(&apigw_control::new_request_id()) {
        res.headers_mut().insert("x-amzn-requestid", id);
    }
    res
}

/// The host of an `Origin` (`scheme://host[:port]`), without its port; `None` for `null` or
/// anything not of that form.
fn origin_host(origin: &str) -> Option<&str> {
    let (scheme, rest) = origin.split_once("://")?;
    if !scheme.eq_ignore_ascii_case("http") && !scheme.eq_ignore_ascii_case("https") {
        return None;
    }
    Some(host_part(rest)).filter(|h| !h.is_empty())
}

/// `host[:port]` or `[v6]:port` without the port (an IPv6 literal keeps no brackets).
fn host_part(authority: &str) -> &str {
    if let Some(rest) = authority.strip_prefix('[') {
        return rest.split(']').next().unwrap_or_default();
    }
    authority.split(':').next().unwrap_or_default()
}

/// `localhost`, a `*.localhost` name (RFC 6761 keeps them on the loopback interface), or a
/// loopback address (127.0.0.0/8, ::1).
fn is_loopback_host(host: &str) -> bool {
    let host = host.strip_suffix('.').unwrap_or(host);
    if host.eq_ignore_ascii_case("localhost")
        || host
            .len()
            .checked_sub(".localhost".len())
            .and_then(|i| host.get(i..))
            .is_some_and(|tail| tail.eq_ignore_ascii_case(".localhost"))
    {
        return true;
    }
    host.parse::<std::net::IpAddr>()
        .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (name, value) in pairs {
            h.insert(*name, HeaderValue::from_str(value).unwrap());
        }
        h
    }

    fn loopback() -> LocalGuard {
        LocalGuard::new("127.0.0.1:4566".parse().unwrap(), &[])
    }

    #[test]
    fn loopback_names() {
        for ok in [
            "localhost",
            "LOCALHOST",
            "localhost.",
            "api.localhost",
            "127.0.0.1",
            "127.8.9.10",
            "::1",
        ] {
            assert!(is_loopback_host(ok), "{ok}");
        }
        for bad in [
            "evil.com",
            "localhost.evil.com",
            "10.0.0.1",
            "0.0.0.0",
            "xlocalhost",
            "",
        ] {
            assert!(!is_loopback_host(bad), "{bad}");
        }
    }

    #[test]
    fn authorities_and_origins() {
        assert_eq!(host_part("localhost:4566"), "localhost");
        assert_eq!(host_part("[::1]:4566"), "::1");
        assert_eq!(host_part("example.com"), "example.com");
        assert_eq!(origin_host("http://localhost:3000"), Some("localhost"));
        assert_eq!(origin_host("https://[::1]"), Some("::1"));
        assert_eq!(origin_host("null"), None);
        assert_eq!(origin_host("file://"), None);
    }

    #[test]
    fn clients_without_origin_pass_on_loopback_names() {
        let g = loopback();
        assert!(g.check(&headers(&[("host", "localhost:4566")])).is_none());
        assert!(g.check(&headers(&[("host", "127.0.0.1:4566")])).is_none());
        assert!(g.check(&HeaderMap::new()).is_none());
        assert!(g
            .check(&headers(&[
                ("host", "127.0.0.1:4566"),
                ("origin", "http://localhost:3000")
            ]))
            .is_none());
    }

    #[test]
    fn web_pages_and_rebinding_are_refused() {
        let g = loopback();
        for h in [
            headers(&[
                ("host", "127.0.0.1:4566"),
                ("origin", "https://evil.example"),
            ]),
            headers(&[("host", "127.0.0.1:4566"), ("origin", "null")]),
            headers(&[("host", "evil.example:4566")]),
        ] {
            let r = g.check(&h).expect("refused");
            assert_eq!(r.status(), 403);
            assert_eq!(r.headers()["x-amzn-errortype"], "AccessDeniedException");
        }
    }

    #[test]
    fn other_addresses_check_no_host_unless_told() {
        let any = LocalGuard::new("0.0.0.0:4566".parse().unwrap(), &[]);
        assert!(any
            .check(&headers(&[("host", "apigw-local:4566")]))
            .is_none());
        // Origin is still checked.
        assert!(any
            .check(&headers(&[
                ("host", "apigw-local:4566"),
                ("origin", "https://evil.example")
            ]))
            .is_some());
        let told = LocalGuard::new("0.0.0.0:4566".parse().unwrap(), &["apigw-local".into()]);
        assert!(told
            .check(&headers(&[("host", "apigw-local:4566")]))
            .is_none());
        assert!(told
            .check(&headers(&[("host", "localhost:4566")]))
            .is_none());
        assert!(told.check(&headers(&[("host", "other:4566")])).is_some());
        let named = LocalGuard::new(
            "127.0.0.1:4566".parse().unwrap(),
            &["localhost.localstack.cloud".into()],
        );
        assert!(named
            .check(&headers(&[("host", "localhost.localstack.cloud:4566")]))
            .is_none());
    }
}

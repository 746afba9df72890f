//! The request as the pipeline reads it: the connection it came on, its headers as the client
//! spelled them, and the buffered form templates, authorizers and Lambda events read.

use axum::body::Body;
use axum::http::Request;

use crate::error::{GatewayError, ResponseType};

/// Request body limit of API Gateway (10 MB); a larger body answers 413.
pub const MAX_BODY: u64 = 10 * 1024 * 1024;

/// A request's header names as the client spelled them (the transport records them).
pub use apigw_http1::HeaderNames as OriginalHeaderNames;

/// The connection a request came on, as the server passes it beside the request: the client's
/// address and, when known, its spelling of the header names. (Not in the request's
/// extensions: inserting there cost a boxed hash map per request, ~0.6k instructions.)
#[derive(Debug, Clone)]
pub struct Client {
    /// The client's address.
    pub addr: std::net::SocketAddr,
    /// The header names as sent, when the server could follow them.
    pub header_names: Option<OriginalHeaderNames>,
}

impl Client {
    /// The header names as the client spelled them, when known.
    pub fn header_names(client: Option<&Client>) -> Option<&OriginalHeaderNames> {
        client.and_then(|c| c.header_names.as_ref())
    }
}

/// A request's headers as `(name, value)` pairs: in the order and spelling the client sent
/// when `original` matches them (it always should; a mismatch falls back), else with hyper's
/// lower-case names.
pub fn header_pairs(
    headers: &axum::http::HeaderMap,
    original: Option<&OriginalHeaderNames>,
) -> Vec<(String, String)> {
    let text = |v: &axum::http::HeaderValue| String::from_utf8_lossy(v.as_bytes()).into_owned();
    if let Some(original) = original {
        let names = original.names();
        // hyper's map iterates in arrival order when no name repeats: the usual case, matched
        // pairwise without hashing.
        let mut out = Vec::with_capacity(headers.len());
        for (name, (key, value)) in names.iter().zip(headers.iter()) {
            if !name.eq_ignore_ascii_case(key.as_str()) {
                break;
            }
            out.push((name.to_string(), text(value)));
        }
        if out.len() == headers.len() && names.len() == out.len() {
            return out;
        }
        if names.len() == headers.len() {
            let mut out = Vec::with_capacity(names.len());
            let mut seen: Vec<(String, usize)> = Vec::new();
            for name in &names {
                let lower = name.to_ascii_lowercase();
                let nth = match seen.iter_mut().find(|(n, _)| *n == lower) {
                    Some((_, count)) => {
                        *count += 1;
                        *count - 1
                    }
                    None => {
                        seen.push((lower.clone(), 1));
                        0
                    }
                };
                match headers.get_all(lower.as_str()).iter().nth(nth) {
                    Some(v) => out.push(((*name).to_string(), text(v))),
                    None => {
                        out.clear();
                        break;
                    }
                }
            }
            if out.len() == names.len() {
                return out;
            }
        }
    }
    headers
        .iter()
        .map(|(k, v)| (k.as_str().to_string(), text(v)))
        .collect()
}

/// What the client sent, in the form templates read it.
#[derive(Debug, Clone, Default)]
pub struct RequestInfo {
    /// The HTTP method.
    pub method: String,
    /// The request path after the stage (`/pets/1`).
    pub path: String,
    /// Query string parameters in order (multi-valued keys repeat).
    pub query: Vec<(String, String)>,
    /// Headers in order.
    pub headers: Vec<(String, String)>,
    /// The client's address.
    pub source_ip: String,
    /// The `Host` header.
    pub host: String,
    /// The request body as text (lossy for binary bodies).
    pub body: String,
}

impl RequestInfo {
    /// A header's value (case-insensitive name; the last one wins, as AWS's single-value view).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .rev()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// A query parameter's value (the last one wins).
    pub fn query_param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Buffer a request into the form templates read (bodies over 10 MB answer 413).
pub(crate) async fn request_info(
    path: &str,
    req: Request<Body>,
    client: Option<&Client>,
) -> Result<RequestInfo, GatewayError> {
    Ok(buffer_request(path, req, client).await?.0)
}

/// Buffer a request: the form templates read, and the body's bytes (bodies over 10 MB answer
/// 413).
pub(crate) async fn buffer_request(
    path: &str,
    req: Request<Body>,
    client: Option<&Client>,
) -> Result<(RequestInfo, bytes::Bytes), GatewayError> {
    let (parts, body) = req.into_parts();
    let bytes = read_body(body).await?;
    let info = request_head(
        path,
        &Request::from_parts(parts, ()),
        client,
        bytes.to_vec(),
    );
    Ok((info, bytes))
}

/// A request body, whole (over 10 MB: 413).
pub async fn read_body(body: Body) -> Result<bytes::Bytes, GatewayError> {
    // No body (most GETs): `to_bytes` would still build its limit wrapper and collecting
    // buffer, ~400 instructions of a MOCK request.
    if http_body::Body::is_end_stream(&body) {
        return Ok(bytes::Bytes::new());
    }
    axum::body::to_bytes(body, MAX_BODY as usize)
        .await
        .map_err(body_error)
}

/// Why a body could not be read: over the size limit (413), or broken off or malformed in its
/// chunked framing (the client's fault, 400). Cold: kept out of the request path's code.
#[cold]
fn body_error(e: axum::Error) -> GatewayError {
    let too_long =
        std::error::Error::source(&e).is_some_and(|s| s.is::<http_body_util::LengthLimitError>());
    if too_long {
        GatewayError::new(ResponseType::RequestTooLarge, "Request Too Long")
    } else {
        GatewayError::new(ResponseType::BadRequestBody, "Invalid request body")
    }
}

/// What templates and authorizers read of a request, from its head (`body` as given).
pub fn request_head<B>(
    path: &str,
    req: &Request<B>,
    client: Option<&Client>,
    body: Vec<u8>,
) -> RequestInfo {
    let source_ip = client.map_or_else(|| "127.0.0.1".to_string(), |c| ip_text(c.addr.ip()));
    let headers = crate::request::header_pairs(req.headers(), Client::header_names(client));
    let host = req
        .headers()
        .get(axum::http::header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let query = req.uri().query().map(percent_pairs).unwrap_or_default();
    RequestInfo {
        method: req.method().as_str().to_owned(),
        path: path.to_string(),
        query,
        headers,
        source_ip,
        host,
        body: String::from_utf8(body)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()),
    }
}

/// Decode a query string into ordered pairs (`+` is a space, as browsers send it).
pub fn percent_pairs(q: &str) -> Vec<(String, String)> {
    q.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            let dec = |s: &str| {
                percent_encoding::percent_decode_str(&s.replace('+', " "))
                    .decode_utf8_lossy()
                    .into_owned()
            };
            (dec(k), dec(v))
        })
        .collect()
}

/// An address as text; IPv4 without the formatting machinery (`Display` for `Ipv4Addr` cost
/// more than the rest of the request's head).
pub fn ip_text(ip: std::net::IpAddr) -> String {
    let std::net::IpAddr::V4(v4) = ip else {
        return ip.to_string();
    };
    let mut s = String::with_capacity(15);
    for (i, octet) in v4.octets().into_iter().enumerate() {
        if i > 0 {
            s.push('.');
        }
        if octet >= 100 {
            s.push(char::from(b'0' + octet / 100));
        }
        if octet >= 10 {
            s.push(char::from(b'0' + octet / 10 % 10));
        }
        s.push(char::from(b'0' + octet % 10));
    }
    s
}

#[cfg(test)]
mod ip_tests {
    use super::*;

    #[test]
    fn ip_texts() {
        for ip in [
            "127.0.0.1",
            "0.0.0.0",
            "10.100.9.255",
            "192.168.1.20",
            "::1",
            "fe80::1",
        ] {
            let parsed: std::net::IpAddr = ip.parse().unwrap();
            assert_eq!(ip_text(parsed), ip);
        }
    }
}

#[cfg(test)]
mod header_tests {
    use super::*;
    use axum::http::HeaderMap;

    #[test]
    fn distinct_names_take_the_pairwise_path() {
        let mut h = HeaderMap::new();
        h.append("host", "x".parse().unwrap());
        h.append("x-api-key", "k".parse().unwrap());
        let names = OriginalHeaderNames::from_lines("Host\nX-Api-Key".into());
        assert_eq!(
            header_pairs(&h, Some(&names)),
            vec![
                ("Host".to_string(), "x".to_string()),
                ("X-Api-Key".to_string(), "k".to_string())
            ]
        );
        // Fewer names than headers: hyper's lower-case names.
        let short = OriginalHeaderNames::from_lines("Host".into());
        assert_eq!(header_pairs(&h, Some(&short))[1].0, "x-api-key");
    }

    #[test]
    fn original_spelling_and_order() {
        let mut h = HeaderMap::new();
        h.append("x-b", "1".parse().unwrap());
        h.append("content-type", "text/plain".parse().unwrap());
        h.append("x-b", "2".parse().unwrap());
        let names = OriginalHeaderNames::from_lines("X-B\nContent-Type\nx-B".into());
        assert_eq!(
            header_pairs(&h, Some(&names)),
            vec![
                ("X-B".to_string(), "1".to_string()),
                ("Content-Type".to_string(), "text/plain".to_string()),
                ("x-B".to_string(), "2".to_string()),
            ]
        );
        // Names that do not match the headers are not used.
        let wrong = OriginalHeaderNames::from_lines("X-B\nAccept\nX-B".into());
        assert!(header_pairs(&h, Some(&wrong))
            .iter()
            .all(|(k, _)| *k == k.to_ascii_lowercase()));
        assert_eq!(header_pairs(&h, None).len(), 3);
    }

    #[test]
    fn names_read_from_a_raw_head() {
        for head in [
            &b"GET /a:b HTTP/1.1\r\nHost: x:1\r\nX-Api-Key:k\r\nx-B: 1\r\n\r\nbody: no"[..],
            b"GET /a:b HTTP/1.1\nHost: x:1\nX-Api-Key:k\nx-B: 1\n\n",
        ] {
            let names = OriginalHeaderNames::from_head(bytes::Bytes::copy_from_slice(head));
            assert_eq!(names.names(), ["Host", "X-Api-Key", "x-B"]);
        }
        let none =
            OriginalHeaderNames::from_head(bytes::Bytes::from_static(b"GET / HTTP/1.1\r\n\r\n"));
        assert!(none.names().is_empty());
        assert!(OriginalHeaderNames::from_lines(String::new())
            .names()
            .is_empty());
    }
}

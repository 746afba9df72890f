//! Integration response headers API Gateway renames to `x-amzn-Remapped-{name}` before they
//! reach the client, so that the gateway's own `Date`, `Connection`, `Content-Length`… are
//! what the client sees (AWS's "important notes": these headers "may be remapped"; which ones
//! per integration type as recorded by LocalStack's AWS-validated tests).

use axum::http::{HeaderMap, HeaderName};

/// `x-amzn-RequestId`: the request's `$context.requestId`.
pub const X_AMZN_REQUEST_ID: HeaderName = HeaderName::from_static("x-amzn-requestid");
/// `x-amz-apigw-id`: the request's `$context.extendedRequestId`.
pub const X_AMZ_APIGW_ID: HeaderName = HeaderName::from_static("x-amz-apigw-id");

/// `x-amzn-ErrorType`: the exception type of a gateway response.
pub const X_AMZN_ERROR_TYPE: HeaderName = HeaderName::from_static("x-amzn-errortype");

/// `x-api-key`: where clients send API keys (with `apiKeySource: HEADER`).
pub const X_API_KEY: HeaderName = HeaderName::from_static("x-api-key");

/// One remapped header: its name and the `x-amzn-Remapped-` name it moves to.
pub type Remap = (HeaderName, HeaderName);

macro_rules! remaps {
    ($($name:literal),* $(,)?) => {
        [$((
            HeaderName::from_static($name),
            HeaderName::from_static(concat!("x-amzn-remapped-", $name)),
        )),*]
    };
}

/// Remapped for every integration type (HTTP_PROXY, MOCK, …).
pub static PROXY: [Remap; 4] = remaps!["connection", "content-length", "date", "server"];

/// Remapped for non-proxy HTTP (and AWS) integrations: the above and more.
pub static NON_PROXY: [Remap; 14] = remaps![
    "connection",
    "content-length",
    "date",
    "server",
    "authorization",
    "content-md5",
    "expect",
    "host",
    "max-forwards",
    "proxy-authenticate",
    "trailer",
    "upgrade",
    "user-agent",
    "www-authenticate",
];

/// The `x-amzn-Remapped-{name}` of `name` when `names` lists it.
pub fn renamed(name: &HeaderName, names: &[Remap]) -> Option<HeaderName> {
    target(name, names).cloned()
}

fn target<'a>(name: &HeaderName, names: &'a [Remap]) -> Option<&'a HeaderName> {
    names.iter().find(|(n, _)| n == name).map(|(_, t)| t)
}

// The framing readers live with the transport; re-exported for the data plane's own uses.
pub use apigw_http1::field::{chunked_last, content_length, elements};

/// Move each of `names` present in `headers` to its `x-amzn-Remapped-{name}` (every value,
/// in place).
pub fn remap(headers: &mut HeaderMap, names: &[Remap]) {
    if !headers.keys().any(|k| target(k, names).is_some()) {
        return;
    }
    // One pass that rebuilds the map (a backend proxied usually sends all four of PROXY's):
    // cheaper than a lookup, a removal and an insertion per name.
    let old = std::mem::replace(headers, HeaderMap::with_capacity(headers.len()));
    let mut current: Option<HeaderName> = None;
    for (name, value) in old {
        // `None` repeats the previous name (its further values).
        if let Some(name) = name {
            current = Some(target(&name, names).cloned().unwrap_or(name));
        }
        if let Some(name) = &current {
            headers.append(name.clone(), value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remaps_only_the_listed_headers() {
        let mut h = HeaderMap::new();
        h.insert("date", "Mon".parse().unwrap());
        h.insert("server", "up".parse().unwrap());
        h.insert("www-authenticate", "Basic".parse().unwrap());
        h.insert("x-other", "1".parse().unwrap());
        h.append("date", "Tue".parse().unwrap());
        let mut proxy = h.clone();
        remap(&mut proxy, &PROXY);
        assert_eq!(proxy["x-amzn-remapped-date"], "Mon");
        let dates: Vec<_> = proxy.get_all("x-amzn-remapped-date").iter().collect();
        assert_eq!(dates, ["Mon", "Tue"]);
        assert_eq!(proxy.len(), 5);
        assert_eq!(proxy["x-amzn-remapped-server"], "up");
        assert!(proxy.get("date").is_none());
        assert_eq!(proxy["www-authenticate"], "Basic");
        assert_eq!(proxy["x-other"], "1");
        remap(&mut h, &NON_PROXY);
        assert_eq!(h["x-amzn-remapped-www-authenticate"], "Basic");
        assert!(h.get("www-authenticate").is_none());
    }
}

//! Integration response headers API Gateway renames to `x-amzn-Remapped-{name}` before they
//! reach the client, so that the gateway's own `Date`, `Connection`, `Content-Length`… are
//! what the client sees (AWS's "important notes": these headers "may be remapped"; which ones
//! per integration type as recorded by LocalStack's AWS-validated tests).

use axum::http::{HeaderMap, HeaderName};

/// Remapped for every integration type (HTTP_PROXY, MOCK, …).
pub const PROXY: &[&str] = &["connection", "content-length", "date", "server"];

/// Remapped for non-proxy HTTP (and AWS) integrations: the above and more.
pub const NON_PROXY: &[&str] = &[
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

/// Move each of `names` present in `headers` to `x-amzn-Remapped-{name}` (every value).
pub fn remap(headers: &mut HeaderMap, names: &[&str]) {
    // One pass over the (few) headers first: usually none of them is remapped.
    if !headers.keys().any(|k| names.contains(&k.as_str())) {
        return;
    }
    for name in names {
        if !headers.contains_key(*name) {
            continue;
        }
        let Ok(target) = HeaderName::from_bytes(format!("x-amzn-remapped-{name}").as_bytes())
        else {
            continue;
        };
        let values: Vec<_> = headers.get_all(*name).iter().cloned().collect();
        headers.remove(*name);
        for v in values {
            headers.append(target.clone(), v);
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
        let mut proxy = h.clone();
        remap(&mut proxy, PROXY);
        assert_eq!(proxy["x-amzn-remapped-date"], "Mon");
        assert_eq!(proxy["x-amzn-remapped-server"], "up");
        assert!(proxy.get("date").is_none());
        assert_eq!(proxy["www-authenticate"], "Basic");
        assert_eq!(proxy["x-other"], "1");
        remap(&mut h, NON_PROXY);
        assert_eq!(h["x-amzn-remapped-www-authenticate"], "Basic");
        assert!(h.get("www-authenticate").is_none());
    }
}

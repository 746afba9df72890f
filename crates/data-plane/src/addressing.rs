//! Which API, stage and path an execute-api request is for.
//!
//! Three forms reach a deployed stage on the one port, as local AWS tooling uses them:
//! - `Host: {apiId}.execute-api.<anything>` with path `/{stage}/{path}` (the id matches
//!   case-insensitively, since custom ids may carry capitals);
//! - `/_aws/execute-api/{apiId}/{stage}/{path}`;
//! - `/restapis/{apiId}/{stage}/_user_request_/{path}`.

/// The deployed stage a request targets and the path inside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target<'a> {
    /// The API id as given (compare case-insensitively).
    pub api_id: &'a str,
    /// The stage name.
    pub stage: &'a str,
    /// The resource path, starting with `/` (`/` for the stage root). Not yet decoded.
    pub path: &'a str,
    /// Reached through a custom domain name ([`crate::domains`]) rather than an
    /// execute-api form: `disableExecuteApiEndpoint` does not apply, and a request no
    /// mapping matches is AWS's 403.
    pub custom_domain: bool,
}

/// The api id of an execute-api host name (`abc123.execute-api.localhost:4566` → `abc123`).
pub fn api_id_from_host(host: &str) -> Option<&str> {
    // memchr rather than `split_once(char)`: this runs on every request (a third of the
    // addressing cost went to the generic char searcher).
    let dot = memchr::memchr(b'.', host.as_bytes())?;
    let (id, rest) = (&host[..dot], &host[dot + 1..]);
    (rest.starts_with("execute-api.") || rest == "execute-api")
        .then_some(id)
        .filter(|i| !i.is_empty())
}

/// Where the first `/` of `s` is.
fn slash(s: &str) -> Option<usize> {
    memchr::memchr(b'/', s.as_bytes())
}

/// Split `/{stage}/{rest}` into the stage and `/{rest}`.
fn stage_and_path(path: &str) -> Option<(&str, &str)> {
    let p = path.strip_prefix('/')?;
    let (stage, rest) = match slash(p) {
        Some(i) => (&p[..i], &p[i..]),
        None => (p, "/"),
    };
    (!stage.is_empty()).then_some((stage, rest))
}

/// Resolve a request to its target, or `None` when it is not an execute-api request.
///
/// `Some(Err(()))`-like cases (an execute-api host without a stage) come back as a target
/// with an empty stage, so the caller answers AWS's error rather than the control plane's.
pub fn resolve<'a>(host: Option<&'a str>, path: &'a str) -> Option<Target<'a>> {
    if let Some(id) = host.and_then(api_id_from_host) {
        return Some(match stage_and_path(path) {
            Some((stage, path)) => Target {
                api_id: id,
                stage,
                path,
                custom_domain: false,
            },
            None => Target {
                api_id: id,
                stage: "",
                path: "/",
                custom_domain: false,
            },
        });
    }
    if let Some(rest) = path.strip_prefix("/_aws/execute-api/") {
        return Some(match slash(rest) {
            // `rest[i..]` is `/{stage}/{path}`.
            Some(i) => match stage_and_path(&rest[i..]) {
                Some((stage, path)) => Target {
                    api_id: &rest[..i],
                    stage,
                    path,
                    custom_domain: false,
                },
                None => Target {
                    api_id: &rest[..i],
                    stage: "",
                    path: "/",
                    custom_domain: false,
                },
            },
            None => Target {
                api_id: rest,
                stage: "",
                path: "/",
                custom_domain: false,
            },
        });
    }
    if let Some(rest) = path.strip_prefix("/restapis/") {
        let mut parts = rest.splitn(4, '/');
        let id = parts.next()?;
        let stage = parts.next()?;
        if parts.next()? != "_user_request_" {
            return None;
        }
        let tail = parts.next().unwrap_or("");
        let path = &path[path.len() - tail.len() - 1..];
        return Some(Target {
            api_id: id,
            stage,
            path: if tail.is_empty() { "/" } else { path },
            custom_domain: false,
        });
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t<'a>(api_id: &'a str, stage: &'a str, path: &'a str) -> Option<Target<'a>> {
        Some(Target {
            api_id,
            stage,
            path,
            custom_domain: false,
        })
    }

    #[test]
    fn host_form() {
        assert_eq!(
            resolve(Some("AbC123.execute-api.localhost:4566"), "/dev/pets/1"),
            t("AbC123", "dev", "/pets/1")
        );
        assert_eq!(
            resolve(Some("abc.execute-api.us-east-1.amazonaws.com"), "/dev"),
            t("abc", "dev", "/")
        );
        assert_eq!(resolve(Some("abc.execute-api.x"), "/"), t("abc", "", "/"));
        assert_eq!(resolve(Some("localhost:4566"), "/restapis"), None);
    }

    #[test]
    fn path_forms() {
        assert_eq!(
            resolve(None, "/_aws/execute-api/abc/dev/pets/1"),
            t("abc", "dev", "/pets/1")
        );
        assert_eq!(
            resolve(None, "/_aws/execute-api/abc/dev"),
            t("abc", "dev", "/")
        );
        assert_eq!(
            resolve(None, "/restapis/abc/dev/_user_request_/pets"),
            t("abc", "dev", "/pets")
        );
        assert_eq!(
            resolve(None, "/restapis/abc/dev/_user_request_/"),
            t("abc", "dev", "/")
        );
        assert_eq!(
            resolve(None, "/restapis/abc/dev/_user_request_"),
            t("abc", "dev", "/")
        );
        assert_eq!(resolve(None, "/restapis/abc/resources/xyz"), None);
        assert_eq!(resolve(None, "/restapis/abc/stages/dev/sdks/x"), None);
    }
}

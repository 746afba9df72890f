//! Custom domain names: which API, stage and path a request to a domain name is for, through
//! the domain's base path mappings
//! ([AWS guide](https://docs.aws.amazon.com/apigateway/latest/developerguide/rest-api-mappings.html)).
//!
//! Two forms reach a mapped stage: `Host: {domain name}` (the way clients call it on AWS),
//! and `/_apigw/domains/{domain name}/{path}` for clients that cannot set the host. The
//! longest base path that is a whole-segment prefix of the path wins; the empty base path
//! `(none)` takes what no other matches. A mapping without a stage takes the next segment as
//! the stage name. Mappings are live (not part of a deployment): the server republishes the
//! whole table after each change.

use std::collections::HashMap;
use std::sync::Arc;

use arc_swap::ArcSwap;

use crate::addressing::Target;

/// The path prefix of the form that names the domain in the path.
pub const PATH_FORM: &str = "/_apigw/domains/";

/// One base path mapping, as the data plane routes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mapping {
    /// The base path without outer slashes (`orders/v1`); empty for `(none)`.
    pub base_path: String,
    /// The mapped API.
    pub api_id: String,
    /// The mapped stage; `None` when the caller names it after the base path.
    pub stage: Option<String>,
    /// The region of the domain name (and so of the API).
    pub region: String,
}

type Table = HashMap<String, Arc<[Mapping]>>;

/// Every domain name's mappings, by lower-cased name.
#[derive(Default)]
pub struct Domains {
    table: ArcSwap<Table>,
}

/// Where a domain name request goes; [`Routed::target`] borrows it as the stage's target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Routed<'p> {
    api_id: String,
    stage: String,
    path: &'p str,
    /// The region of the mapped API.
    pub region: String,
}

impl Routed<'_> {
    /// The deployed stage this request is for. No mapping matched: an empty API id, which the
    /// gateway answers with AWS's 403 for a custom domain.
    pub fn target(&self) -> Target<'_> {
        Target {
            api_id: &self.api_id,
            stage: &self.stage,
            path: self.path,
            custom_domain: true,
        }
    }
}

impl Domains {
    /// Replace the whole table (domain name → its mappings).
    pub fn publish(&self, domains: HashMap<String, Vec<Mapping>>) {
        let table: Table = domains
            .into_iter()
            .map(|(name, mut mappings)| {
                // Longest base path first, so the first match is the longest; `(none)` last.
                mappings.sort_by_key(|m| std::cmp::Reverse(m.base_path.len()));
                (name.to_ascii_lowercase(), mappings.into())
            })
            .collect();
        self.table.store(Arc::new(table));
    }

    /// Forget every domain name (the emulator's reset).
    pub fn clear(&self) {
        self.table.store(Arc::default());
    }

    /// The route of a request to a custom domain name, or `None` when it is not one.
    pub fn route<'p>(&self, host: Option<&str>, path: &'p str) -> Option<Routed<'p>> {
        let table = self.table.load();
        if table.is_empty() {
            return None;
        }
        let (name, path) = match path.strip_prefix(PATH_FORM) {
            Some(rest) => match rest.find('/') {
                Some(i) => (&rest[..i], &rest[i..]),
                None => (rest, "/"),
            },
            None => (strip_port(host?), path),
        };
        let mappings = table.get(&name.to_ascii_lowercase())?;
        Some(route_in(mappings, path))
    }
}

/// The host without its port (`api.example.com:4566` → `api.example.com`).
fn strip_port(host: &str) -> &str {
    host.rsplit_once(':')
        .filter(|(_, port)| port.bytes().all(|b| b.is_ascii_digit()))
        .map_or(host, |(name, _)| name)
}

/// `path` (starting with `/`) through one domain's mappings, longest base path first.
fn route_in<'p>(mappings: &[Mapping], path: &'p str) -> Routed<'p> {
    for m in mappings {
        let Some(rest) = after_base_path(path, &m.base_path) else {
            continue;
        };
        let (stage, rest) = match &m.stage {
            Some(stage) => (stage.clone(), rest),
            None => {
                let tail = &rest[1..];
                match tail.find('/') {
                    Some(i) => (tail[..i].to_string(), &tail[i..]),
                    None => (tail.to_string(), "/"),
                }
            }
        };
        return Routed {
            api_id: m.api_id.clone(),
            stage,
            path: rest,
            region: m.region.clone(),
        };
    }
    Routed {
        api_id: String::new(),
        stage: String::new(),
        path: "/",
        region: String::new(),
    }
}

/// The rest of `path` after `base` when `base` is its first whole segment(s); `base` empty
/// matches every path.
fn after_base_path<'p>(path: &'p str, base: &str) -> Option<&'p str> {
    if base.is_empty() {
        return Some(path);
    }
    let rest = path.strip_prefix('/')?.strip_prefix(base)?;
    match rest {
        "" | "/" => Some("/"),
        r if r.starts_with('/') => Some(r),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(base: &str, api: &str, stage: Option<&str>) -> Mapping {
        Mapping {
            base_path: base.into(),
            api_id: api.into(),
            stage: stage.map(str::to_string),
            region: "us-east-1".into(),
        }
    }

    fn domains(mappings: Vec<Mapping>) -> Domains {
        let d = Domains::default();
        d.publish(HashMap::from([("API.example.com".to_string(), mappings)]));
        d
    }

    fn routed<'a>(d: &Domains, host: &str, path: &'a str) -> Option<(String, String, &'a str)> {
        d.route(Some(host), path)
            .map(|r| (r.api_id, r.stage, r.path))
    }

    #[test]
    fn the_longest_base_path_wins_and_none_takes_the_rest() {
        let d = domains(vec![
            m("", "root", Some("prod")),
            m("orders", "o1", Some("v1")),
            m("orders/v2", "o2", Some("live")),
        ]);
        let r = |p| routed(&d, "api.example.com:4566", p).unwrap();
        assert_eq!(
            r("/orders/v2/items"),
            ("o2".into(), "live".into(), "/items")
        );
        assert_eq!(r("/orders/v2"), ("o2".into(), "live".into(), "/"));
        assert_eq!(r("/orders/items"), ("o1".into(), "v1".into(), "/items"));
        // A base path matches whole segments only.
        assert_eq!(
            r("/ordersx/1"),
            ("root".into(), "prod".into(), "/ordersx/1")
        );
        assert_eq!(r("/"), ("root".into(), "prod".into(), "/"));
    }

    #[test]
    fn a_mapping_without_stage_reads_it_from_the_path() {
        let d = domains(vec![m("shop", "a1", None)]);
        assert_eq!(
            routed(&d, "API.EXAMPLE.COM", "/shop/dev/pets/1"),
            Some(("a1".into(), "dev".into(), "/pets/1"))
        );
        assert_eq!(
            routed(&d, "api.example.com", "/shop/dev"),
            Some(("a1".into(), "dev".into(), "/"))
        );
    }

    #[test]
    fn unmatched_paths_and_other_hosts() {
        let d = domains(vec![m("shop", "a1", Some("prod"))]);
        // The domain is known but no mapping matches: an empty target (AWS's 403).
        assert_eq!(
            routed(&d, "api.example.com", "/other"),
            Some((String::new(), String::new(), "/"))
        );
        assert_eq!(routed(&d, "localhost:4566", "/shop"), None);
        assert!(Domains::default()
            .route(Some("api.example.com"), "/")
            .is_none());
    }

    #[test]
    fn the_path_form_names_the_domain() {
        let d = domains(vec![m("shop", "a1", Some("prod"))]);
        let r = d
            .route(
                Some("localhost:4566"),
                "/_apigw/domains/api.example.com/shop/pets",
            )
            .unwrap();
        assert_eq!(r.target().api_id, "a1");
        assert_eq!(r.target().stage, "prod");
        assert_eq!(r.target().path, "/pets");
        assert!(r.target().custom_domain);
    }
}

//! Routing a request path to a resource and method, as API Gateway does.
//!
//! Compiled once per deployment into a tree of path segments. At each level a literal segment
//! beats a `{param}`, which beats a greedy `{proxy+}`; when a more specific branch cannot
//! match the rest of the path, the next kind is tried. A greedy part takes one or more
//! segments. Trailing slashes are ignored; path parameters are percent-decoded.
//!
//! A request matches a resource and a method together ([`RouteTable::match_request`]): the most
//! specific resource that matches the path *and* has the verb (or `ANY`; `HEAD` never matches
//! `GET`) wins, so a literal resource without the verb gives way to a `{param}` or `{proxy+}`
//! sibling that has it. This was measured on AWS (floci-io/floci#3399: `GET /roles/provision`
//! served by `/roles/{roleId}` when `/roles/provision` has only POST; ministackorg/ministack#1423:
//! a method-less or OPTIONS-only node falls through to `/{proxy+}` ANY). No resource with the
//! verb is AWS's 403 "Missing Authentication Token".

// Fx hashing: these maps are looked up on every request with short keys (ids, names) the
// emulator's own user chose; SipHash's flooding resistance buys nothing here and cost ~300
// instructions a lookup.
use rustc_hash::FxHashMap as HashMap;

use apigw_model::Resource;

/// A compiled routing tree over the resources of one deployment.
#[derive(Debug, Default)]
pub struct RouteTable {
    root: Node,
}

#[derive(Debug, Default)]
struct Node {
    /// Index into the resource list of the resource at this node, if any.
    resource: Option<usize>,
    literals: HashMap<String, Node>,
    /// `{name}` child: (name, node).
    param: Option<(String, Box<Node>)>,
    /// `{name+}` child: (name, resource index). A greedy resource has no children.
    greedy: Option<(String, usize)>,
}

/// What a path matched: the resource's index in the snapshot's list and the path parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteMatch {
    /// Index of the matched resource in the list the table was compiled from.
    pub resource: usize,
    /// `{name}` → decoded value, in path order.
    pub params: Vec<(String, String)>,
}

impl RouteTable {
    /// Compile the resources of a deployment (paths as the control plane derived them).
    pub fn compile(resources: &[Resource]) -> Self {
        let mut root = Node::default();
        for (i, r) in resources.iter().enumerate() {
            let mut node = &mut root;
            let segs: Vec<&str> = r.path.split('/').filter(|s| !s.is_empty()).collect();
            let mut greedy_at_end = false;
            for (k, seg) in segs.iter().enumerate() {
                let inner = seg.strip_prefix('{').and_then(|s| s.strip_suffix('}'));
                match inner {
                    Some(name) if name.ends_with('+') && k + 1 == segs.len() => {
                        node.greedy = Some((name.trim_end_matches('+').to_string(), i));
                        greedy_at_end = true;
                    }
                    Some(name) => {
                        let slot = node
                            .param
                            .get_or_insert_with(|| (name.to_string(), Box::default()));
                        node = &mut slot.1;
                    }
                    None => node = node.literals.entry((*seg).to_string()).or_default(),
                }
            }
            if !greedy_at_end {
                node.resource = Some(i);
            }
        }
        Self { root }
    }

    /// Match a request path (not yet percent-decoded, without the stage) to the most specific
    /// resource, whatever its methods.
    pub fn match_path(&self, path: &str) -> Option<RouteMatch> {
        self.match_request(path, |_| true)
    }

    /// Match a request: the most specific resource matching `path` for which `serves` (does
    /// the resource at this index have the request's verb?) holds.
    pub fn match_request(&self, path: &str, serves: impl Fn(usize) -> bool) -> Option<RouteMatch> {
        let mut params = Vec::new();
        let resource = walk(&self.root, path, &mut params, &serves)?;
        Some(RouteMatch { resource, params })
    }
}

/// The first non-empty `/`-separated segment of `path` and what follows it; `None` when there
/// is none. (Walking the path in place: collecting the segments first cost an allocation.)
fn split_segment(path: &str) -> Option<(&str, &str)> {
    let path = path.trim_start_matches('/');
    if path.is_empty() {
        return None;
    }
    Some(path.split_once('/').unwrap_or((path, "")))
}

fn walk(
    node: &Node,
    path: &str,
    params: &mut Vec<(String, String)>,
    serves: &impl Fn(usize) -> bool,
) -> Option<usize> {
    let Some((first, rest)) = split_segment(path) else {
        return node.resource.filter(|r| serves(*r));
    };
    // Borrowed unless the segment has escapes: most segments need no copy to be looked up.
    let decoded = percent_encoding::percent_decode_str(first).decode_utf8_lossy();
    if let Some(child) = node.literals.get(&*decoded) {
        if let Some(r) = walk(child, rest, params, serves) {
            return Some(r);
        }
    }
    if let Some((name, child)) = &node.param {
        let mark = params.len();
        params.push((name.clone(), decoded.into_owned()));
        if let Some(r) = walk(child, rest, params, serves) {
            return Some(r);
        }
        params.truncate(mark);
    }
    if let Some((name, r)) = node.greedy.as_ref().filter(|(_, r)| serves(*r)) {
        // The rest of the path, each segment decoded, joined by single slashes: built in one
        // string (collecting the segments first cost two allocations more).
        let mut value = String::with_capacity(path.len());
        for (i, seg) in path.split('/').filter(|s| !s.is_empty()).enumerate() {
            if i > 0 {
                value.push('/');
            }
            value.push_str(&percent_encoding::percent_decode_str(seg).decode_utf8_lossy());
        }
        params.push((name.clone(), value));
        return Some(*r);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use apigw_model::Method;
    use proptest::prelude::*;

    fn res(path: &str, verbs: &[&str]) -> Resource {
        Resource {
            id: path.into(),
            path: path.into(),
            resource_methods: Some(
                verbs
                    .iter()
                    .map(|v| {
                        (
                            v.to_string(),
                            Method {
                                http_method: v.to_string(),
                                ..Default::default()
                            },
                        )
                    })
                    .collect(),
            ),
            ..Default::default()
        }
    }

    fn sample() -> (Vec<Resource>, RouteTable) {
        let list = vec![
            res("/", &["GET"]),
            res("/pets", &["GET", "POST"]),
            res("/pets/{id}", &["GET"]),
            res("/pets/mine", &["GET"]),
            res("/pets/{id}/toys", &["ANY"]),
            res("/files/{proxy+}", &["ANY"]),
            res("/{proxy+}", &["ANY"]),
        ];
        let t = RouteTable::compile(&list);
        (list, t)
    }

    fn path_of(list: &[Resource], t: &RouteTable, p: &str) -> Option<String> {
        t.match_path(p).map(|m| list[m.resource].path.clone())
    }

    /// The resources of `list` that have `verb` (or ANY), as the gateway asks.
    fn with_verb<'a>(list: &'a [Resource], verb: &'a str) -> impl Fn(usize) -> bool + 'a {
        move |i| {
            list[i]
                .resource_methods
                .as_ref()
                .is_some_and(|m| m.contains_key(verb) || m.contains_key("ANY"))
        }
    }

    #[test]
    fn a_resource_without_the_verb_gives_way() {
        // The shapes measured on AWS (floci-io/floci#3399, ministackorg/ministack#1423).
        let list = vec![
            res("/users/me", &["PATCH"]),
            res("/users/{userId}", &["GET"]),
            res("/roles/provision", &["POST"]),
            res("/roles/{roleId}", &["GET"]),
            res("/things/real", &["GET"]),
            res("/things/{proxy+}", &["ANY"]),
            res("/jobs", &[]),
            res("/jobs/{op}", &["GET"]),
            res("/cors_only", &["OPTIONS"]),
            res("/{proxy+}", &["ANY"]),
        ];
        let t = RouteTable::compile(&list);
        let served = |verb: &str, path: &str| {
            t.match_request(path, with_verb(&list, verb))
                .map(|m| list[m.resource].path.clone())
        };
        assert_eq!(
            served("GET", "/users/me").as_deref(),
            Some("/users/{userId}")
        );
        assert_eq!(served("PATCH", "/users/me").as_deref(), Some("/users/me"));
        // Nothing under /users has POST, but the root greedy takes any verb.
        assert_eq!(served("POST", "/users/me").as_deref(), Some("/{proxy+}"));
        assert_eq!(
            served("POST", "/roles/provision").as_deref(),
            Some("/roles/provision")
        );
        assert_eq!(
            served("GET", "/roles/provision").as_deref(),
            Some("/roles/{roleId}")
        );
        assert_eq!(
            served("POST", "/things/real").as_deref(),
            Some("/things/{proxy+}")
        );
        assert_eq!(served("GET", "/jobs").as_deref(), Some("/{proxy+}"));
        assert_eq!(served("POST", "/jobs/reboot").as_deref(), Some("/{proxy+}"));
        assert_eq!(served("GET", "/jobs/reboot").as_deref(), Some("/jobs/{op}"));
        assert_eq!(served("GET", "/cors_only").as_deref(), Some("/{proxy+}"));
        // Without a greedy catch-all, a verb nobody has matches nothing.
        let list = vec![
            res("/users/me", &["PATCH"]),
            res("/users/{userId}", &["GET"]),
        ];
        let t = RouteTable::compile(&list);
        assert!(t
            .match_request("/users/me", with_verb(&list, "POST"))
            .is_none());
        // The fall-back keeps only the parameters of the resource that serves.
        let m = t
            .match_request("/users/me", with_verb(&list, "GET"))
            .unwrap();
        assert_eq!(m.params, vec![("userId".to_string(), "me".to_string())]);
    }

    #[test]
    fn precedence_and_params() {
        let (list, t) = sample();
        assert_eq!(path_of(&list, &t, "/").as_deref(), Some("/"));
        assert_eq!(path_of(&list, &t, "/pets/").as_deref(), Some("/pets"));
        assert_eq!(
            path_of(&list, &t, "/pets/mine").as_deref(),
            Some("/pets/mine")
        );
        let m = t.match_path("/pets/a%20b").unwrap();
        assert_eq!(list[m.resource].path, "/pets/{id}");
        assert_eq!(m.params, vec![("id".to_string(), "a b".to_string())]);
        // A literal that cannot finish the path backs off to the parameter.
        let m = t.match_path("/pets/mine/toys").unwrap();
        assert_eq!(list[m.resource].path, "/pets/{id}/toys");
        assert_eq!(m.params, vec![("id".to_string(), "mine".to_string())]);
        let m = t.match_path("/files/a/b/c.txt").unwrap();
        assert_eq!(list[m.resource].path, "/files/{proxy+}");
        assert_eq!(
            m.params,
            vec![("proxy".to_string(), "a/b/c.txt".to_string())]
        );
        // Each segment decoded; empty segments and the trailing slash dropped.
        let m = t.match_path("/files/a%20b//c%2Fd/").unwrap();
        assert_eq!(m.params, vec![("proxy".to_string(), "a b/c/d".to_string())]);
        // Greedy needs at least one segment; deeper paths fall to the root greedy.
        assert_eq!(path_of(&list, &t, "/files").as_deref(), Some("/{proxy+}"));
        assert_eq!(
            path_of(&list, &t, "/pets/1/2/3").as_deref(),
            Some("/{proxy+}")
        );
    }

    #[test]
    fn no_match_without_greedy() {
        let list = vec![res("/", &["GET"]), res("/pets", &["GET"])];
        let t = RouteTable::compile(&list);
        assert!(t.match_path("/dogs").is_none());
        assert!(t.match_path("/pets/1").is_none());
    }

    proptest! {
        #[test]
        fn matcher_never_panics_and_binds_every_parameter(path in "(/[a-zA-Z0-9._~%-]{0,8}){0,6}/?") {
            let (list, t) = sample();
            if let Some(m) = t.match_path(&path) {
                let declared: Vec<&str> = list[m.resource]
                    .path
                    .split('/')
                    .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
                    .map(|s| s.trim_end_matches('+'))
                    .collect();
                let bound: Vec<&str> = m.params.iter().map(|(k, _)| k.as_str()).collect();
                prop_assert_eq!(declared, bound);
            }
        }
    }
}

//! Resources: GetResources, GetResource, CreateResource, UpdateResource, DeleteResource
//! ([AWS reference](https://docs.aws.amazon.com/apigateway/latest/api/API_Resource.html)).
//!
//! A resource's `path` is derived from its ancestors' path parts; moving or renaming one
//! re-derives the paths of its whole subtree in the same transaction.

use std::collections::HashMap;

use apigw_store::SqliteConnection;
use axum::extract::{Path, Query};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use serde::Deserialize;
use serde_json::Value;

use apigw_model::{ids, ApiError, Resource, Scope};
use apigw_store::typed;

use crate::error::{resource_not_found, Error, Result};
use crate::extract::{AwsJson, Call};
use crate::family::{self, Family};
use crate::paging::{paginate, PageQuery};
use crate::patch::{self, Op, PatchInput};
use crate::{reply, AppState};

/// Routes of this family.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/restapis/{restapi_id}/resources",
            get(family::list_in_api::<Resource, EmbedQuery>),
        )
        .route(
            "/restapis/{restapi_id}/resources/{resource_id}",
            get(get_resource)
                .post(create_resource)
                .patch(update_resource)
                .delete(delete_resource),
        )
}

impl Family for Resource {
    fn not_found(_: &str) -> Error {
        resource_not_found()
    }
}

/// Save a resource that exists.
///
/// # Errors
/// Store failure.
pub async fn save(
    c: &mut SqliteConnection,
    scope: &Scope,
    api_id: &str,
    r: &Resource,
) -> Result<()> {
    typed::update(c, scope, api_id, &r.id, r).await?;
    Ok(())
}

/// How AWS shows a resource: without `embed=methods` each method is an empty object.
pub fn render(r: &Resource, embed_methods: bool) -> Result<Value> {
    let mut v = serde_json::to_value(r).map_err(crate::error::internal)?;
    if !embed_methods {
        if let Some(Value::Object(methods)) = v.get_mut("resourceMethods") {
            for m in methods.values_mut() {
                *m = Value::Object(Default::default());
            }
        }
    }
    Ok(v)
}

#[derive(Debug, Default, Deserialize)]
struct EmbedQuery {
    embed: Option<String>,
    /// `position` and `limit`.
    #[serde(flatten)]
    page: PageQuery,
}

impl EmbedQuery {
    fn methods(&self) -> bool {
        self.embed
            .as_deref()
            .is_some_and(|e| e.split(',').any(|x| x.trim() == "methods"))
    }
}

/// GetResources renders each resource, with its methods when `embed=methods` asks for them.
impl family::Shown<EmbedQuery> for Resource {
    fn shown(all: Vec<Self>, q: &EmbedQuery) -> Result<Response> {
        let embed = q.methods();
        let rendered = all
            .iter()
            .map(|r| render(r, embed))
            .collect::<Result<Vec<_>>>()?;
        reply::ok(&paginate(rendered, &q.page)?)
    }
}

async fn get_resource(
    Call { st, scope }: Call,
    Path((api_id, id)): Path<(String, String)>,
    Query(q): Query<EmbedQuery>,
) -> Result<Response> {
    let mut c = st.store.read().await?;
    let r = family::load_in_api::<Resource>(&mut c, &scope, &api_id, &id).await?;
    reply::ok(&render(&r, q.methods())?)
}

/// Whether a path part is a variable (`{id}` or `{proxy+}`).
pub fn is_variable(part: &str) -> bool {
    part.starts_with('{') && part.ends_with('}') && part.len() > 2
}

/// Whether a path part is greedy (`{proxy+}`).
pub fn is_greedy(part: &str) -> bool {
    is_variable(part) && part.ends_with("+}")
}

/// Check a path part as AWS does: letters, digits, `.`, `_`, `-`, `:` (and `@`, `~`…
/// AWS allows RFC 3986 unreserved characters), or a whole `{name}` / `{name+}`.
///
/// # Errors
/// `BadRequestException` with AWS's message.
pub fn validate_path_part(part: &str) -> Result<()> {
    let ok_char = |c: char| c.is_ascii_alphanumeric() || "._-:~@!$&'()*,;=".contains(c);
    let valid = if let Some(inner) = part.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
        let name = inner.strip_suffix('+').unwrap_or(inner);
        !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.')
    } else {
        !part.is_empty() && part.chars().all(ok_char)
    };
    if valid {
        Ok(())
    } else {
        Err(ApiError::bad_request(
            "Resource's path part only allow a-zA-Z0-9._- and curly braces at the beginning and the end and an optional plus sign before the closing brace.",
        )
        .into())
    }
}

/// Check that `part` may stand under `parent` among `siblings` (excluding `self_id`).
pub(crate) fn check_placement(
    parent: &Resource,
    part: &str,
    siblings: &[&Resource],
    self_id: Option<&str>,
) -> Result<()> {
    if parent.path_part.as_deref().is_some_and(is_greedy) {
        return Err(ApiError::bad_request(format!(
            "Cannot create a child of a resource with a greedy path variable: {}",
            parent.path_part.as_deref().unwrap_or_default()
        ))
        .into());
    }
    for s in siblings.iter().filter(|s| Some(s.id.as_str()) != self_id) {
        let sp = s.path_part.as_deref().unwrap_or_default();
        if sp == part {
            return Err(ApiError::conflict(format!(
                "Another resource with the same parent already has this name: {part}"
            ))
            .into());
        }
        if is_variable(part) && is_variable(sp) {
            return Err(ApiError::bad_request(format!(
                "A sibling ({sp}) of this resource already has a variable path part -- only one is allowed"
            ))
            .into());
        }
    }
    Ok(())
}

fn child_path(parent_path: &str, part: &str) -> String {
    if parent_path == "/" {
        format!("/{part}")
    } else {
        format!("{parent_path}/{part}")
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateResourceInput {
    path_part: Option<String>,
}

async fn create_resource(
    Call { st, scope }: Call,
    Path((api_id, parent_id)): Path<(String, String)>,
    AwsJson(input): AwsJson<CreateResourceInput>,
) -> Result<Response> {
    let part = input.path_part.unwrap_or_default();
    let mut tx = st.store.write().await?;
    let parent = family::load_in_api::<Resource>(&mut tx, &scope, &api_id, &parent_id).await?;
    validate_path_part(&part)?;
    let all: Vec<Resource> = typed::list(&mut tx, &scope, &api_id).await?;
    let siblings: Vec<&Resource> = all
        .iter()
        .filter(|r| r.parent_id.as_deref() == Some(&parent_id))
        .collect();
    check_placement(&parent, &part, &siblings, None)?;
    let r = Resource {
        id: ids::short_id(),
        parent_id: Some(parent_id),
        path: child_path(&parent.path, &part),
        path_part: Some(part),
        resource_methods: None,
    };
    typed::insert(&mut tx, &scope, &api_id, &r.id, &r).await?;
    tx.commit().await?;
    reply::created(&render(&r, false)?)
}

/// Re-derive `path` of every resource from the parent links; errors on a cycle.
fn rederive_paths(all: &mut [Resource]) -> Result<()> {
    let index: HashMap<String, usize> = all
        .iter()
        .enumerate()
        .map(|(i, r)| (r.id.clone(), i))
        .collect();
    let mut paths: Vec<Option<String>> = vec![None; all.len()];
    for start in 0..all.len() {
        // Walk up to a resource whose path is known (or the root), then fill back down.
        let mut chain = vec![];
        let mut cur = start;
        loop {
            if paths[cur].is_some() {
                break;
            }
            if chain.contains(&cur) || chain.len() > all.len() {
                return Err(ApiError::bad_request("Resources cannot be cyclical.").into());
            }
            chain.push(cur);
            match all[cur].parent_id.as_ref().and_then(|p| index.get(p)) {
                Some(&p) => cur = p,
                None => {
                    paths[cur] = Some("/".into());
                    chain.pop();
                    break;
                }
            }
        }
        while let Some(i) = chain.pop() {
            let parent = all[i]
                .parent_id
                .as_ref()
                .and_then(|p| index.get(p))
                .copied();
            let base = parent
                .and_then(|p| paths[p].clone())
                .unwrap_or_else(|| "/".into());
            paths[i] = Some(child_path(
                &base,
                all[i].path_part.as_deref().unwrap_or_default(),
            ));
        }
    }
    for (r, p) in all.iter_mut().zip(paths) {
        r.path = p.unwrap_or_else(|| "/".into());
    }
    Ok(())
}

async fn update_resource(
    Call { st, scope }: Call,
    Path((api_id, id)): Path<(String, String)>,
    AwsJson(input): AwsJson<PatchInput>,
) -> Result<Response> {
    let ops = patch::parse(input, "updateResourceInput")?;
    let mut tx = st.store.write().await?;
    let original = family::load_in_api::<Resource>(&mut tx, &scope, &api_id, &id).await?;
    let mut all: Vec<Resource> = typed::list(&mut tx, &scope, &api_id).await?;
    let me = all
        .iter()
        .position(|r| r.id == id)
        .ok_or_else(resource_not_found)?;
    patch::each(&ops, |op, segs| {
        match (op.op, segs) {
            (Op::Replace, ["pathPart"]) => {
                if all[me].parent_id.is_none() {
                    return Err(
                        ApiError::bad_request("Root resource cannot update its pathPart.").into(),
                    );
                }
                let part = op.value()?.to_string();
                validate_path_part(&part)?;
                all[me].path_part = Some(part);
            }
            (Op::Replace, ["parentId"]) => {
                if all[me].parent_id.is_none() {
                    return Err(
                        ApiError::bad_request("Root resource cannot update its parentId.").into(),
                    );
                }
                let new_parent = op.value()?.to_string();
                if !all.iter().any(|r| r.id == new_parent) {
                    return Err(resource_not_found());
                }
                all[me].parent_id = Some(new_parent);
            }
            (Op::Replace, _) => return Err(op.invalid_path(&["/parentId", "/pathPart"])),
            _ => return Err(op.unsupported_op()),
        }
        Ok(())
    })?;
    let updated = all[me].clone();
    if updated.parent_id != original.parent_id || updated.path_part != original.path_part {
        let parent_id = updated.parent_id.clone().unwrap_or_default();
        let parent = all
            .iter()
            .find(|r| r.id == parent_id)
            .cloned()
            .ok_or_else(resource_not_found)?;
        let siblings: Vec<&Resource> = all
            .iter()
            .filter(|r| r.parent_id.as_deref() == Some(&parent_id))
            .collect();
        check_placement(
            &parent,
            updated.path_part.as_deref().unwrap_or_default(),
            &siblings,
            Some(&id),
        )?;
        rederive_paths(&mut all)?;
        for r in &all {
            save(&mut tx, &scope, &api_id, r).await?;
        }
    }
    tx.commit().await?;
    reply::ok(&render(&all[me], false)?)
}

async fn delete_resource(
    Call { st, scope }: Call,
    Path((api_id, id)): Path<(String, String)>,
) -> Result<Response> {
    let mut tx = st.store.write().await?;
    let r = family::load_in_api::<Resource>(&mut tx, &scope, &api_id, &id).await?;
    if r.parent_id.is_none() {
        return Err(ApiError::bad_request("Cannot delete the root resource").into());
    }
    let all: Vec<Resource> = typed::list(&mut tx, &scope, &api_id).await?;
    // The resource and every descendant go, with their methods.
    let mut doomed = vec![id.clone()];
    let mut i = 0;
    while i < doomed.len() {
        let cur = doomed[i].clone();
        doomed.extend(
            all.iter()
                .filter(|r| r.parent_id.as_deref() == Some(&cur))
                .map(|r| r.id.clone()),
        );
        i += 1;
    }
    for d in &doomed {
        typed::delete::<Resource>(&mut tx, &scope, &api_id, d).await?;
    }
    tx.commit().await?;
    reply::accepted()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn res(id: &str, parent: Option<&str>, part: Option<&str>) -> Resource {
        Resource {
            id: id.into(),
            parent_id: parent.map(Into::into),
            path_part: part.map(Into::into),
            path: String::new(),
            resource_methods: None,
        }
    }

    #[test]
    fn path_parts() {
        for ok in ["pets", "{id}", "{proxy+}", "a.b_c-d", "v1:x"] {
            assert!(validate_path_part(ok).is_ok(), "{ok}");
        }
        for bad in ["", "a/b", "{}", "{a", "a b", "{+}", "pe{t}s"] {
            assert!(validate_path_part(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn placement_rules() {
        // Messages as in test_create_proxy_resource_validation (AWS recordings).
        let root = res("r", None, None);
        let proxy = res("p", Some("r"), Some("{proxy+}"));
        let e = check_placement(&root, "{id}", &[&proxy], None).unwrap_err();
        assert_eq!(e.0.message, "A sibling ({proxy+}) of this resource already has a variable path part -- only one is allowed");
        let e = check_placement(&proxy, "x", &[], None).unwrap_err();
        assert_eq!(
            e.0.message,
            "Cannot create a child of a resource with a greedy path variable: {proxy+}"
        );
        let pets = res("a", Some("r"), Some("pets"));
        let e = check_placement(&root, "pets", &[&pets], None).unwrap_err();
        assert_eq!(e.0.kind.status(), 409);
        assert!(check_placement(&root, "pets", &[&pets], Some("a")).is_ok());
    }

    #[test]
    fn paths_follow_moves_and_refuse_cycles() {
        let mut all = vec![
            res("r", None, None),
            res("a", Some("r"), Some("pets")),
            res("b", Some("a"), Some("{id}")),
        ];
        rederive_paths(&mut all).unwrap();
        assert_eq!(all[2].path, "/pets/{id}");
        all[1].path_part = Some("dogs".into());
        rederive_paths(&mut all).unwrap();
        assert_eq!(all[2].path, "/dogs/{id}");
        all[1].parent_id = Some("b".into());
        assert_eq!(
            rederive_paths(&mut all).unwrap_err().0.message,
            "Resources cannot be cyclical."
        );
    }

    proptest! {
        #[test]
        fn path_part_validation_never_panics(s in "\\PC{0,12}") {
            let _ = validate_path_part(&s);
        }

        #[test]
        fn valid_literals_are_accepted(s in "[a-zA-Z0-9._-]{1,20}") {
            prop_assert!(validate_path_part(&s).is_ok());
        }
    }
}

//! Documentation parts and versions: CreateDocumentationPart, GetDocumentationPart(s),
//! UpdateDocumentationPart, DeleteDocumentationPart, ImportDocumentationParts,
//! CreateDocumentationVersion, GetDocumentationVersion(s), UpdateDocumentationVersion,
//! DeleteDocumentationVersion
//! ([AWS reference](https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-documenting-api.html)).
//!
//! A part documents one entity, named by its location; each location type takes the
//! members AWS's guide lists for it (`path` defaults to `/`, `method` and `statusCode` to `*`).
//! Parts are stored per API (parent = the API id); a version is stored by its name, and a
//! stage may name one (`documentationVersion`).
//!
//! Recorded in `test_apigateway_api.snapshot.json` (`TestApiGatewayApiDocumentationPart`)
//! and `test_apigateway_common.snapshot.json` (`TestDocumentations`): the unknown API's 404
//! for Create, the list, Delete and Import, but the part's own 404 for Get and Update; the
//! type enum's ValidationException; only `replace /properties` patches a part; an import of
//! a file that is not an OpenAPI document answers "Unable to build importer with provided
//! input.". Messages the recordings do not show are marked where they are made.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Path, Query};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use serde_json::Value;

use apigw_model::{
    ids, ApiError, DocumentationPart, DocumentationPartLocation, DocumentationVersion, Stage,
};
use apigw_store::typed;

use crate::error::{Error, Result};
use crate::extract::{AwsJson, Call};
use crate::family::{self, Family, Patched};
use crate::paging::{paginate, PageQuery};
use crate::patch::{self, PatchOp};
use crate::validate::{self, Failures};
use crate::{now_epoch, reply, AppState};

/// The location types, in the order AWS lists them in its enum error (recorded:
/// create_documentation_part_invalid_location_type).
const TYPES: &[&str] = &[
    "RESPONSE_BODY",
    "RESPONSE",
    "METHOD",
    "MODEL",
    "AUTHORIZER",
    "RESPONSE_HEADER",
    "RESOURCE",
    "PATH_PARAMETER",
    "REQUEST_BODY",
    "QUERY_PARAMETER",
    "API",
    "REQUEST_HEADER",
];

/// Routes of this family.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/restapis/{restapi_id}/documentation/parts",
            get(family::list_in_api::<DocumentationPart, PartsQuery>)
                .post(create_part)
                .put(import_parts),
        )
        .route(
            "/restapis/{restapi_id}/documentation/parts/{part_id}",
            get(family::get_in_api::<DocumentationPart>)
                .patch(family::update_in_api::<DocumentationPart>)
                // Recorded (test_invalid_delete_documentation_part): the API's 404 first.
                .delete(family::delete_in_api::<DocumentationPart, true>),
        )
        .merge(family::api_routes::<DocumentationVersion>(
            "documentation/versions",
            "doc_version",
            post(create_version),
            get(family::get_in_api::<DocumentationVersion>)
                .patch(family::update_in_api::<DocumentationVersion>)
                .delete(family::delete_in_api::<DocumentationVersion, true>),
        ))
}

impl Family for DocumentationPart {
    /// Recorded (test_invalid_get_documentation_part): also when the API is unknown.
    fn not_found(_: &str) -> Error {
        ApiError::not_found("Invalid Documentation part identifier specified").into()
    }
}

impl Patched for DocumentationPart {
    const UPDATE_INPUT: &'static str = "updateDocumentationPartInput";
    fn patched(&self, ops: &[PatchOp]) -> Result<Self> {
        let mut part = self.clone();
        patch::replace_only(ops, "/properties", |op| {
            part.properties = properties(op.value()?)?;
            Ok(())
        })?;
        Ok(part)
    }
}

impl Family for DocumentationVersion {
    // Not recorded; worded as the part's 404.
    fn not_found(_: &str) -> Error {
        ApiError::not_found("Invalid Documentation version identifier specified").into()
    }
}

impl Patched for DocumentationVersion {
    const UPDATE_INPUT: &'static str = "updateDocumentationVersionInput";
    fn patched(&self, ops: &[PatchOp]) -> Result<Self> {
        let mut v = self.clone();
        patch::replace_only(ops, "/description", |op| {
            v.description = op.value_or_clear();
            Ok(())
        })?;
        Ok(v)
    }
}

/// `properties` must be a JSON object (not recorded; AWS documents it as a JSON map).
fn properties(text: &str) -> Result<String> {
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(_)) => Ok(text.to_string()),
        _ => Err(ApiError::bad_request(
            "Invalid documentation part properties: expected a JSON object",
        )
        .into()),
    }
}

/// Which location members a type uses: (path, method, statusCode, name required).
fn members(part_type: &str) -> (bool, bool, bool, bool) {
    match part_type {
        "API" => (false, false, false, false),
        "AUTHORIZER" | "MODEL" => (false, false, false, true),
        "RESOURCE" => (true, false, false, false),
        "METHOD" | "REQUEST_BODY" => (true, true, false, false),
        "PATH_PARAMETER" | "QUERY_PARAMETER" | "REQUEST_HEADER" => (true, true, false, true),
        "RESPONSE" | "RESPONSE_BODY" => (true, true, true, false),
        _ => (true, true, true, true),
    }
}

/// The location as AWS stores it: defaults filled, members the type does not use refused
/// (the messages are not recorded).
fn normalise(
    loc: DocumentationPartLocation,
) -> std::result::Result<DocumentationPartLocation, String> {
    let t = loc.part_type.clone();
    let (path, method, status, name) = members(&t);
    let unused = [
        ("path", path, loc.path.is_some()),
        ("method", method, loc.method.is_some()),
        ("statusCode", status, loc.status_code.is_some()),
        ("name", name, loc.name.is_some()),
    ];
    if let Some((member, _, _)) = unused.iter().find(|(_, used, given)| !used && *given) {
        return Err(format!(
            "Invalid location: '{member}' does not apply to a {t} documentation part"
        ));
    }
    if name && loc.name.as_deref().is_none_or(str::is_empty) {
        return Err(format!(
            "Invalid location: a {t} documentation part needs a name"
        ));
    }
    Ok(DocumentationPartLocation {
        path: path.then(|| loc.path.unwrap_or_else(|| "/".into())),
        method: method.then(|| loc.method.map_or("*".into(), |m| m.to_ascii_uppercase())),
        status_code: status.then(|| loc.status_code.unwrap_or_else(|| "*".into())),
        ..loc
    })
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreatePartInput {
    location: Option<DocumentationPartLocation>,
    properties: Option<String>,
}

async fn create_part(
    Call { st, scope }: Call,
    Path(api_id): Path<String>,
    AwsJson(input): AwsJson<CreatePartInput>,
) -> Result<Response> {
    let mut tx = st.write_in_api(&scope, &api_id).await?;
    let mut failures = Failures::default();
    if input.location.is_none() {
        failures.null("createDocumentationPartInput.location");
    }
    if input.properties.is_none() {
        failures.null("createDocumentationPartInput.properties");
    }
    failures.check_enum(
        input.location.as_ref().map(|l| l.part_type.as_str()),
        "createDocumentationPartInput.location.type",
        TYPES,
    );
    failures.finish()?;
    let location = normalise(input.location.unwrap_or_default()).map_err(ApiError::bad_request)?;
    let properties = properties(&input.properties.unwrap_or_default())?;
    let existing: Vec<DocumentationPart> = typed::list(&mut tx, &scope, &api_id).await?;
    if existing.iter().any(|p| p.location == location) {
        // Not recorded.
        return Err(ApiError::conflict(
            "Documentation part already exists for the specified location",
        )
        .into());
    }
    let part = DocumentationPart {
        id: ids::short_id(),
        location,
        properties,
    };
    typed::insert(&mut tx, &scope, &api_id, &part.id, &part).await?;
    tx.commit().await?;
    reply::created(&part)
}

#[derive(Debug, Default, Deserialize)]
struct PartsQuery {
    #[serde(rename = "type")]
    part_type: Option<String>,
    name: Option<String>,
    path: Option<String>,
    #[serde(rename = "locationStatus")]
    location_status: Option<String>,
    #[serde(flatten)]
    page: PageQuery,
}

impl family::Shown<PartsQuery> for DocumentationPart {
    fn shown(all: Vec<Self>, q: &PartsQuery) -> Result<Response> {
        let documented = |p: &DocumentationPart| {
            serde_json::from_str::<serde_json::Map<String, Value>>(&p.properties)
                .is_ok_and(|m| !m.is_empty())
        };
        let kept = all
            .into_iter()
            .filter(|p| {
                q.part_type
                    .as_ref()
                    .is_none_or(|t| &p.location.part_type == t)
            })
            .filter(|p| {
                q.name
                    .as_ref()
                    .is_none_or(|n| p.location.name.as_ref() == Some(n))
            })
            .filter(|p| {
                q.path
                    .as_ref()
                    .is_none_or(|n| p.location.path.as_ref() == Some(n))
            })
            .filter(|p| match q.location_status.as_deref() {
                Some("DOCUMENTED") => documented(p),
                Some("UNDOCUMENTED") => !documented(p),
                _ => true,
            })
            .collect();
        reply::ok(&paginate(kept, &q.page)?)
    }
}

/// The parts of `x-amazon-apigateway-documentation` in an OpenAPI document, with a warning
/// for each one that cannot be stored.
///
/// # Errors
/// "Unable to build importer with provided input." for a body that is not an OpenAPI
/// document (recorded: test_import_documentation_parts_bad_file).
fn parts_of_document(body: &[u8]) -> Result<(Vec<DocumentationPart>, Vec<String>)> {
    let unusable = || {
        Error::from(ApiError::bad_request(
            "Unable to build importer with provided input.",
        ))
    };
    let doc = apigw_openapi::read(body).map_err(|_| unusable())?;
    let root = doc.as_object().ok_or_else(unusable)?;
    if !root.contains_key("swagger") && !root.contains_key("openapi") {
        return Err(unusable());
    }
    Ok(parts_in(&doc))
}

/// The parts of `x-amazon-apigateway-documentation` in a document already read, with a
/// warning for each one that cannot be stored.
pub fn parts_in(doc: &Value) -> (Vec<DocumentationPart>, Vec<String>) {
    let list = doc
        .get("x-amazon-apigateway-documentation")
        .and_then(|d| d.get("documentationParts"))
        .and_then(Value::as_array)
        .map_or(&[][..], Vec::as_slice);
    let mut parts = Vec::new();
    let mut warnings = Vec::new();
    for (i, p) in list.iter().enumerate() {
        let location = p
            .get("location")
            .and_then(|l| DocumentationPartLocation::deserialize(l).ok());
        let props = p.get("properties").filter(|v| v.is_object());
        let checked = match (location, props) {
            (Some(l), Some(props)) if TYPES.contains(&l.part_type.as_str()) => {
                normalise(l).map(|l| (l, props.to_string()))
            }
            _ => Err("a location with a known type and an object of properties are needed".into()),
        };
        match checked {
            Ok((location, properties)) => parts.push(DocumentationPart {
                id: ids::short_id(),
                location,
                properties,
            }),
            // Not recorded.
            Err(why) => warnings.push(format!("Documentation part {i} was not imported: {why}")),
        }
    }
    (parts, warnings)
}

/// Store `parts` for an API: `overwrite` replaces them all, else a part at a location that
/// is documented already replaces that part's properties. Returns the ids, in order.
///
/// # Errors
/// Store failure.
pub async fn store_parts(
    c: &mut apigw_store::SqliteConnection,
    scope: &apigw_model::Scope,
    api_id: &str,
    parts: Vec<DocumentationPart>,
    overwrite: bool,
) -> Result<Vec<String>> {
    let existing: Vec<DocumentationPart> = if overwrite {
        typed::delete_children::<DocumentationPart>(c, scope, api_id).await?;
        Vec::new()
    } else {
        typed::list(c, scope, api_id).await?
    };
    let mut ids = Vec::new();
    for mut part in parts {
        if let Some(old) = existing.iter().find(|e| e.location == part.location) {
            part.id = old.id.clone();
        }
        typed::upsert(c, scope, api_id, &part.id, &part).await?;
        ids.push(part.id);
    }
    Ok(ids)
}

async fn import_parts(
    Call { st, scope }: Call,
    Path(api_id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
    body: Bytes,
) -> Result<Response> {
    // ImportDocumentationParts merges unless told to overwrite.
    let overwrite = !validate::merge_mode(q.get("mode").map(String::as_str))?.unwrap_or(true);
    let mut tx = st.write_in_api(&scope, &api_id).await?;
    let (parts, warnings) = parts_of_document(&body)?;
    if !warnings.is_empty() && q.get("failonwarnings").is_some_and(|v| v == "true") {
        let refusal = apigw_openapi::ImportError::Warnings(warnings).to_string();
        return Err(ApiError::bad_request(refusal).into());
    }
    let ids = store_parts(&mut tx, &scope, &api_id, parts, overwrite).await?;
    tx.commit().await?;
    let mut out = serde_json::json!({ "ids": ids });
    if !warnings.is_empty() {
        out["warnings"] = warnings.into();
    }
    reply::ok(&out)
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateVersionInput {
    documentation_version: Option<String>,
    stage_name: Option<String>,
    description: Option<String>,
}

async fn create_version(
    Call { st, scope }: Call,
    Path(api_id): Path<String>,
    AwsJson(input): AwsJson<CreateVersionInput>,
) -> Result<Response> {
    let mut tx = st.write_in_api(&scope, &api_id).await?;
    let mut failures = Failures::default();
    if input.documentation_version.is_none() {
        failures.null("createDocumentationVersionInput.documentationVersion");
    }
    failures.finish()?;
    let name = input.documentation_version.unwrap_or_default();
    if name.is_empty() {
        return Err(ApiError::bad_request("Documentation version must not be empty").into());
    }
    let version = DocumentationVersion {
        version: name.clone(),
        created_date: now_epoch(),
        description: input.description.filter(|d| !d.is_empty()),
    };
    // Not recorded.
    let exists = "Documentation version already exists";
    family::insert_new(&mut tx, &scope, &api_id, &name, &version, exists).await?;
    if let Some(stage_name) = input.stage_name.filter(|s| !s.is_empty()) {
        let mut stage: Stage = family::load(&mut tx, &scope, &api_id, &stage_name).await?;
        stage.documentation_version = Some(name);
        stage.last_updated_date = now_epoch();
        typed::update(&mut tx, &scope, &api_id, &stage.stage_name, &stage).await?;
    }
    st.commit_api_change(tx, &scope, &api_id).await?;
    reply::created(&version)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn loc(t: &str) -> DocumentationPartLocation {
        DocumentationPartLocation {
            part_type: t.into(),
            ..Default::default()
        }
    }

    #[test]
    fn locations_take_aws_defaults_and_refuse_unused_members() {
        let m = normalise(loc("METHOD")).unwrap();
        assert_eq!(m.path.as_deref(), Some("/"));
        assert_eq!(m.method.as_deref(), Some("*"));
        assert_eq!(m.status_code, None);
        let r = normalise(loc("RESPONSE")).unwrap();
        assert_eq!(r.status_code.as_deref(), Some("*"));
        assert_eq!(normalise(loc("API")).unwrap(), loc("API"));
        assert!(normalise(DocumentationPartLocation {
            path: Some("/x".into()),
            ..loc("API")
        })
        .is_err());
        assert!(normalise(loc("MODEL")).is_err());
        assert!(normalise(loc("QUERY_PARAMETER")).is_err());
    }

    #[test]
    fn documents_give_their_parts_and_warn_about_bad_ones() {
        let doc = br#"{"swagger": "2.0", "x-amazon-apigateway-documentation": {
            "version": "1", "documentationParts": [
                {"location": {"type": "API"}, "properties": {"description": "d"}},
                {"location": {"type": "METHOD", "path": "/", "method": "get"},
                 "properties": {"description": "m"}},
                {"location": {"type": "NOPE"}, "properties": {}}]}}"#;
        let (parts, warnings) = parts_of_document(doc).unwrap();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[1].location.method.as_deref(), Some("GET"));
        assert_eq!(parts[0].properties, r#"{"description":"d"}"#);
        assert_eq!(warnings.len(), 1);
        let e = parts_of_document(b"not: [valid").unwrap_err();
        assert!(
            format!("{e:?}").contains("Unable to build importer"),
            "{e:?}"
        );
    }
}

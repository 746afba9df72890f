//! Models: CreateModel, GetModel, GetModels, UpdateModel, DeleteModel
//! ([AWS reference](https://docs.aws.amazon.com/apigateway/latest/api/API_Model.html)).
//!
//! One document per model (parent = the API id, id = the model *name*: AWS addresses models
//! by name in paths and in methods' `requestModels` / method responses' `responseModels`).
//! Every new API starts with AWS's two default models, `Empty` and `Error`
//! ([`defaults`], created by [`crate::rest_apis`]). The data plane sees the models of a
//! deployment through the snapshot ([`crate::deployments::freeze`], `documents.models`).
//! GetModelTemplate answers the mapping template `apigw_openapi::model_template` generates.
//!
//! AWS's answers followed here are recorded in `test_apigateway_api.snapshot.json`
//! (`TestApiGatewayApiModels`, `TestApiGatewayApiMethod::test_put_method_model`): CreateModel
//! and GetModels on an unknown API answer the API's 404, Get/Update/Delete the model's own
//! 404 ("Invalid model name specified: X"); an empty or missing schema is refused with
//! "Model schema must have at least 1 property or array items defined" (whatever the content
//! type); an empty description is not kept; UpdateModel replaces only `/description` and
//! `/schema`; a model a method request uses cannot be deleted (409).

use axum::extract::Path;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;

use apigw_model::{ids, ApiError, Model, Resource, Scope};
use apigw_store::{typed, SqliteConnection};

use crate::error::{Error, Result};
use crate::extract::{AwsJson, Call};
use crate::family::{self, Family, Patched};
use crate::lookup;
use crate::patch::{self, Op, PatchOp};
use crate::wire::null_member;
use crate::{reply, AppState};

/// Routes of this family.
pub fn routes() -> Router<AppState> {
    // Recorded (test_model_validation `get-models-wrong-id`): the list answers the API's 404.
    // GetModel's `flatten` query parameter (inline the models a schema `$ref`s) is accepted
    // and ignored: the schema is answered as stored.
    family::api_routes::<Model>(
        "models",
        "model_name",
        post(create_model),
        get(family::get_in_api::<Model>)
            .patch(family::update_in_api::<Model>)
            .delete(delete_model),
    )
    .route(
        "/restapis/{restapi_id}/models/{model_name}/default_template",
        get(get_model_template),
    )
}

/// GetModelTemplate: a mapping template that copies a payload into the model's shape,
/// following `$ref`s to the API's other models.
async fn get_model_template(
    Call { st, scope }: Call,
    Path((api_id, name)): Path<(String, String)>,
) -> Result<Response> {
    let mut c = st.store.read().await?;
    let model: Model = family::load_in_api(&mut c, &scope, &api_id, &name).await?;
    let models: Vec<Model> = lookup::api_documents(&mut c, &scope, &api_id).await?;
    drop(c);
    let parse = |m: &Model| {
        m.schema
            .as_deref()
            .and_then(|s| serde_json::from_str::<serde_json::Value>(s).ok())
    };
    let schemas = models
        .iter()
        .filter_map(|m| Some((m.name.clone(), parse(m)?)))
        .collect();
    let schema = parse(&model).unwrap_or_default();
    let value = apigw_openapi::model_template(&schema, &schemas);
    reply::ok(&serde_json::json!({ "value": value }))
}

/// The schema of AWS's default `Empty` model, byte for byte as AWS stores it.
pub const EMPTY_SCHEMA: &str = "{\n  \"$schema\": \"http://json-schema.org/draft-04/schema#\",\n  \"title\" : \"Empty Schema\",\n  \"type\" : \"object\"\n}";

/// The schema of AWS's default `Error` model, byte for byte as AWS stores it.
pub const ERROR_SCHEMA: &str = "{\n  \"$schema\" : \"http://json-schema.org/draft-04/schema#\",\n  \"title\" : \"Error Schema\",\n  \"type\" : \"object\",\n  \"properties\" : {\n    \"message\" : { \"type\" : \"string\" }\n  }\n}";

/// The two models AWS gives every new REST API (recorded: test_model_lifecycle `get-models`;
/// the schema strings as AWS exports them).
pub fn defaults() -> [Model; 2] {
    let model = |name: &str, description: &str, schema: &str| Model {
        id: ids::short_id(),
        name: name.into(),
        description: Some(description.into()),
        schema: Some(schema.into()),
        content_type: "application/json".into(),
    };
    [
        model(
            "Empty",
            "This is a default empty schema model",
            EMPTY_SCHEMA,
        ),
        model(
            "Error",
            "This is a default error schema model",
            ERROR_SCHEMA,
        ),
    ]
}

/// Store AWS's default models for a new API (same transaction as the API).
///
/// # Errors
/// Store failure.
pub async fn insert_defaults(c: &mut SqliteConnection, scope: &Scope, api_id: &str) -> Result<()> {
    for m in defaults() {
        typed::insert(c, scope, api_id, &m.name, &m).await?;
    }
    Ok(())
}

impl Family for Model {
    /// AWS's 404 for an unknown model, also when the API is unknown (recorded:
    /// test_model_validation `get-model-wrong-id`, `del-model-wrong-id`; test_update_model
    /// `update-model-wrong-id`).
    fn not_found(name: &str) -> Error {
        ApiError::not_found(format!("Invalid model name specified: {name}")).into()
    }
}

/// The names of an API's models (what methods may reference).
///
/// # Errors
/// Store failure.
pub async fn names(c: &mut SqliteConnection, scope: &Scope, api_id: &str) -> Result<Vec<String>> {
    let all: Vec<Model> = typed::list(c, scope, api_id).await?;
    Ok(all.into_iter().map(|m| m.name).collect())
}

impl Patched for Model {
    const UPDATE_INPUT: &'static str = "updateModelInput";
    fn patched(&self, ops: &[PatchOp]) -> Result<Self> {
        apply_patch(self, ops)
    }
}

/// Check a schema as AWS does before storing it.
///
/// # Errors
/// `BadRequestException`: AWS's recorded answer for a missing or empty schema
/// (test_model_validation `create-model-empty-schema`, `create-model-no-schema-json`,
/// `create-model-no-schema-xml`; test_update_model `update-model-empty-schema`), and the text
/// AWS gives for a schema that is not a JSON object (quoted by users' CloudFormation and
/// Serverless errors; not recorded here).
pub fn check_schema(schema: Option<&str>) -> Result<()> {
    let Some(s) = schema.filter(|s| !s.trim().is_empty()) else {
        return Err(ApiError::bad_request(
            "Model schema must have at least 1 property or array items defined",
        )
        .into());
    };
    match serde_json::from_str::<serde_json::Value>(s) {
        Ok(serde_json::Value::Object(_)) => Ok(()),
        _ => Err(ApiError::bad_request(
            "Invalid model specified: Validation Result: warnings : [], errors : [Invalid model schema specified]",
        )
        .into()),
    }
}

/// Check a model name: non-empty (recorded: test_model_validation `create-model-empty-name`)
/// and alphanumeric (the CreateModel reference's rule; the message is not recorded).
///
/// # Errors
/// `BadRequestException`.
pub fn check_name(name: &str) -> Result<()> {
    if name.is_empty() {
        return Err(ApiError::bad_request("Model name must be non-empty").into());
    }
    if !name.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(ApiError::bad_request("Model name must be alphanumeric").into());
    }
    Ok(())
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateInput {
    name: Option<String>,
    description: Option<String>,
    schema: Option<String>,
    content_type: Option<String>,
}

/// Build the model of a CreateModel call, checking it as AWS does (pure).
///
/// # Errors
/// `ValidationException` for a missing required member, else AWS's BadRequest answers.
fn from_create(id: String, input: CreateInput) -> Result<Model> {
    let name = input
        .name
        .ok_or_else(|| null_member("createModelInput.name"))?;
    let content_type = input
        .content_type
        .ok_or_else(|| null_member("createModelInput.contentType"))?;
    check_name(&name)?;
    check_schema(input.schema.as_deref())?;
    Ok(Model {
        id,
        name,
        // Recorded (test_update_model `create-model`): an empty description is not shown.
        description: input.description.filter(|d| !d.is_empty()),
        schema: input.schema,
        content_type,
    })
}

async fn create_model(
    Call { st, scope }: Call,
    Path(api_id): Path<String>,
    AwsJson(input): AwsJson<CreateInput>,
) -> Result<Response> {
    // Recorded (test_model_validation `create-model-wrong-id`): the API's 404 comes first.
    let mut tx = st.write_in_api(&scope, &api_id).await?;
    let m = from_create(ids::short_id(), input)?;
    // Recorded (test_model_validation `create-model-already-exists`).
    let exists = "Model name already exists for this REST API";
    family::insert_new(&mut tx, &scope, &api_id, &m.name, &m, exists).await?;
    tx.commit().await?;
    reply::created(&m)
}

/// The paths UpdateModel replaces, as AWS lists them (recorded: test_update_model
/// `update-model-invalid-path`).
const REPLACE_PATHS: &[&str] = &["/description", "/schema"];

/// Apply UpdateModel's patch operations to a copy (pure, so it is tested without a server).
///
/// # Errors
/// AWS's patch answers (recorded: test_update_model `update-model-invalid-op`,
/// `update-model-invalid-path`) or [`check_schema`]'s; the model is unchanged.
pub fn apply_patch(m: &Model, ops: &[PatchOp]) -> Result<Model> {
    let mut m = m.clone();
    patch::each(ops, |op, segs| {
        match (op.op, segs) {
            (Op::Replace, ["description"]) => {
                m.description = op.value.clone().filter(|d| !d.is_empty())
            }
            (Op::Replace, ["schema"]) => {
                check_schema(op.value.as_deref())?;
                m.schema = op.value.clone();
            }
            (Op::Replace, _) => return Err(op.invalid_path(REPLACE_PATHS)),
            _ => return Err(op.unsupported_op()),
        }
        Ok(())
    })?;
    Ok(m)
}

/// Where a model is still used, as AWS's conflict names it: a method request
/// (`{path}/{verb}`, recorded) or a method response (`{path}/{verb}/{status}`, not recorded).
///
/// With several users AWS named the method of the most recently created resource
/// (test_put_method_model `delete-model-used-by-2-method`: `/test/ANY` over `//ANY`), so the
/// last user in creation order is reported.
fn last_user(resources: &[Resource], name: &str) -> Option<String> {
    let mut found = None;
    for r in resources {
        for (verb, m) in r.resource_methods.iter().flatten() {
            if m.request_models.iter().flatten().any(|(_, v)| v == name) {
                found = Some(format!("method request: {}/{verb}", r.path));
            } else if let Some(code) = m.method_responses.iter().flatten().find_map(|(code, mr)| {
                mr.response_models
                    .iter()
                    .flatten()
                    .any(|(_, v)| v == name)
                    .then_some(code)
            }) {
                found = Some(format!("method response: {}/{verb}/{code}", r.path));
            }
        }
    }
    found
}

async fn delete_model(
    Call { st, scope }: Call,
    Path((api_id, name)): Path<(String, String)>,
) -> Result<Response> {
    let mut tx = st.store.write().await?;
    let m: Model = family::load(&mut tx, &scope, &api_id, &name).await?;
    let resources: Vec<Resource> = typed::list(&mut tx, &scope, &api_id).await?;
    if let Some(user) = last_user(&resources, &m.name) {
        // Recorded (test_put_method_model `delete-model-used`).
        return Err(ApiError::conflict(format!(
            "Cannot delete model '{}', is referenced in {user}",
            m.name
        ))
        .into());
    }
    typed::delete::<Model>(&mut tx, &scope, &api_id, &name).await?;
    tx.commit().await?;
    reply::accepted()
}

#[cfg(test)]
mod tests {
    /// The migration that gives older APIs their default models writes these very schemas.
    #[test]
    fn backfill_migration_matches_the_defaults() {
        let sql = include_str!("../../../migrations/0004_default_models.sql");
        for m in defaults() {
            let schema = m.schema.unwrap();
            assert!(sql.contains(&format!("'{schema}'")), "{}", m.name);
            assert!(sql.contains(&format!("'{}'", m.description.unwrap())));
        }
    }

    use super::*;
    use crate::patch::ops;
    use apigw_model::{Method, MethodResponse};

    fn model() -> Model {
        Model {
            id: "abc123".into(),
            name: "MySchema".into(),
            description: None,
            schema: Some(r#"{"title": "MySchema", "type": "object"}"#.into()),
            content_type: "application/json".into(),
        }
    }

    fn input(v: serde_json::Value) -> CreateInput {
        serde_json::from_value(v).unwrap()
    }

    fn create_err(v: serde_json::Value) -> String {
        from_create("x".into(), input(v)).unwrap_err().0.message
    }

    #[test]
    fn defaults_are_valid_json_schemas() {
        let [empty, error] = defaults();
        assert_eq!(empty.name, "Empty");
        assert_eq!(error.name, "Error");
        for m in [empty, error] {
            check_schema(m.schema.as_deref()).unwrap();
            assert_eq!(m.content_type, "application/json");
            assert_eq!(m.id.len(), 6);
        }
        let v: serde_json::Value = serde_json::from_str(ERROR_SCHEMA).unwrap();
        assert_eq!(v["properties"]["message"]["type"], "string");
        assert_eq!(v["title"], "Error Schema");
    }

    #[test]
    fn create_follows_recordings() {
        let m = from_create(
            "x".into(),
            input(serde_json::json!({
                "name": "MySchema", "contentType": "application/json", "description": "",
                "schema": "{\"title\": \"MySchema\", \"type\": \"object\"}"
            })),
        )
        .unwrap();
        // test_update_model `create-model`: no description member.
        assert_eq!(
            serde_json::to_value(&m).unwrap(),
            serde_json::json!({"id": "x", "name": "MySchema", "contentType": "application/json",
                "schema": "{\"title\": \"MySchema\", \"type\": \"object\"}"})
        );
        // test_model_validation.
        assert_eq!(
            create_err(
                serde_json::json!({"name": "", "contentType": "application/json", "schema": "{}"})
            ),
            "Model name must be non-empty"
        );
        const NO_SCHEMA: &str = "Model schema must have at least 1 property or array items defined";
        for v in [
            serde_json::json!({"name": "A", "contentType": "application/json", "schema": ""}),
            serde_json::json!({"name": "A", "contentType": "application/json"}),
            serde_json::json!({"name": "A", "contentType": "application/xml"}),
        ] {
            assert_eq!(create_err(v), NO_SCHEMA);
        }
        assert!(create_err(
            serde_json::json!({"name": "A", "contentType": "application/json", "schema": "{not json"})
        )
        .contains("Invalid model schema specified"));
        assert_eq!(
            create_err(
                serde_json::json!({"name": "my-model", "contentType": "application/json", "schema": "{}"})
            ),
            "Model name must be alphanumeric"
        );
        assert!(create_err(serde_json::json!({"name": "A", "schema": "{}"}))
            .contains("'createModelInput.contentType'"));
    }

    #[test]
    fn patch_follows_recordings() {
        // test_update_model `update-model`.
        let m = apply_patch(
            &Model {
                description: Some("old".into()),
                ..model()
            },
            &ops(&[
                (
                    "replace",
                    "/schema",
                    Some(r#"{"title": "Updated schema", "type": "object"}"#),
                ),
                ("replace", "/description", Some("")),
            ]),
        )
        .unwrap();
        assert!(m.description.is_none());
        assert!(m.schema.as_deref().unwrap().contains("Updated schema"));
        let err = |op: &str, path: &str, v: Option<&str>| {
            apply_patch(&model(), &ops(&[(op, path, v)]))
                .unwrap_err()
                .0
                .message
        };
        assert_eq!(
            err("add", "/wrong-path", Some("not supported op")),
            "Invalid patch path  '/wrong-path' specified for op 'add'. Please choose supported operations"
        );
        assert_eq!(
            err("replace", "/name", Some("invalid")),
            "Invalid patch path  '/name' specified for op 'replace'. Must be one of: [/description, /schema]"
        );
        assert_eq!(
            err("replace", "/schema", Some("")),
            "Model schema must have at least 1 property or array items defined"
        );
    }

    #[test]
    fn users_are_named_as_aws_does() {
        let with_model = |path: &str, request: bool| Resource {
            id: path.into(),
            path: path.into(),
            resource_methods: Some(
                [(
                    "ANY".to_string(),
                    Method {
                        http_method: "ANY".into(),
                        request_models: request
                            .then(|| [("application/json".into(), "M".into())].into()),
                        method_responses: (!request).then(|| {
                            [(
                                "200".to_string(),
                                MethodResponse {
                                    status_code: "200".into(),
                                    response_models: Some(
                                        [("application/json".into(), "M".into())].into(),
                                    ),
                                    ..Default::default()
                                },
                            )]
                            .into()
                        }),
                        ..Default::default()
                    },
                )]
                .into(),
            ),
            ..Default::default()
        };
        let root = with_model("/", true);
        let test = with_model("/test", true);
        assert_eq!(
            last_user(std::slice::from_ref(&root), "M").unwrap(),
            "method request: //ANY"
        );
        assert_eq!(
            last_user(&[root.clone(), test], "M").unwrap(),
            "method request: /test/ANY"
        );
        assert_eq!(
            last_user(&[with_model("/r", false)], "M").unwrap(),
            "method response: /r/ANY/200"
        );
        assert!(last_user(&[root], "Other").is_none());
    }
}

//! Authorizers: CreateAuthorizer, GetAuthorizer, GetAuthorizers, UpdateAuthorizer,
//! DeleteAuthorizer ([AWS reference](https://docs.aws.amazon.com/apigateway/latest/api/API_Authorizer.html)).
//!
//! One document per authorizer (parent = the API id, id = the authorizer id). Methods name an
//! authorizer by id (`authorizerId`, checked by [`crate::methods`]); the data plane sees the
//! authorizers of a deployment through the snapshot ([`crate::deployments::freeze`]), so a
//! change takes effect with the next deployment, as on AWS.
//!
//! AWS's answers followed here: recordings in `test_apigateway_api.snapshot.json`
//! (test_authorizer_crud_no_api: CreateAuthorizer on an unknown API is a 409
//! ConflictException "Unable to complete operation due to concurrent modification…", the
//! listing a 404) and `test_apigateway_basic.snapshot.json`
//! (test_apigateway_with_custom_authorization_method: an authorizer created without
//! `authorizerResultTtlInSeconds` answers without it; the data plane applies AWS's default
//! of 300 s). The Authorizer reference gives the per-type requirements: `authorizerUri` for
//! TOKEN/REQUEST, `providerARNs` for COGNITO_USER_POOLS, `identitySource` for TOKEN and
//! COGNITO_USER_POOLS, and for REQUEST whenever caching is on; a TTL of at most 3600.

use axum::extract::Path;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;

use apigw_model::{ids, ApiError, Arn, Authorizer, Resource};
use apigw_store::typed;

use crate::error::{Error, Result};
use crate::extract::{AwsJson, Call};
use crate::family::{self, Family};
use crate::lookup;
use crate::patch::{self, Op, PatchInput, PatchOp};
use crate::validate::Failures;
use crate::{reply, AppState};

/// Routes of this family.
pub fn routes() -> Router<AppState> {
    family::api_routes::<Authorizer>(
        "authorizers",
        "authorizer_id",
        post(create_authorizer),
        get(get_authorizer)
            .patch(update_authorizer)
            .delete(delete_authorizer),
    )
}

/// AWS's authorizer types, in botocore's order.
pub const TYPES: &[&str] = &["TOKEN", "REQUEST", "COGNITO_USER_POOLS"];

/// The longest `authorizerResultTtlInSeconds` AWS accepts (one hour).
pub const MAX_TTL: i64 = 3600;

/// The TTL AWS applies when none is set (Authorizer reference).
pub const DEFAULT_TTL: i64 = 300;

/// What the TOKEN and COGNITO_USER_POOLS identity source must look like.
const HEADER_SOURCE: &str = "method.request.header.";

/// Where a REQUEST authorizer's identity sources may come from.
const REQUEST_SOURCES: &[&str] = &[
    "method.request.header.",
    "method.request.querystring.",
    "stageVariables.",
    "context.",
];

/// Whether an authorizer may serve a method of `authorization_type`: CUSTOM takes a Lambda
/// authorizer (TOKEN or REQUEST), COGNITO_USER_POOLS a Cognito one.
pub fn serves(a: &Authorizer, authorization_type: &str) -> bool {
    match authorization_type {
        "CUSTOM" => a.authorizer_type == "TOKEN" || a.authorizer_type == "REQUEST",
        "COGNITO_USER_POOLS" => a.authorizer_type == "COGNITO_USER_POOLS",
        _ => false,
    }
}

impl Family for Authorizer {
    fn not_found(_: &str) -> Error {
        // moto and LocalStack both answer this text, modelled on AWS's.
        ApiError::not_found("Invalid Authorizer identifier specified").into()
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateInput {
    name: Option<String>,
    #[serde(rename = "type")]
    authorizer_type: Option<String>,
    #[serde(rename = "providerARNs")]
    provider_arns: Option<Vec<String>>,
    auth_type: Option<String>,
    authorizer_uri: Option<String>,
    authorizer_credentials: Option<String>,
    identity_source: Option<String>,
    identity_validation_expression: Option<String>,
    authorizer_result_ttl_in_seconds: Option<i64>,
}

/// The model's constraints (required `name` and `type`, `type` in its enum), all reported in
/// one `ValidationException` as AWS does.
fn check_model(input: &CreateInput) -> Result<()> {
    let mut f = Failures::default();
    if input.name.is_none() {
        f.null("createAuthorizerInput.name");
    }
    match input.authorizer_type.as_deref() {
        None => f.null("createAuthorizerInput.type"),
        t => f.check_enum(t, "createAuthorizerInput.type", TYPES),
    }
    Ok(f.finish()?)
}

/// A Lambda authorizer's URI must be an API Gateway service ARN
/// (`arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{arn}/invocations`).
fn valid_uri(uri: &str) -> bool {
    Arn::parse(uri).is_some_and(|a| {
        !a.partition.is_empty()
            && a.service == "apigateway"
            && !a.region.is_empty()
            && !a.account.is_empty()
            && !a.resource.is_empty()
    })
}

fn valid_header_source(s: &str) -> bool {
    s.strip_prefix(HEADER_SOURCE).is_some_and(|h| {
        !h.is_empty()
            && h.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
    })
}

/// Check an authorizer as a whole, after CreateAuthorizer built it or UpdateAuthorizer patched
/// it: the members its type needs, and their forms.
///
/// # Errors
/// `BadRequestException` naming the first problem.
pub fn check(a: &Authorizer) -> Result<()> {
    let bad = |m: String| -> Result<()> { Err(ApiError::bad_request(m).into()) };
    if a.name.is_empty() {
        return bad("Invalid authorizer name specified".into());
    }
    if !TYPES.contains(&a.authorizer_type.as_str()) {
        return bad(format!(
            "Invalid authorizer type specified. Valid options are {}",
            TYPES.join(",")
        ));
    }
    if let Some(ttl) = a.authorizer_result_ttl_in_seconds {
        if !(0..=MAX_TTL).contains(&ttl) {
            return bad(format!(
                "Invalid value for authorizerResultTtlInSeconds: {ttl}. It must be between 0 and {MAX_TTL}"
            ));
        }
    }
    let lambda = a.authorizer_type != "COGNITO_USER_POOLS";
    if lambda {
        match a.authorizer_uri.as_deref() {
            None | Some("") => {
                return bad(format!(
                    "Authorizer URI is required for authorizers of type {}",
                    a.authorizer_type
                ))
            }
            // The wording AWS gives through CloudFormation for a Lambda ARN sent as the URI.
            Some(uri) if !valid_uri(uri) => {
                return bad(format!(
                    "Invalid Authorizer URI: {uri}. Authorizer URI should be a valid API Gateway ARN that represents a Lambda function invocation."
                ))
            }
            Some(_) => {}
        }
    } else if a.provider_arns.as_ref().is_none_or(|p| p.is_empty()) {
        return bad("Provider ARNs are required for authorizers of type COGNITO_USER_POOLS".into());
    }
    let source = a.identity_source.as_deref().filter(|s| !s.is_empty());
    match a.authorizer_type.as_str() {
        "REQUEST" => {
            let caching = a.authorizer_result_ttl_in_seconds.unwrap_or(DEFAULT_TTL) > 0;
            match source {
                None if caching => {
                    return bad(
                        "Identity source is required for authorizers of type REQUEST when authorization caching is enabled".into(),
                    )
                }
                None => {}
                Some(s) => {
                    for part in s.split(',').map(str::trim) {
                        let ok = REQUEST_SOURCES
                            .iter()
                            .any(|p| part.strip_prefix(p).is_some_and(|n| !n.is_empty()));
                        if !ok {
                            return bad(format!("Invalid identity source expression: {part}"));
                        }
                    }
                }
            }
        }
        t => match source {
            None => {
                return bad(format!(
                    "Identity source is required for authorizers of type {t}"
                ))
            }
            // AWS's message (quoted by serverless/serverless#4428).
            Some(s) if !valid_header_source(s) => {
                return bad(format!(
                    "Invalid token source expression: {s}. The source must be a method request header, matching 'method.request.header.[a-zA-Z0-9._-]+'."
                ))
            }
            Some(_) => {}
        },
    }
    if let Some(expr) = a.identity_validation_expression.as_deref() {
        if regex::Regex::new(expr).is_err() {
            return bad(format!("Invalid identity validation expression: {expr}"));
        }
    }
    Ok(())
}

/// Build the authorizer of a CreateAuthorizer call (empty optional members are not kept).
fn from_create(id: String, input: CreateInput) -> Authorizer {
    let keep = |v: Option<String>| v.filter(|s| !s.is_empty());
    Authorizer {
        id,
        name: input.name.unwrap_or_default(),
        authorizer_type: input.authorizer_type.unwrap_or_default(),
        provider_arns: input.provider_arns.filter(|p| !p.is_empty()),
        auth_type: keep(input.auth_type),
        authorizer_uri: keep(input.authorizer_uri),
        authorizer_credentials: keep(input.authorizer_credentials),
        identity_source: keep(input.identity_source),
        identity_validation_expression: keep(input.identity_validation_expression),
        authorizer_result_ttl_in_seconds: input.authorizer_result_ttl_in_seconds,
    }
}

async fn create_authorizer(
    Call { st, scope }: Call,
    Path(api_id): Path<String>,
    AwsJson(input): AwsJson<CreateInput>,
) -> Result<Response> {
    check_model(&input)?;
    let a = from_create(ids::short_id(), input);
    check(&a)?;
    let mut tx = st.store.write().await?;
    if lookup::rest_api(&mut tx, &scope, &api_id).await.is_err() {
        // Recorded (test_authorizer_crud_no_api `wrong-rest-api-id-create-authorizer`).
        return Err(ApiError::conflict(
            "Unable to complete operation due to concurrent modification. Please try again later.",
        )
        .into());
    }
    typed::insert(&mut tx, &scope, &api_id, &a.id, &a).await?;
    tx.commit().await?;
    reply::created(&a)
}

async fn get_authorizer(
    Call { st, scope }: Call,
    Path((api_id, id)): Path<(String, String)>,
) -> Result<Response> {
    let mut c = st.store.read().await?;
    lookup::rest_api(&mut c, &scope, &api_id).await?;
    reply::ok(&family::load::<Authorizer>(&mut c, &scope, &api_id, &id).await?)
}

/// The paths UpdateAuthorizer replaces (AWS's patch-operations reference).
const REPLACE_PATHS: &[&str] = &[
    "/name",
    "/type",
    "/authType",
    "/authorizerUri",
    "/authorizerCredentials",
    "/identitySource",
    "/identityValidationExpression",
    "/authorizerResultTtlInSeconds",
    "/providerARNs/{arn}",
];

/// The ARN an op on `providerARNs` names: the rest of the path (an ARN's own `/` may come
/// escaped as `~1` or not), else the value.
fn arn_of(op: &PatchOp, rest: &[&str]) -> Result<String> {
    if rest.is_empty() || rest.iter().all(|s| s.is_empty()) {
        Ok(op.value()?.to_string())
    } else {
        Ok(rest.join("/"))
    }
}

/// Apply UpdateAuthorizer's patch operations to a copy, then check the result as a whole
/// (pure, so it is tested without a server).
///
/// # Errors
/// AWS's patch answers (`invalid_path` for a replace outside [`REPLACE_PATHS`],
/// `unsupported_op` for other ops), or what [`check`] refuses; the authorizer is unchanged.
pub fn apply_patch(a: &Authorizer, ops: &[PatchOp]) -> Result<Authorizer> {
    let mut a = a.clone();
    patch::each(ops, |op, segs| {
        match (op.op, segs) {
            (Op::Replace, ["name"]) => a.name = op.value.clone().unwrap_or_default(),
            (Op::Replace, ["type"]) => a.authorizer_type = op.value.clone().unwrap_or_default(),
            (Op::Replace, ["authType"]) => a.auth_type = op.value_or_clear(),
            (Op::Replace, ["authorizerUri"]) => a.authorizer_uri = op.value_or_clear(),
            (Op::Replace, ["authorizerCredentials"]) => {
                a.authorizer_credentials = op.value_or_clear()
            }
            (Op::Replace, ["identitySource"]) => a.identity_source = op.value_or_clear(),
            (Op::Replace, ["identityValidationExpression"]) => {
                a.identity_validation_expression = op.value_or_clear()
            }
            (Op::Replace, ["authorizerResultTtlInSeconds"]) => {
                a.authorizer_result_ttl_in_seconds = match op.value.as_deref() {
                    None | Some("") => None,
                    Some(_) => Some(op.int_value()?),
                }
            }
            (Op::Add, ["providerARNs", rest @ ..]) => {
                let arn = arn_of(op, rest)?;
                let list = a.provider_arns.get_or_insert_with(Vec::new);
                if !list.contains(&arn) {
                    list.push(arn);
                }
            }
            (Op::Remove, ["providerARNs", rest @ ..]) => {
                let arn = arn_of(op, rest)?;
                if let Some(list) = &mut a.provider_arns {
                    list.retain(|p| *p != arn);
                }
            }
            (Op::Replace, ["providerARNs", rest @ ..]) if !rest.is_empty() => {
                let old = rest.join("/");
                let new = op.value()?.to_string();
                let list = a.provider_arns.get_or_insert_with(Vec::new);
                list.retain(|p| *p != old && *p != new);
                list.push(new);
            }
            (Op::Replace, _) => return Err(op.invalid_path(REPLACE_PATHS)),
            _ => return Err(op.unsupported_op()),
        }
        Ok(())
    })?;
    a.provider_arns = a.provider_arns.filter(|p| !p.is_empty());
    check(&a)?;
    Ok(a)
}

async fn update_authorizer(
    Call { st, scope }: Call,
    Path((api_id, id)): Path<(String, String)>,
    AwsJson(input): AwsJson<PatchInput>,
) -> Result<Response> {
    let ops = patch::parse(input, "updateAuthorizerInput")?;
    let mut tx = st.write_in_api(&scope, &api_id).await?;
    let current: Authorizer = family::load(&mut tx, &scope, &api_id, &id).await?;
    let a = apply_patch(&current, &ops)?;
    if a.authorizer_type != current.authorizer_type {
        // A method must keep an authorizer of its own kind (CUSTOM ↔ TOKEN/REQUEST,
        // COGNITO_USER_POOLS ↔ COGNITO_USER_POOLS).
        let resources: Vec<Resource> = typed::list(&mut tx, &scope, &api_id).await?;
        if let Some((verb, path, auth)) = first_user(&resources, &id) {
            if !serves(&a, &auth) {
                return Err(ApiError::conflict(format!(
                    "Cannot change the type of authorizer '{}', is referenced in method: {verb} {path}",
                    current.name
                ))
                .into());
            }
        }
    }
    typed::update(&mut tx, &scope, &api_id, &id, &a).await?;
    tx.commit().await?;
    reply::ok(&a)
}

/// The first method that uses authorizer `id`: (verb, resource path, authorization type).
fn first_user(resources: &[Resource], id: &str) -> Option<(String, String, String)> {
    resources.iter().find_map(|r| {
        r.resource_methods
            .iter()
            .flatten()
            .find(|(_, m)| m.authorizer_id.as_deref() == Some(id))
            .map(|(verb, m)| (verb.clone(), r.path.clone(), m.authorization_type.clone()))
    })
}

async fn delete_authorizer(
    Call { st, scope }: Call,
    Path((api_id, id)): Path<(String, String)>,
) -> Result<Response> {
    let mut tx = st.write_in_api(&scope, &api_id).await?;
    let a: Authorizer = family::load(&mut tx, &scope, &api_id, &id).await?;
    let resources: Vec<Resource> = typed::list(&mut tx, &scope, &api_id).await?;
    if let Some((verb, path, _)) = first_user(&resources, &id) {
        // AWS answers 409 here; the wording is the one API Gateway gives for an HTTP API's
        // authorizer still used by a route, with "method" for "route".
        return Err(ApiError::conflict(format!(
            "Cannot delete authorizer '{}', is referenced in method: {verb} {path}",
            a.name
        ))
        .into());
    }
    typed::delete::<Authorizer>(&mut tx, &scope, &api_id, &id).await?;
    tx.commit().await?;
    reply::accepted()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::patch::ops;

    const URI: &str = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:auth/invocations";
    const POOL: &str = "arn:aws:cognito-idp:us-east-1:000000000000:userpool/us-east-1_abc";

    fn token() -> Authorizer {
        Authorizer {
            id: "abc123".into(),
            name: "auth".into(),
            authorizer_type: "TOKEN".into(),
            authorizer_uri: Some(URI.into()),
            identity_source: Some("method.request.header.Authorization".into()),
            ..Default::default()
        }
    }

    fn message(r: Result<Authorizer>) -> String {
        r.unwrap_err().0.message
    }

    fn input(v: serde_json::Value) -> CreateInput {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn model_constraints_are_reported_together() {
        let e = check_model(&input(serde_json::json!({}))).unwrap_err().0;
        assert_eq!(e.kind.code(), "ValidationException");
        assert_eq!(e.message, "2 validation errors detected: Value null at 'createAuthorizerInput.name' failed to satisfy constraint: Member must not be null; Value null at 'createAuthorizerInput.type' failed to satisfy constraint: Member must not be null");
        let e = check_model(&input(serde_json::json!({"name": "a", "type": "LAMBDA"})))
            .unwrap_err()
            .0;
        assert_eq!(e.message, "1 validation error detected: Value 'LAMBDA' at 'createAuthorizerInput.type' failed to satisfy constraint: Member must satisfy enum value set: [TOKEN, REQUEST, COGNITO_USER_POOLS]");
        assert!(check_model(&input(serde_json::json!({"name": "a", "type": "TOKEN"}))).is_ok());
    }

    #[test]
    fn create_keeps_what_was_sent_and_no_default_ttl() {
        // Recorded (test_apigateway_with_custom_authorization_method): no TTL sent, none shown.
        let a = from_create(
            "x".into(),
            input(serde_json::json!({
                "name": "lambda_authorizer", "type": "TOKEN", "authType": "custom",
                "authorizerUri": URI, "identitySource": "method.request.header.Auth",
                "providerARNs": []
            })),
        );
        check(&a).unwrap();
        let v = serde_json::to_value(&a).unwrap();
        assert_eq!(
            v,
            serde_json::json!({
                "id": "x", "name": "lambda_authorizer", "type": "TOKEN", "authType": "custom",
                "authorizerUri": URI, "identitySource": "method.request.header.Auth"
            })
        );
        let c = Authorizer {
            authorizer_type: "COGNITO_USER_POOLS".into(),
            authorizer_uri: None,
            provider_arns: Some(vec![POOL.into()]),
            ..token()
        };
        check(&c).unwrap();
        assert_eq!(serde_json::to_value(&c).unwrap()["providerARNs"][0], POOL);
    }

    #[test]
    fn per_type_requirements() {
        let err = |a: Authorizer| check(&a).unwrap_err().0.message;
        assert_eq!(
            err(Authorizer {
                authorizer_uri: None,
                ..token()
            }),
            "Authorizer URI is required for authorizers of type TOKEN"
        );
        assert!(err(Authorizer {
            authorizer_uri: Some("arn:aws:lambda:us-east-1:1:function:f".into()),
            ..token()
        })
        .starts_with("Invalid Authorizer URI: arn:aws:lambda:us-east-1:1:function:f."));
        assert_eq!(
            err(Authorizer {
                identity_source: None,
                ..token()
            }),
            "Identity source is required for authorizers of type TOKEN"
        );
        assert_eq!(
            err(Authorizer {
                identity_source: Some("method.request.querystring.key".into()),
                ..token()
            }),
            "Invalid token source expression: method.request.querystring.key. The source must be a method request header, matching 'method.request.header.[a-zA-Z0-9._-]+'."
        );
        for ttl in [-1, 3601] {
            assert!(err(Authorizer {
                authorizer_result_ttl_in_seconds: Some(ttl),
                ..token()
            })
            .contains("between 0 and 3600"));
        }
        assert_eq!(
            err(Authorizer {
                authorizer_type: "COGNITO_USER_POOLS".into(),
                ..token()
            }),
            "Provider ARNs are required for authorizers of type COGNITO_USER_POOLS"
        );
        assert!(err(Authorizer {
            identity_validation_expression: Some("(".into()),
            ..token()
        })
        .starts_with("Invalid identity validation expression"));
        // REQUEST: identity source needed only while caching is on (default TTL 300).
        let request = Authorizer {
            authorizer_type: "REQUEST".into(),
            identity_source: None,
            ..token()
        };
        assert!(err(request.clone()).starts_with("Identity source is required"));
        check(&Authorizer {
            authorizer_result_ttl_in_seconds: Some(0),
            ..request.clone()
        })
        .unwrap();
        check(&Authorizer {
            identity_source: Some(
                "method.request.header.A, method.request.querystring.q,stageVariables.s,context.c"
                    .into(),
            ),
            ..request.clone()
        })
        .unwrap();
        assert_eq!(
            err(Authorizer {
                identity_source: Some("method.request.header.A,body.x".into()),
                ..request
            }),
            "Invalid identity source expression: body.x"
        );
    }

    #[test]
    fn patch_replaces_and_checks_the_result() {
        let a = apply_patch(
            &token(),
            &ops(&[
                ("replace", "/name", Some("renamed")),
                ("replace", "/authorizerResultTtlInSeconds", Some("60")),
                (
                    "replace",
                    "/identityValidationExpression",
                    Some("^Bearer .+$"),
                ),
                ("replace", "/authType", Some("custom")),
                (
                    "replace",
                    "/authorizerCredentials",
                    Some("arn:aws:iam::1:role/r"),
                ),
            ]),
        )
        .unwrap();
        assert_eq!(a.name, "renamed");
        assert_eq!(a.authorizer_result_ttl_in_seconds, Some(60));
        assert_eq!(a.auth_type.as_deref(), Some("custom"));
        // Clearing an optional member drops it.
        let a = apply_patch(&a, &ops(&[("replace", "/authType", None)])).unwrap();
        assert!(a.auth_type.is_none());
        // TOKEN → REQUEST keeps its header source; REQUEST may then use several sources.
        let r = apply_patch(
            &a,
            &ops(&[
                ("replace", "/type", Some("REQUEST")),
                (
                    "replace",
                    "/identitySource",
                    Some("method.request.header.A,method.request.querystring.b"),
                ),
            ]),
        )
        .unwrap();
        assert_eq!(r.authorizer_type, "REQUEST");
    }

    #[test]
    fn patch_provider_arns_and_refusals() {
        let c = Authorizer {
            authorizer_type: "COGNITO_USER_POOLS".into(),
            authorizer_uri: None,
            provider_arns: Some(vec![POOL.into()]),
            ..token()
        };
        let other = "arn:aws:cognito-idp:us-east-1:000000000000:userpool/us-east-1_xyz";
        let c2 = apply_patch(&c, &ops(&[("add", "/providerARNs", Some(other))])).unwrap();
        assert_eq!(c2.provider_arns.as_ref().unwrap().len(), 2);
        let escaped = format!("/providerARNs/{}", POOL.replace('/', "~1"));
        let c3 = apply_patch(&c2, &ops(&[("remove", &escaped, None)])).unwrap();
        assert_eq!(c3.provider_arns.as_deref(), Some(&[other.to_string()][..]));
        // Unescaped works too, and replace swaps one pool for another.
        let c3 = apply_patch(
            &c2,
            &ops(&[("remove", &format!("/providerARNs/{POOL}"), None)]),
        )
        .unwrap();
        assert_eq!(c3.provider_arns.as_deref(), Some(&[other.to_string()][..]));
        // Removing the last pool leaves a Cognito authorizer without one: refused.
        assert_eq!(
            message(apply_patch(
                &c3,
                &ops(&[("remove", "/providerARNs", Some(other))])
            )),
            "Provider ARNs are required for authorizers of type COGNITO_USER_POOLS"
        );
        assert_eq!(
            message(apply_patch(&token(), &ops(&[("replace", "/id", Some("x"))]))),
            "Invalid patch path  '/id' specified for op 'replace'. Must be one of: [/name, /type, /authType, /authorizerUri, /authorizerCredentials, /identitySource, /identityValidationExpression, /authorizerResultTtlInSeconds, /providerARNs/{arn}]"
        );
        assert_eq!(
            message(apply_patch(&token(), &ops(&[("add", "/name", Some("x"))]))),
            "Invalid patch path  '/name' specified for op 'add'. Please choose supported operations"
        );
        assert_eq!(
            message(apply_patch(
                &token(),
                &ops(&[("replace", "/type", Some("LAMBDA"))])
            )),
            "Invalid authorizer type specified. Valid options are TOKEN,REQUEST,COGNITO_USER_POOLS"
        );
        assert_eq!(
            message(apply_patch(
                &token(),
                &ops(&[("replace", "/name", Some(""))])
            )),
            "Invalid authorizer name specified"
        );
        assert_eq!(
            message(apply_patch(
                &token(),
                &ops(&[("replace", "/authorizerResultTtlInSeconds", Some("abc"))])
            )),
            "Invalid integer value: abc"
        );
    }

    #[test]
    fn serves_matching_kinds() {
        let c = Authorizer {
            authorizer_type: "COGNITO_USER_POOLS".into(),
            ..token()
        };
        assert!(serves(&token(), "CUSTOM"));
        assert!(!serves(&token(), "COGNITO_USER_POOLS"));
        assert!(serves(&c, "COGNITO_USER_POOLS"));
        assert!(!serves(&c, "CUSTOM"));
        assert!(!serves(&token(), "NONE"));
    }
}

//! Gateway responses: PutGatewayResponse, GetGatewayResponse, GetGatewayResponses,
//! UpdateGatewayResponse, DeleteGatewayResponse
//! ([AWS reference](https://docs.aws.amazon.com/apigateway/latest/api/API_GatewayResponse.html)).
//!
//! Only customised types are stored (one document per type, parent = the API id, id = the
//! type). Reads show every other type as AWS's default (`defaultResponse: true`); an
//! uncustomised 4xx/5xx type shows what a customised DEFAULT_4XX/DEFAULT_5XX gives it, still
//! flagged as a default, exactly as recorded in test_apigateway_api.snapshot.json
//! (test_gateway_response_put). Changes reach the data plane with the next deployment, which
//! freezes the stored documents ([`crate::deployments::freeze`]).

use axum::extract::Path;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use serde::Deserialize;

use apigw_model::gateway_response::{TYPES, VALIDATION_ORDER};
use apigw_model::{ApiError, GatewayResponse, StringMap};
use apigw_store::typed;

use crate::error::{Error, Result};
use crate::extract::{AwsJson, Call};
use crate::paging::{paginate, PageQuery};
use crate::patch::{self, Op, PatchInput, PatchOp};
use crate::{family, lookup};
use crate::{reply, AppState};

/// Routes of this family.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/restapis/{restapi_id}/gatewayresponses",
            get(family::list_in_api::<GatewayResponse, PageQuery>),
        )
        .route(
            "/restapis/{restapi_id}/gatewayresponses/{response_type}",
            get(get_gateway_response)
                .put(put_gateway_response)
                .patch(update_gateway_response)
                .delete(delete_gateway_response),
        )
}

/// Check a `responseType` path member.
///
/// # Errors
/// AWS's enum `ValidationException`, listing the types in AWS's own order (recorded in
/// test_gateway_response_validation).
pub fn check_type(response_type: &str) -> Result<()> {
    if TYPES.iter().any(|(n, _)| *n == response_type) {
        return Ok(());
    }
    Err(ApiError::validation(
        response_type,
        "responseType",
        &ApiError::enum_constraint(&VALIDATION_ORDER),
    )
    .into())
}

fn not_defined() -> Error {
    ApiError::not_found("Gateway response type not defined on api").into()
}

/// What a type shows: its customisation, else what the customised DEFAULT_4XX/DEFAULT_5XX of
/// its status class gives it (its own status when that one sets none), else AWS's default.
pub fn effective(custom: &[GatewayResponse], response_type: &str) -> Option<GatewayResponse> {
    if let Some(c) = custom.iter().find(|g| g.response_type == response_type) {
        return Some(c.clone());
    }
    let fallback = GatewayResponse::fallback_of(response_type)
        .and_then(|f| custom.iter().find(|g| g.response_type == f));
    match fallback {
        Some(f) => Some(GatewayResponse {
            response_type: response_type.to_string(),
            status_code: f
                .status_code
                .clone()
                .or_else(|| GatewayResponse::default_status(response_type).map(str::to_string)),
            response_parameters: f.response_parameters.clone(),
            response_templates: f.response_templates.clone(),
            default_response: true,
        }),
        None => GatewayResponse::aws_default(response_type),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PutInput {
    status_code: Option<String>,
    response_parameters: Option<StringMap>,
    response_templates: Option<StringMap>,
}

/// Build the stored document of a PutGatewayResponse: absent members take the type's own
/// defaults, never DEFAULT_4XX/5XX's (recorded: put-gateway-response-default-ignored).
fn from_put(response_type: &str, input: PutInput) -> GatewayResponse {
    customised(
        response_type,
        input.status_code,
        input.response_parameters,
        input.response_templates,
    )
}

/// A customised response: the type's default with what was given in its place (an empty
/// status or template map keeps the default's).
pub(crate) fn customised(
    response_type: &str,
    status_code: Option<String>,
    parameters: Option<StringMap>,
    templates: Option<StringMap>,
) -> GatewayResponse {
    let mut g = GatewayResponse::aws_default(response_type).unwrap_or_default();
    g.default_response = false;
    if let Some(s) = status_code.filter(|s| !s.is_empty()) {
        g.status_code = Some(s);
    }
    if let Some(p) = parameters {
        g.response_parameters = p;
    }
    if let Some(t) = templates.filter(|t| !t.is_empty()) {
        g.response_templates = t;
    }
    g
}

async fn put_gateway_response(
    Call { st, scope }: Call,
    Path((api_id, response_type)): Path<(String, String)>,
    AwsJson(input): AwsJson<PutInput>,
) -> Result<Response> {
    check_type(&response_type)?;
    let g = from_put(&response_type, input);
    let mut tx = st.write_in_api(&scope, &api_id).await?;
    typed::upsert(&mut tx, &scope, &api_id, &response_type, &g).await?;
    tx.commit().await?;
    reply::created(&g)
}

async fn get_gateway_response(
    Call { st, scope }: Call,
    Path((api_id, response_type)): Path<(String, String)>,
) -> Result<Response> {
    check_type(&response_type)?;
    let mut c = st.store.read().await?;
    let custom: Vec<GatewayResponse> = lookup::api_documents(&mut c, &scope, &api_id).await?;
    let g = effective(&custom, &response_type).ok_or_else(not_defined)?;
    reply::ok(&g)
}

/// GetGatewayResponses lists every type: the customised ones as stored, the others as AWS's
/// defaults.
impl family::Shown<PageQuery> for GatewayResponse {
    fn shown(custom: Vec<Self>, q: &PageQuery) -> Result<Response> {
        let all: Vec<GatewayResponse> = TYPES
            .iter()
            .filter_map(|(n, _)| effective(&custom, n))
            .collect();
        reply::ok(&paginate(all, q)?)
    }
}

/// The value of an op that sets a map entry, or AWS's error for a null one.
fn map_value(op: &PatchOp, member: &str) -> Result<String> {
    op.value_or_clear().ok_or_else(|| {
        ApiError::bad_request(format!("Invalid null or empty value in {member}")).into()
    })
}

fn invalid_parameter() -> Error {
    ApiError::not_found(patch::MISSING_PARAMETER).into()
}

/// Apply one op to a map member (`responseParameters` / `responseTemplates`): `add` sets,
/// `replace` sets an existing key, `remove` drops an existing key.
fn patch_map(map: &mut StringMap, op: &PatchOp, member: &str, key: &str) -> Result<()> {
    match op.op {
        Op::Add => {
            map.insert(key.to_string(), map_value(op, member)?);
        }
        Op::Replace => {
            let v = map_value(op, member)?;
            // Recorded (update-gateway-replace-invalid-parameter): replacing a parameter the
            // response does not have is a 404.
            let slot = map.get_mut(key).ok_or_else(invalid_parameter)?;
            *slot = v;
        }
        Op::Remove => {
            map.remove(key).ok_or_else(invalid_parameter)?;
        }
        _ => return Err(op.invalid_path_short()),
    }
    Ok(())
}

/// Apply UpdateGatewayResponse's patch operations (pure, so it is tested without a server).
///
/// # Errors
/// AWS's answers recorded in test_update_gateway_response: "Invalid patch path {path}" (also
/// `null` when no path was sent, and for add/remove of `/statusCode`), "Invalid null or empty
/// value in {member}", 404 "Invalid parameter name specified".
pub fn apply_patch(g: &mut GatewayResponse, ops: &[PatchOp]) -> Result<()> {
    patch::each(ops, |op, segs| {
        if op.path.is_empty() {
            return Err(ApiError::bad_request("Invalid patch path null").into());
        }
        match segs {
            ["statusCode"] if op.op == Op::Replace => {
                let v = op.value_or_clear().ok_or_else(|| {
                    Error::from(ApiError::bad_request(
                        "Invalid null or empty value in statusCode",
                    ))
                })?;
                g.status_code = Some(v);
            }
            ["responseParameters", key] if !key.is_empty() => {
                patch_map(&mut g.response_parameters, op, "responseParameters", key)?;
            }
            ["responseTemplates", key] if !key.is_empty() => {
                patch_map(&mut g.response_templates, op, "responseTemplates", key)?;
            }
            _ => return Err(op.invalid_path_short()),
        }
        Ok(())
    })
}

async fn update_gateway_response(
    Call { st, scope }: Call,
    Path((api_id, response_type)): Path<(String, String)>,
    AwsJson(input): AwsJson<PatchInput>,
) -> Result<Response> {
    check_type(&response_type)?;
    let ops = patch::parse(input, "updateGatewayResponseInput")?;
    let mut tx = st.write_in_api(&scope, &api_id).await?;
    // Updating a type that was never customised customises it, starting from its own default
    // (recorded: update-gateway-response-not-set).
    let mut g =
        match typed::get::<GatewayResponse>(&mut tx, &scope, &api_id, &response_type).await? {
            Some(g) => g,
            None => GatewayResponse::aws_default(&response_type).unwrap_or_default(),
        };
    g.default_response = false;
    apply_patch(&mut g, &ops)?;
    typed::upsert(&mut tx, &scope, &api_id, &response_type, &g).await?;
    tx.commit().await?;
    reply::ok(&g)
}

async fn delete_gateway_response(
    Call { st, scope }: Call,
    Path((api_id, response_type)): Path<(String, String)>,
) -> Result<Response> {
    check_type(&response_type)?;
    let mut tx = st.write_in_api(&scope, &api_id).await?;
    if !typed::delete::<GatewayResponse>(&mut tx, &scope, &api_id, &response_type).await? {
        return Err(not_defined());
    }
    tx.commit().await?;
    reply::accepted()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::patch::ops;

    fn message(r: Result<()>) -> String {
        r.unwrap_err().0.message
    }

    #[test]
    fn unknown_type_lists_aws_order() {
        // test_gateway_response_validation
        assert_eq!(message(check_type("FAKE_RESPONSE_TYPE")), "1 validation error detected: Value 'FAKE_RESPONSE_TYPE' at 'responseType' failed to satisfy constraint: Member must satisfy enum value set: [REQUEST_TOO_LARGE, RESOURCE_NOT_FOUND, AUTHORIZER_CONFIGURATION_ERROR, MISSING_AUTHENTICATION_TOKEN, BAD_REQUEST_BODY, INVALID_SIGNATURE, INVALID_API_KEY, BAD_REQUEST_PARAMETERS, AUTHORIZER_FAILURE, UNAUTHORIZED, INTEGRATION_TIMEOUT, ACCESS_DENIED, DEFAULT_4XX, DEFAULT_5XX, WAF_FILTERED, QUOTA_EXCEEDED, THROTTLED, API_CONFIGURATION_ERROR, UNSUPPORTED_MEDIA_TYPE, INTEGRATION_FAILURE, EXPIRED_TOKEN]");
        assert!(check_type("DEFAULT_4XX").is_ok());
    }

    #[test]
    fn put_defaults_and_inheritance() {
        // test_gateway_response_put: absent members take the type's own defaults.
        let five = from_put(
            "DEFAULT_5XX",
            PutInput {
                status_code: Some("599".into()),
                response_parameters: Some(
                    [("gatewayresponse.header.x".to_string(), "'y'".to_string())].into(),
                ),
                response_templates: None,
            },
        );
        let auth = from_put("AUTHORIZER_FAILURE", PutInput::default());
        assert_eq!(auth.status_code.as_deref(), Some("500"));
        assert!(!auth.default_response);
        let custom = vec![five, auth];
        // 5xx types inherit DEFAULT_5XX, still flagged as defaults.
        let t = effective(&custom, "INTEGRATION_TIMEOUT").unwrap();
        assert_eq!(t.status_code.as_deref(), Some("599"));
        assert!(t.default_response);
        assert_eq!(t.response_parameters.len(), 1);
        // A customised one keeps its own; 4xx types are untouched.
        assert_eq!(
            effective(&custom, "AUTHORIZER_FAILURE")
                .unwrap()
                .status_code
                .as_deref(),
            Some("500")
        );
        let m = effective(&custom, "MISSING_AUTHENTICATION_TOKEN").unwrap();
        assert_eq!(
            m,
            GatewayResponse::aws_default("MISSING_AUTHENTICATION_TOKEN").unwrap()
        );
        assert_eq!(effective(&[], "DEFAULT_4XX").unwrap().status_code, None);
    }

    #[test]
    fn patch_ops() {
        // test_update_gateway_response
        let mut g = GatewayResponse::aws_default("DEFAULT_4XX").unwrap();
        g.response_parameters.insert(
            "gatewayresponse.header.Access-Control-Allow-Origin".into(),
            "'a.b.c'".into(),
        );
        apply_patch(
            &mut g,
            &ops(&[
                ("replace", "/statusCode", Some("444")),
                (
                    "replace",
                    "/responseParameters/gatewayresponse.header.Access-Control-Allow-Origin",
                    Some("'example.com'"),
                ),
                ("add", "/responseTemplates/application~1xml", Some("<m/>")),
            ]),
        )
        .unwrap();
        assert_eq!(g.status_code.as_deref(), Some("444"));
        assert_eq!(
            g.response_parameters["gatewayresponse.header.Access-Control-Allow-Origin"],
            "'example.com'"
        );
        assert_eq!(g.response_templates["application/xml"], "<m/>");

        let mut g2 = g.clone();
        assert_eq!(
            message(apply_patch(
                &mut g2,
                &ops(&[("add", "/statusCode", Some("444"))])
            )),
            "Invalid patch path /statusCode"
        );
        assert_eq!(
            message(apply_patch(
                &mut g2,
                &ops(&[("remove", "/statusCode", None)])
            )),
            "Invalid patch path /statusCode"
        );
        assert_eq!(
            message(apply_patch(&mut g2, &ops(&[("add", "", Some("x"))]))),
            "Invalid patch path null"
        );
        assert_eq!(
            message(apply_patch(
                &mut g2,
                &ops(&[("add", "/wrongPath", Some("x"))])
            )),
            "Invalid patch path /wrongPath"
        );
        assert_eq!(
            message(apply_patch(
                &mut g2,
                &ops(&[("replace", "/responseTemplates/application~1xml", None)])
            )),
            "Invalid null or empty value in responseTemplates"
        );
        assert_eq!(
            message(apply_patch(
                &mut g2,
                &ops(&[(
                    "replace",
                    "/responseParameters/gatewayresponse.header.Access-Control-Allow-Origin",
                    None
                )])
            )),
            "Invalid null or empty value in responseParameters"
        );
        let e = apply_patch(
            &mut g2,
            &ops(&[(
                "replace",
                "/responseParameters/gatewayresponse.header.nope",
                Some("'x'"),
            )]),
        )
        .unwrap_err()
        .0;
        assert_eq!(
            (e.kind.code(), e.message.as_str()),
            ("NotFoundException", "Invalid parameter name specified")
        );
        apply_patch(
            &mut g2,
            &ops(&[("remove", "/responseTemplates/application~1xml", None)]),
        )
        .unwrap();
        assert!(!g2.response_templates.contains_key("application/xml"));
    }
}

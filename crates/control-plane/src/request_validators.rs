//! Request validators: CreateRequestValidator, GetRequestValidator, GetRequestValidators,
//! UpdateRequestValidator, DeleteRequestValidator
//! ([AWS reference](https://docs.aws.amazon.com/apigateway/latest/api/API_RequestValidator.html)).
//!
//! One document per validator (parent = the API id, id = the validator id). Methods name a
//! validator by id (`requestValidatorId`, checked by [`crate::methods`]); the data plane sees
//! the validators of a deployment through the snapshot ([`crate::deployments::freeze`], in
//! `documents.request_validators`), so a change takes effect with the next deployment.
//!
//! AWS's answers followed here are recorded in `test_apigateway_api.snapshot.json`
//! (`TestApiGatewayApiRequestValidator`): CreateRequestValidator on an unknown API is a 400
//! "Invalid REST API identifier specified", GetRequestValidators a 404 naming the API, while
//! Get/Delete on an unknown API answer the validator's own 404; both flags are always shown
//! (false by default); a replace without a value sets a flag to false.

use axum::extract::Path;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;

use apigw_model::{ids, ApiError, RequestValidator};
use apigw_store::typed;

use crate::error::{Error, Result};
use crate::extract::{AwsJson, Call};
use crate::family::{self, Family, Patched};
use crate::lookup;
use crate::patch::{self, Op, PatchOp};
use crate::wire::java_bool;
use crate::{reply, AppState};

/// Routes of this family.
pub fn routes() -> Router<AppState> {
    // Recorded (test_invalid_get_request_validators): the list answers the API's 404.
    // A validator a method names may be deleted: no recording shows that case and AWS
    // documents no conflict for it (unverified), so the method keeps the id and the data
    // plane treats an unknown validator as none.
    family::api_routes::<RequestValidator>(
        "requestvalidators",
        "requestvalidator_id",
        post(create_request_validator),
        get(family::get_in_api::<RequestValidator>)
            .patch(family::update_in_api::<RequestValidator>)
            .delete(family::delete_in_api::<RequestValidator, false>),
    )
}

impl Family for RequestValidator {
    /// AWS's 404 for an unknown validator, also when the API itself is unknown (recorded:
    /// test_invalid_get_request_validator, test_invalid_delete_request_validator).
    fn not_found(_: &str) -> Error {
        ApiError::not_found("Invalid Request Validator identifier specified").into()
    }
}

impl Patched for RequestValidator {
    const UPDATE_INPUT: &'static str = "updateRequestValidatorInput";
    fn patched(&self, ops: &[PatchOp]) -> Result<Self> {
        apply_patch(self, ops)
    }
}

/// AWS's answer to an empty name (recorded: test_invalid_update_request_validator_operations
/// `update-request-validator-empty-name-value`).
fn blank_name() -> Error {
    ApiError::bad_request("Request Validator name cannot be blank").into()
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateInput {
    name: Option<String>,
    validate_request_body: Option<bool>,
    validate_request_parameters: Option<bool>,
}

/// Build the validator of a CreateRequestValidator call: flags default to false.
///
/// # Errors
/// `BadRequestException` for a missing or blank name.
fn from_create(id: String, input: CreateInput) -> Result<RequestValidator> {
    let name = input
        .name
        .filter(|n| !n.trim().is_empty())
        .ok_or_else(blank_name)?;
    Ok(RequestValidator {
        id,
        name,
        validate_request_body: input.validate_request_body.unwrap_or(false),
        validate_request_parameters: input.validate_request_parameters.unwrap_or(false),
    })
}

async fn create_request_validator(
    Call { st, scope }: Call,
    Path(api_id): Path<String>,
    AwsJson(input): AwsJson<CreateInput>,
) -> Result<Response> {
    let mut tx = st.store.write().await?;
    if lookup::rest_api(&mut tx, &scope, &api_id).await.is_err() {
        // Recorded (test_validators_crud_no_api, test_create_request_validator_invalid_api_id).
        return Err(ApiError::bad_request("Invalid REST API identifier specified").into());
    }
    let v = from_create(ids::short_id(), input)?;
    typed::insert(&mut tx, &scope, &api_id, &v.id, &v).await?;
    tx.commit().await?;
    reply::created(&v)
}

/// The paths UpdateRequestValidator replaces, in the order AWS lists them (recorded:
/// test_invalid_update_request_validator_operations `update-request-validator-invalid-path`).
const REPLACE_PATHS: &[&str] = &[
    "/name",
    "/validateRequestParameters",
    "/validateRequestBody",
];

/// Apply UpdateRequestValidator's patch operations to a copy (pure, so it is tested without a
/// server).
///
/// # Errors
/// AWS's patch answers (`unsupported_op` for add/remove/…, `invalid_path` for a replace
/// elsewhere) or the blank-name refusal; the validator is unchanged.
pub fn apply_patch(v: &RequestValidator, ops: &[PatchOp]) -> Result<RequestValidator> {
    let mut v = v.clone();
    patch::each(ops, |op, segs| {
        match (op.op, segs) {
            (Op::Replace, ["name"]) => {
                v.name = op
                    .value
                    .clone()
                    .filter(|n| !n.trim().is_empty())
                    .ok_or_else(blank_name)?
            }
            // A missing value reads as false (recorded: `update-request-validator-without-value`).
            (Op::Replace, ["validateRequestBody"]) => {
                v.validate_request_body = java_bool(op.value.as_deref())
            }
            (Op::Replace, ["validateRequestParameters"]) => {
                v.validate_request_parameters = java_bool(op.value.as_deref())
            }
            (Op::Replace, _) => return Err(op.invalid_path(REPLACE_PATHS)),
            _ => return Err(op.unsupported_op()),
        }
        Ok(())
    })?;
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::patch::ops;

    fn base() -> RequestValidator {
        RequestValidator {
            id: "abc123".into(),
            name: "v".into(),
            ..Default::default()
        }
    }

    fn message(r: Result<RequestValidator>) -> String {
        r.unwrap_err().0.message
    }

    #[test]
    fn create_defaults_flags_to_false_and_needs_a_name() {
        // Recorded (test_request_validator_lifecycle `create-request-validator`).
        let v = from_create(
            "x".into(),
            serde_json::from_value(serde_json::json!({"name": "n"})).unwrap(),
        )
        .unwrap();
        assert_eq!(
            serde_json::to_value(&v).unwrap(),
            serde_json::json!({"id": "x", "name": "n", "validateRequestBody": false, "validateRequestParameters": false})
        );
        for input in [serde_json::json!({}), serde_json::json!({"name": " "})] {
            let e = from_create("x".into(), serde_json::from_value(input).unwrap()).unwrap_err();
            assert_eq!(e.0.message, "Request Validator name cannot be blank");
        }
    }

    #[test]
    fn patch_follows_recordings() {
        // test_request_validator_lifecycle: "true" sets, no value clears.
        let v = apply_patch(
            &base(),
            &ops(&[
                ("replace", "/validateRequestBody", Some("true")),
                ("replace", "/validateRequestParameters", Some("TRUE")),
                ("replace", "/name", Some("renamed")),
            ]),
        )
        .unwrap();
        assert!(v.validate_request_body && v.validate_request_parameters);
        assert_eq!(v.name, "renamed");
        let v = apply_patch(&v, &ops(&[("replace", "/validateRequestBody", None)])).unwrap();
        assert!(!v.validate_request_body);
        // test_invalid_update_request_validator_operations.
        assert_eq!(
            message(apply_patch(&base(), &ops(&[("add", "/validateRequestBody", Some("true"))]))),
            "Invalid patch path  '/validateRequestBody' specified for op 'add'. Please choose supported operations"
        );
        assert_eq!(
            message(apply_patch(&base(), &ops(&[("remove", "/validateRequestBody", Some("true"))]))),
            "Invalid patch path  '/validateRequestBody' specified for op 'remove'. Please choose supported operations"
        );
        assert_eq!(
            message(apply_patch(&base(), &ops(&[("replace", "/invalidPath", Some("x"))]))),
            "Invalid patch path  '/invalidPath' specified for op 'replace'. Must be one of: [/name, /validateRequestParameters, /validateRequestBody]"
        );
        assert_eq!(
            message(apply_patch(
                &base(),
                &ops(&[("replace", "/name", Some(""))])
            )),
            "Request Validator name cannot be blank"
        );
    }
}

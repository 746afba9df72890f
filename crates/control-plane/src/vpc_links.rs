//! VPC links: CreateVpcLink, GetVpcLinks, GetVpcLink, UpdateVpcLink, DeleteVpcLink
//! ([AWS reference](https://docs.aws.amazon.com/apigateway/latest/api/API_VpcLink.html)).
//!
//! One document per link (parent empty, id the link id). On AWS a link reaches a network load
//! balancer inside a VPC; here the tag [`apigw_model::vpc_link::LOCAL_TARGET_TAG`]
//! (`apigw-local:target` = `http://127.0.0.1:8080`) names the local backend that integrations
//! through the link connect to. `deployments::freeze` copies every link's target into the
//! deployment, so a change of target takes effect at the next deployment.
//!
//! AWS's answers followed here are recorded in `test_apigateway_api.snapshot.json`
//! (`TestApiGatewayVpcLink`): CreateVpcLink answers 202 with status `PENDING` and neither
//! `statusMessage` nor `tags`; once provisioned (here at once) GetVpcLink shows `AVAILABLE`,
//! "Your vpc link is ready for use" and `tags: {}`; lists omit empty tags; DeleteVpcLink
//! answers 202; an unknown id is 404 "Invalid Vpc Link identifier specified"; an empty name is
//! 400 "Name cannot be empty"; a malformed target ARN 400 "Invalid ARN. ARN is not well
//! formed {arn}".

use axum::response::Response;
use axum::routing::post;
use axum::Router;
use serde::Deserialize;
use serde_json::Value;

use apigw_model::{ids, ApiError, Arn, StringMap, VpcLink};
use apigw_store::typed;

use crate::error::{vpc_link_not_found, Error, Result};
use crate::extract::{AwsJson, Call};
use crate::family::{self, Family, Patched};
use crate::patch::{self, Op, PatchOp};
use crate::wire::{self, null_member};
use crate::{reply, tags, AppState};

/// The status a link reaches once provisioned, and AWS's message for it (recorded:
/// test_vpc_link_lifecycle `get_vpc_link`).
const AVAILABLE: &str = "AVAILABLE";
const READY: &str = "Your vpc link is ready for use";
/// The paths UpdateVpcLink replaces (botocore documents only `name` and `description` as
/// changeable; the order of AWS's own list is not recorded).
const REPLACE_PATHS: &[&str] = &["/name", "/description"];

/// Routes of this family.
pub fn routes() -> Router<AppState> {
    family::top_routes::<VpcLink>("vpclinks", "vpclink_id", post(create_vpc_link))
}

impl Family for VpcLink {
    fn not_found(_: &str) -> Error {
        vpc_link_not_found()
    }

    fn view(&self, single: bool) -> Result<Value> {
        wire::with_tags(self, single)
    }
}

impl Patched for VpcLink {
    const UPDATE_INPUT: &'static str = "updateVpcLinkInput";
    fn patched(&self, ops: &[PatchOp]) -> Result<Self> {
        family::patched_copy(self, |link| apply_patch(link, ops))
    }
}

/// AWS's answer to an empty name (recorded: test_create_vpc_link_invalid_parameters
/// `create_vpc_link_empty_name`).
const EMPTY_NAME: &str = "Name cannot be empty";

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateInput {
    name: Option<String>,
    description: Option<String>,
    target_arns: Option<Vec<String>>,
    tags: Option<StringMap>,
}

/// Whether `arn` has the six `:`-separated parts of an ARN (`arn:partition:service:region:
/// account:resource`) with a partition, a service and a resource.
fn well_formed_arn(arn: &str) -> bool {
    Arn::parse(arn)
        .is_some_and(|a| !a.partition.is_empty() && !a.service.is_empty() && !a.resource.is_empty())
}

/// Build the link of a CreateVpcLink call, as stored (already available).
///
/// # Errors
/// `ValidationException` for a missing name or target list (required members of botocore's
/// `CreateVpcLinkRequest`); AWS's `BadRequestException`s for an empty name or a malformed ARN.
fn from_create(id: String, input: CreateInput) -> Result<VpcLink> {
    let name = input
        .name
        .ok_or_else(|| null_member("createVpcLinkInput.name"))?;
    let target_arns = input
        .target_arns
        .ok_or_else(|| null_member("createVpcLinkInput.targetArns"))?;
    if name.is_empty() {
        return Err(ApiError::bad_request(EMPTY_NAME).into());
    }
    if target_arns.is_empty() {
        // AWS's wording for an empty list is not recorded.
        return Err(ApiError::bad_request("Target ARNs cannot be empty").into());
    }
    if let Some(bad) = target_arns.iter().find(|a| !well_formed_arn(a)) {
        return Err(
            ApiError::bad_request(format!("Invalid ARN. ARN is not well formed {bad}")).into(),
        );
    }
    if let Some(t) = &input.tags {
        tags::validate(t)?;
    }
    Ok(VpcLink {
        id,
        name,
        description: input.description,
        target_arns,
        status: AVAILABLE.into(),
        status_message: Some(READY.into()),
        tags: input.tags.filter(|t| !t.is_empty()),
    })
}

async fn create_vpc_link(
    Call { st, scope }: Call,
    AwsJson(input): AwsJson<CreateInput>,
) -> Result<Response> {
    let link = from_create(ids::short_id(), input)?;
    let mut tx = st.store.write().await?;
    typed::insert(&mut tx, &scope, "", &link.id, &link).await?;
    tx.commit().await?;
    // AWS answers while the link is still being provisioned (recorded `create_vpc_link`).
    let mut shown = link;
    shown.status = "PENDING".into();
    shown.status_message = None;
    reply::accepted_with(&shown)
}

/// Apply UpdateVpcLink's patch operations to `link` (pure, so it is tested without a server).
///
/// # Errors
/// AWS's `BadRequestException` for a path, op or value it refuses.
pub fn apply_patch(link: &mut VpcLink, ops: &[PatchOp]) -> Result<()> {
    patch::each(ops, |op, segs| {
        match (op.op, segs) {
            (Op::Replace, ["name"]) => link.name = op.name_value(EMPTY_NAME)?,
            (Op::Replace, ["description"]) => link.description = op.value_or_clear(),
            (Op::Replace, _) => return Err(op.invalid_path(REPLACE_PATHS)),
            _ => return Err(op.unsupported_op()),
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::patch::ops;

    fn input(name: Option<&str>, arns: Option<&[&str]>) -> CreateInput {
        CreateInput {
            name: name.map(Into::into),
            target_arns: arns.map(|a| a.iter().map(|s| s.to_string()).collect()),
            ..Default::default()
        }
    }

    const NLB: &str = "arn:aws:elasticloadbalancing:us-east-1:000000000000:loadbalancer/net/n/1";

    #[test]
    fn create_checks_match_aws() {
        let l = from_create("abc123".into(), input(Some("n"), Some(&[NLB]))).unwrap();
        assert_eq!(l.status, "AVAILABLE");
        assert_eq!(l.status_message.as_deref(), Some(READY));
        // Recorded: test_create_vpc_link_invalid_parameters.
        let e = from_create("x".into(), input(Some(""), Some(&[NLB]))).unwrap_err();
        assert_eq!(e.0.message, "Name cannot be empty");
        let e = from_create("x".into(), input(Some("n"), Some(&["invalid-arn"]))).unwrap_err();
        assert_eq!(
            e.0.message,
            "Invalid ARN. ARN is not well formed invalid-arn"
        );
        let e = from_create("x".into(), input(None, Some(&[NLB]))).unwrap_err();
        assert_eq!(e.0.kind, apigw_model::ErrorKind::Validation);
        let e = from_create("x".into(), input(Some("n"), None)).unwrap_err();
        assert_eq!(e.0.kind, apigw_model::ErrorKind::Validation);
    }

    #[test]
    fn patch_paths() {
        let mut l = from_create("abc123".into(), input(Some("n"), Some(&[NLB]))).unwrap();
        apply_patch(
            &mut l,
            &ops(&[
                ("replace", "/name", Some("m")),
                ("replace", "/description", Some("d")),
            ]),
        )
        .unwrap();
        assert_eq!(
            (l.name.as_str(), l.description.as_deref()),
            ("m", Some("d"))
        );
        let e = apply_patch(&mut l, &ops(&[("replace", "/targetArns", Some("x"))])).unwrap_err();
        assert_eq!(
            e.0.message,
            "Invalid patch path  '/targetArns' specified for op 'replace'. Must be one of: [/name, /description]"
        );
        assert!(apply_patch(&mut l, &ops(&[("replace", "/name", Some(""))])).is_err());
        assert!(apply_patch(&mut l, &ops(&[("add", "/name", Some("x"))])).is_err());
    }
}

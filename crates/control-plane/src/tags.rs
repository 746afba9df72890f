//! Tags: TagResource, UntagResource, GetTags
//! ([AWS reference](https://docs.aws.amazon.com/apigateway/latest/api/API_TagResource.html)).
//!
//! Tags are not stored apart: they are the `tags` member of the tagged document (RestApi,
//! Stage, ApiKey, UsagePlan, VpcLink, ClientCertificate), so GetRestApi and the like show them. The resource is named by
//! its ARN, `arn:aws:apigateway:{region}::{path}`, sent percent-encoded as one path segment.

use apigw_store::SqliteConnection;
use axum::extract::Path;
use axum::http::Uri;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use apigw_model::{ApiError, Arn, Scope, StringMap};
use apigw_store::docs::{self, Kind};
use apigw_store::typed;

use crate::error::Result;
use crate::extract::{AwsJson, Call};
use crate::{reply, AppState};

const MAX_KEY: usize = 128;
const MAX_VALUE: usize = 256;

/// Routes of this family.
pub fn routes() -> Router<AppState> {
    Router::new().route(
        "/tags/{resource_arn}",
        get(get_tags).put(tag_resource).delete(untag_resource),
    )
}

/// Check tags against AWS's documented limits: keys up to 128 characters, not starting with
/// `aws:` (reserved for AWS), values up to 256 characters.
///
/// # Errors
/// `BadRequestException` naming the first offending tag.
pub fn validate(tags: &StringMap) -> Result<()> {
    for (k, v) in tags {
        if k.to_ascii_lowercase().starts_with("aws:") {
            return Err(ApiError::bad_request(format!(
                "Invalid tag key: {k}. Tag keys starting with 'aws:' are reserved for AWS use."
            ))
            .into());
        }
        if k.is_empty() || k.chars().count() > MAX_KEY {
            return Err(ApiError::bad_request(format!(
                "Invalid tag key: {k}. Tag keys must be between 1 and {MAX_KEY} characters."
            ))
            .into());
        }
        if v.chars().count() > MAX_VALUE {
            return Err(ApiError::bad_request(format!(
                "Invalid tag value for key {k}. Tag values can be at most {MAX_VALUE} characters."
            ))
            .into());
        }
    }
    Ok(())
}

/// A taggable resource named by an ARN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// `/restapis/{id}`.
    RestApi(String),
    /// `/restapis/{id}/stages/{name}`.
    Stage(String, String),
    /// `/apikeys/{id}`.
    ApiKey(String),
    /// `/usageplans/{id}`.
    UsagePlan(String),
    /// `/vpclinks/{id}`.
    VpcLink(String),
    /// `/clientcertificates/{id}`.
    ClientCertificate(String),
}

/// Parse `arn:{partition}:apigateway:{region}::{path}` into its region and resource.
///
/// # Errors
/// `BadRequestException` "Invalid ARN. ARN is not well formed {arn}" (AWS's wording for a
/// malformed ARN, recorded for CreateVpcLink) for anything that is not an apigateway ARN;
/// `NotFoundException` for a path naming no taggable resource kind.
pub fn parse_arn(arn: &str) -> Result<(String, Target)> {
    let malformed = || -> crate::error::Error {
        ApiError::bad_request(format!("Invalid ARN. ARN is not well formed {arn}")).into()
    };
    let Some(Arn {
        partition,
        service: "apigateway",
        region,
        resource: path,
        ..
    }) = Arn::parse(arn)
    else {
        return Err(malformed());
    };
    if partition.is_empty() || region.is_empty() {
        return Err(malformed());
    }
    let segs: Vec<&str> = path
        .strip_prefix('/')
        .ok_or_else(malformed)?
        .split('/')
        .collect();
    let target = match segs.as_slice() {
        ["restapis", id] if !id.is_empty() => Target::RestApi((*id).into()),
        ["restapis", id, "stages", name] if !id.is_empty() && !name.is_empty() => {
            Target::Stage((*id).into(), (*name).into())
        }
        ["apikeys", id] if !id.is_empty() => Target::ApiKey((*id).into()),
        ["usageplans", id] if !id.is_empty() => Target::UsagePlan((*id).into()),
        ["vpclinks", id] if !id.is_empty() => Target::VpcLink((*id).into()),
        ["clientcertificates", id] if !id.is_empty() => Target::ClientCertificate((*id).into()),
        _ => {
            return Err(ApiError::not_found(format!(
                "Invalid resource identifier specified: {path}"
            ))
            .into())
        }
    };
    Ok((region.to_string(), target))
}

/// Where a target's document lives: kind, parent, id, and the 404 when it is absent.
fn locate(scope: &Scope, t: &Target) -> (Kind, String, String, crate::error::Error) {
    match t {
        Target::RestApi(id) => (
            Kind::RestApi,
            String::new(),
            id.clone(),
            ApiError::api_not_found(&scope.account, id).into(),
        ),
        Target::Stage(api, name) => (
            Kind::Stage,
            api.clone(),
            name.clone(),
            ApiError::not_found("Invalid Stage identifier specified").into(),
        ),
        Target::ApiKey(id) => (
            Kind::ApiKey,
            String::new(),
            id.clone(),
            crate::error::key_not_found(),
        ),
        Target::UsagePlan(id) => (
            Kind::UsagePlan,
            String::new(),
            id.clone(),
            crate::error::plan_not_found(),
        ),
        Target::VpcLink(id) => (
            Kind::VpcLink,
            String::new(),
            id.clone(),
            crate::error::vpc_link_not_found(),
        ),
        Target::ClientCertificate(id) => (
            Kind::ClientCertificate,
            String::new(),
            id.clone(),
            crate::error::client_certificate_not_found(),
        ),
    }
}

/// A tagged document, loaded as raw JSON so that tagging works the same for every kind.
struct Tagged {
    kind: Kind,
    parent: String,
    id: String,
    doc: Value,
}

async fn load(c: &mut SqliteConnection, scope: &Scope, arn: &str) -> Result<Tagged> {
    let (region, target) = parse_arn(arn)?;
    let (kind, parent, id, not_found) = locate(scope, &target);
    // A resource of another region is not visible from this one.
    if region != scope.region {
        return Err(not_found);
    }
    if let Target::Stage(api, _) = &target {
        if !typed::exists::<apigw_model::RestApi>(c, scope, "", api).await? {
            return Err(ApiError::api_not_found(&scope.account, api).into());
        }
    }
    let doc: Value = docs::get(c, scope, kind, &parent, &id)
        .await?
        .ok_or(not_found)?;
    Ok(Tagged {
        kind,
        parent,
        id,
        doc,
    })
}

fn tags_of(doc: &Value) -> StringMap {
    doc.get("tags")
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string())))
                .collect()
        })
        .unwrap_or_default()
}

fn set_tags(doc: &mut Value, tags: StringMap) -> Result<()> {
    let v = serde_json::to_value(tags).map_err(crate::error::internal)?;
    match doc.as_object_mut() {
        Some(obj) => {
            obj.insert("tags".into(), v);
            Ok(())
        }
        None => Err(crate::error::internal("tagged document is not an object")),
    }
}

#[derive(Debug, Serialize)]
struct TagsOutput {
    tags: StringMap,
}

async fn get_tags(Call { st, scope }: Call, Path(arn): Path<String>) -> Result<Response> {
    let mut c = st.store.read().await?;
    let t = load(&mut c, &scope, &arn).await?;
    reply::ok(&TagsOutput {
        tags: tags_of(&t.doc),
    })
}

#[derive(Debug, Deserialize)]
struct TagResourceInput {
    tags: Option<StringMap>,
}

async fn tag_resource(
    Call { st, scope }: Call,
    Path(arn): Path<String>,
    AwsJson(input): AwsJson<TagResourceInput>,
) -> Result<Response> {
    let new = input.tags.ok_or_else(|| {
        ApiError::validation("null", "tagResourceInput.tags", "Member must not be null")
    })?;
    validate(&new)?;
    let mut tx = st.store.write().await?;
    let mut t = load(&mut tx, &scope, &arn).await?;
    let mut tags = tags_of(&t.doc);
    tags.extend(new);
    set_tags(&mut t.doc, tags)?;
    docs::update(&mut tx, &scope, t.kind, &t.parent, &t.id, &t.doc).await?;
    tx.commit().await?;
    reply::no_content()
}

async fn untag_resource(
    Call { st, scope }: Call,
    Path(arn): Path<String>,
    uri: Uri,
) -> Result<Response> {
    let keys: Vec<String> = uri
        .query()
        .map(|q| {
            form_urlencoded::parse(q.as_bytes())
                .filter(|(k, _)| k == "tagKeys")
                .map(|(_, v)| v.into_owned())
                .collect()
        })
        .unwrap_or_default();
    let mut tx = st.store.write().await?;
    let mut t = load(&mut tx, &scope, &arn).await?;
    let mut tags = tags_of(&t.doc);
    for k in &keys {
        tags.remove(k);
    }
    set_tags(&mut t.doc, tags)?;
    docs::update(&mut tx, &scope, t.kind, &t.parent, &t.id, &t.doc).await?;
    tx.commit().await?;
    reply::no_content()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arns() {
        assert_eq!(
            parse_arn("arn:aws:apigateway:us-east-1::/restapis/abc").unwrap(),
            ("us-east-1".into(), Target::RestApi("abc".into()))
        );
        assert_eq!(
            parse_arn("arn:aws:apigateway:eu-west-1::/restapis/abc/stages/dev")
                .unwrap()
                .1,
            Target::Stage("abc".into(), "dev".into())
        );
        assert_eq!(
            parse_arn("arn:aws:apigateway:us-east-1::/apikeys/k")
                .unwrap()
                .1,
            Target::ApiKey("k".into())
        );
        assert_eq!(
            parse_arn("arn:aws:apigateway:us-east-1::/usageplans/p")
                .unwrap()
                .1,
            Target::UsagePlan("p".into())
        );
        let e = parse_arn("invalid-arn").unwrap_err();
        assert_eq!(
            e.0.message,
            "Invalid ARN. ARN is not well formed invalid-arn"
        );
        assert!(parse_arn("arn:aws:s3:::bucket/x").is_err());
        let e = parse_arn("arn:aws:apigateway:us-east-1::/domainnames/x").unwrap_err();
        assert_eq!(e.0.kind, apigw_model::ErrorKind::NotFound);
    }

    #[test]
    fn tag_limits() {
        let ok: StringMap = [("env".to_string(), "dev".to_string())].into();
        assert!(validate(&ok).is_ok());
        let reserved: StringMap = [("aws:x".to_string(), "v".to_string())].into();
        assert!(validate(&reserved).is_err());
        let long: StringMap = [("k".to_string(), "v".repeat(257))].into();
        assert!(validate(&long).is_err());
    }
}

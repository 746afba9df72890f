//! Domain name access associations: CreateDomainNameAccessAssociation,
//! GetDomainNameAccessAssociations, DeleteDomainNameAccessAssociation,
//! RejectDomainNameAccessAssociation
//! ([AWS reference](https://docs.aws.amazon.com/apigateway/latest/api/API_DomainNameAccessAssociation.html)).
//!
//! An association lets a VPC endpoint call a private custom domain name. It is stored (parent
//! empty, id its ARN) and listed; nothing on the data plane reads it, since no request here
//! arrives through a VPC endpoint. Every association belongs to the one account, so
//! `resourceOwner=OTHER_ACCOUNTS` lists none, and a reject removes it as the owner's delete does.

use axum::extract::{Path, Query};
use axum::response::Response;
use axum::routing::{delete, get, post};
use axum::Router;
use serde::Deserialize;

use apigw_model::{ApiError, DomainName, DomainNameAccessAssociation, StringMap};
use apigw_store::typed;

use crate::error::{Error, Result};
use crate::extract::{AwsJson, Call};
use crate::paging::{paginate, PageQuery};
use crate::validate::Failures;
use crate::{reply, tags, AppState};

/// Routes of this family.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/domainnameaccessassociations",
            get(get_associations).post(create_association),
        )
        .route(
            "/domainnameaccessassociations/{arn}",
            delete(delete_association),
        )
        .route(
            "/rejectdomainnameaccessassociations",
            post(reject_association),
        )
}

/// AWS's wording for an unknown association is not recorded; this follows its other 404s.
fn not_found() -> Error {
    ApiError::not_found("Invalid domain name access association identifier specified").into()
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateInput {
    domain_name_arn: Option<String>,
    access_association_source_type: Option<String>,
    access_association_source: Option<String>,
    tags: Option<StringMap>,
}

async fn create_association(
    Call { st, scope }: Call,
    AwsJson(input): AwsJson<CreateInput>,
) -> Result<Response> {
    let mut failures = Failures::default();
    failures.check_enum(
        input.access_association_source_type.as_deref(),
        "createDomainNameAccessAssociationInput.accessAssociationSourceType",
        &["VPCE"],
    );
    failures.finish()?;
    let source = input.access_association_source.unwrap_or_default();
    if !source.starts_with("vpce-") {
        // AWS's wording for a source that is not a VPC endpoint id is not recorded.
        return Err(ApiError::bad_request(format!(
            "Invalid VPC endpoint identifier specified: {source}"
        ))
        .into());
    }
    if let Some(t) = &input.tags {
        tags::validate(t)?;
    }
    let domain_arn = input.domain_name_arn.unwrap_or_default();
    let mut tx = st.store.write().await?;
    // Only a private name (whose ARN carries its id) takes associations.
    let names: Vec<DomainName> = typed::list(&mut tx, &scope, "").await?;
    let Some(domain) = names.iter().find(|d| {
        d.domain_name_id.is_some() && d.domain_name_arn.as_deref() == Some(domain_arn.as_str())
    }) else {
        return Err(ApiError::not_found("Invalid domain name identifier specified").into());
    };
    let arn = format!(
        "arn:aws:apigateway:{}:{}:/domainnameaccessassociations/domainname/{}+{}/vpcesource/{source}",
        scope.region,
        scope.account,
        domain.domain_name,
        domain.domain_name_id.as_deref().unwrap_or_default(),
    );
    let association = DomainNameAccessAssociation {
        domain_name_access_association_arn: arn.clone(),
        domain_name_arn: domain_arn,
        access_association_source_type: "VPCE".into(),
        access_association_source: source,
        tags: input.tags.filter(|t| !t.is_empty()),
    };
    // AWS's wording for an association that exists is not recorded.
    crate::family::insert_new(
        &mut tx,
        &scope,
        "",
        &arn,
        &association,
        "The domain name access association already exists.",
    )
    .await?;
    tx.commit().await?;
    reply::created(&association)
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ListQuery {
    #[serde(flatten)]
    page: PageQuery,
    resource_owner: Option<String>,
}

async fn get_associations(
    Call { st, scope }: Call,
    Query(q): Query<ListQuery>,
) -> Result<Response> {
    let mut failures = Failures::default();
    failures.check_enum(
        q.resource_owner.as_deref(),
        "resourceOwner",
        &["SELF", "OTHER_ACCOUNTS"],
    );
    failures.finish()?;
    let mut c = st.store.read().await?;
    let mut all: Vec<DomainNameAccessAssociation> = typed::list(&mut c, &scope, "").await?;
    if q.resource_owner.as_deref() == Some("OTHER_ACCOUNTS") {
        all.clear();
    }
    reply::ok(&paginate(all, &q.page)?)
}

async fn delete_association(Call { st, scope }: Call, Path(arn): Path<String>) -> Result<Response> {
    let mut tx = st.store.write().await?;
    if !typed::delete::<DomainNameAccessAssociation>(&mut tx, &scope, "", &arn).await? {
        return Err(not_found());
    }
    tx.commit().await?;
    reply::accepted()
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RejectQuery {
    domain_name_access_association_arn: Option<String>,
    domain_name_arn: Option<String>,
}

async fn reject_association(
    Call { st, scope }: Call,
    Query(q): Query<RejectQuery>,
) -> Result<Response> {
    let arn = q.domain_name_access_association_arn.unwrap_or_default();
    let mut tx = st.store.write().await?;
    let found: Option<DomainNameAccessAssociation> = typed::get(&mut tx, &scope, "", &arn).await?;
    match found {
        Some(a) if Some(&a.domain_name_arn) == q.domain_name_arn.as_ref() => {
            typed::delete::<DomainNameAccessAssociation>(&mut tx, &scope, "", &arn).await?;
        }
        _ => return Err(not_found()),
    }
    tx.commit().await?;
    reply::accepted()
}

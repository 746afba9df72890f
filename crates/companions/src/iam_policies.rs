//! IAM policies: customer managed policies (CreatePolicy, GetPolicy, DeletePolicy,
//! ListPolicies) and a role's inline policies (PutRolePolicy, GetRolePolicy, DeleteRolePolicy,
//! ListRolePolicies) ([AWS reference](https://docs.aws.amazon.com/IAM/latest/APIReference/API_Operations.html)).
//!
//! Policies are stored and shown, never enforced: nothing in apigw-local checks a caller's
//! permissions. A managed policy is one document (region [`GLOBAL_REGION`], id its ARN) with its
//! attachment count, which AttachRolePolicy and DetachRolePolicy keep; inline policies live in
//! their role's document. AWS managed policies are not listed (their catalogue is not here):
//! ListPolicies shows the account's own (`Scope=Local`) whatever the scope asked.

use axum::http::StatusCode;
use percent_encoding::utf8_percent_encode;
use serde::{Deserialize, Serialize};

use apigw_store::{typed, Document, Kind, SqliteConnection, Store, StoreError};

use crate::iam::{
    load_role, page, save_role, scope, tags_xml, wrap_list, xml_escape, Failures, IamError,
    IamResult, Params, POLICY_ENCODE,
};

/// A customer managed policy as stored.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Policy {
    policy_name: String,
    policy_id: String,
    arn: String,
    path: String,
    create_date: String,
    update_date: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    /// The policy document (version v1), as sent.
    document: String,
    /// Roles it is attached to.
    attachment_count: i64,
    #[serde(default)]
    tags: Vec<(String, String)>,
}

impl Document for Policy {
    const KIND: Kind = Kind::IamPolicy;
}

fn no_such_policy(arn: &str) -> IamError {
    IamError::new(
        StatusCode::NOT_FOUND,
        "NoSuchEntity",
        format!("Policy {arn} does not exist or is not attachable."),
    )
}

fn malformed() -> IamError {
    IamError::new(
        StatusCode::BAD_REQUEST,
        "MalformedPolicyDocument",
        "This policy contains invalid Json",
    )
}

/// A policy name's constraints (IAM's `policyNameType`): 1–128 of `[\w+=,.@-]`.
fn policy_name(f: &mut Failures, value: Option<&str>) {
    f.iam_name(value, "policyName", 128);
}

/// A policy document: present, at most 131072 characters, a JSON object.
fn document<'a>(f: &mut Failures, value: Option<&'a str>) -> &'a str {
    match value {
        None => f.push(None, "policyDocument", "Member must not be null"),
        Some(d) => f.length(Some(d), "policyDocument", 1, 131_072),
    }
    value.unwrap_or_default()
}

fn is_json_object(doc: &str) -> bool {
    serde_json::from_str::<serde_json::Value>(doc).is_ok_and(|v| v.is_object())
}

fn policy_xml(p: &Policy, full: bool) -> String {
    let mut x = format!(
        "<PolicyName>{}</PolicyName><DefaultVersionId>v1</DefaultVersionId><PolicyId>{}</PolicyId><Path>{}</Path><Arn>{}</Arn><AttachmentCount>{}</AttachmentCount><PermissionsBoundaryUsageCount>0</PermissionsBoundaryUsageCount><IsAttachable>true</IsAttachable><CreateDate>{}</CreateDate><UpdateDate>{}</UpdateDate>",
        xml_escape(&p.policy_name),
        p.policy_id,
        xml_escape(&p.path),
        xml_escape(&p.arn),
        p.attachment_count,
        p.create_date,
        p.update_date,
    );
    if full {
        if let Some(d) = &p.description {
            x.push_str(&format!("<Description>{}</Description>", xml_escape(d)));
        }
        x.push_str(&tags_xml(&p.tags));
    }
    x
}

/// A customer managed policy of `account` by ARN.
pub(crate) async fn find_policy(
    c: &mut SqliteConnection,
    account: &str,
    arn: &str,
) -> Result<Option<Policy>, StoreError> {
    typed::get(c, &scope(account), "", arn).await
}

/// AttachRolePolicy / DetachRolePolicy on a customer managed policy: its count moves by
/// `delta`. `NoSuchEntity` when the account has no such policy.
pub(crate) async fn count_attachment(
    c: &mut SqliteConnection,
    account: &str,
    arn: &str,
    delta: i64,
) -> IamResult<()> {
    let mut p = find_policy(c, account, arn)
        .await?
        .ok_or_else(|| no_such_policy(arn))?;
    p.attachment_count = (p.attachment_count + delta).max(0);
    typed::update(c, &scope(account), "", arn, &p).await?;
    Ok(())
}

pub(crate) async fn create_policy(
    store: &Store,
    account: &str,
    p: &Params<'_>,
) -> IamResult<String> {
    let name = p.get("PolicyName");
    let path = p.get("Path").unwrap_or("/");
    let description = p.get("Description");
    let mut f = Failures::default();
    policy_name(&mut f, name);
    let doc = document(&mut f, p.get("PolicyDocument"));
    f.path(path, r"((/[A-Za-z0-9\.,\+@=_-]+)*)/");
    f.length(description, "description", 0, 1000);
    f.finish()?;
    if !is_json_object(doc) {
        return Err(malformed());
    }
    let name = name.unwrap_or_default();
    let now = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string();
    let policy = Policy {
        policy_name: name.to_string(),
        policy_id: apigw_model::ids::iam_unique_id("ANPA"),
        arn: format!("arn:aws:iam::{account}:policy{path}{name}"),
        path: path.to_string(),
        create_date: now.clone(),
        update_date: now,
        description: description.map(str::to_string),
        document: doc.to_string(),
        attachment_count: 0,
        tags: p.tags(),
    };
    let mut tx = store.write().await?;
    // Names are unique in the account whatever the path (IAM's rule).
    let all: Vec<Policy> = typed::list(&mut tx, &scope(account), "").await?;
    if all.iter().any(|x| x.policy_name == name) {
        return Err(IamError::new(
            StatusCode::CONFLICT,
            "EntityAlreadyExists",
            format!("A policy called {name} already exists. Duplicate names are not allowed."),
        ));
    }
    typed::insert(&mut tx, &scope(account), "", &policy.arn, &policy).await?;
    tx.commit().await?;
    Ok(format!("<Policy>{}</Policy>", policy_xml(&policy, true)))
}

fn require_arn<'a>(p: &'a Params<'_>) -> IamResult<&'a str> {
    let arn = p.get("PolicyArn");
    let mut f = Failures::default();
    match arn {
        None => f.push(None, "policyArn", "Member must not be null"),
        Some(a) => f.length(Some(a), "policyArn", 20, 2048),
    }
    f.finish()?;
    Ok(arn.unwrap_or_default())
}

pub(crate) async fn get_policy(store: &Store, account: &str, p: &Params<'_>) -> IamResult<String> {
    let arn = require_arn(p)?;
    let mut c = store.read().await?;
    let policy = find_policy(&mut c, account, arn)
        .await?
        .ok_or_else(|| no_such_policy(arn))?;
    Ok(format!("<Policy>{}</Policy>", policy_xml(&policy, true)))
}

pub(crate) async fn delete_policy(
    store: &Store,
    account: &str,
    p: &Params<'_>,
) -> IamResult<String> {
    let arn = require_arn(p)?;
    let mut tx = store.write().await?;
    let policy = find_policy(&mut tx, account, arn)
        .await?
        .ok_or_else(|| no_such_policy(arn))?;
    if policy.attachment_count > 0 {
        return Err(IamError::new(
            StatusCode::CONFLICT,
            "DeleteConflict",
            "Cannot delete a policy attached to entities.",
        ));
    }
    typed::delete::<Policy>(&mut tx, &scope(account), "", arn).await?;
    tx.commit().await?;
    Ok(String::new())
}

pub(crate) async fn list_policies(
    store: &Store,
    account: &str,
    p: &Params<'_>,
) -> IamResult<String> {
    let mut f = Failures::default();
    let list = f.list_params(p, true);
    if let Some(s) = p.get("Scope") {
        if !["All", "AWS", "Local"].contains(&s) {
            f.push(
                Some(s),
                "scope",
                "Member must satisfy enum value set: [All, AWS, Local]",
            );
        }
    }
    f.finish()?;
    let only_attached = p.get("OnlyAttached") == Some("true");
    let mut c = store.read().await?;
    let mut all: Vec<Policy> = typed::list(&mut c, &scope(account), "").await?;
    if p.get("Scope") == Some("AWS") {
        all.clear();
    }
    all.retain(|x| list.under(&x.path));
    all.retain(|x| !only_attached || x.attachment_count > 0);
    all.sort_by(|a, b| a.policy_name.cmp(&b.policy_name));
    let body = page(
        &all,
        |x| x.policy_name.clone(),
        &list,
        |x| policy_xml(x, false),
    )?;
    Ok(wrap_list(&body, "Policies"))
}

/// The role name, policy name and (for a put) document of an inline policy call.
fn inline_params<'a>(
    p: &'a Params<'_>,
    with_document: bool,
) -> IamResult<(&'a str, &'a str, &'a str)> {
    let role = p.get("RoleName");
    let name = p.get("PolicyName");
    let mut f = Failures::default();
    f.role_name(role);
    policy_name(&mut f, name);
    let doc = if with_document {
        document(&mut f, p.get("PolicyDocument"))
    } else {
        ""
    };
    f.finish()?;
    Ok((role.unwrap_or_default(), name.unwrap_or_default(), doc))
}

fn no_such_inline(name: &str) -> IamError {
    IamError::new(
        StatusCode::NOT_FOUND,
        "NoSuchEntity",
        format!("The role policy with name {name} cannot be found."),
    )
}

pub(crate) async fn put_role_policy(
    store: &Store,
    account: &str,
    p: &Params<'_>,
) -> IamResult<String> {
    let (role_name, name, doc) = inline_params(p, true)?;
    if !is_json_object(doc) {
        return Err(malformed());
    }
    let mut tx = store.write().await?;
    let mut role = load_role(&mut tx, account, role_name).await?;
    match role.inline.iter_mut().find(|(n, _)| n == name) {
        Some(existing) => existing.1 = doc.to_string(),
        None => role.inline.push((name.to_string(), doc.to_string())),
    }
    save_role(&mut tx, account, &role).await?;
    tx.commit().await?;
    Ok(String::new())
}

pub(crate) async fn get_role_policy(
    store: &Store,
    account: &str,
    p: &Params<'_>,
) -> IamResult<String> {
    let (role_name, name, _) = inline_params(p, false)?;
    let mut c = store.read().await?;
    let role = load_role(&mut c, account, role_name).await?;
    let (_, doc) = role
        .inline
        .iter()
        .find(|(n, _)| n == name)
        .ok_or_else(|| no_such_inline(name))?;
    Ok(format!(
        "<RoleName>{}</RoleName><PolicyName>{}</PolicyName><PolicyDocument>{}</PolicyDocument>",
        xml_escape(&role.role_name),
        xml_escape(name),
        xml_escape(&utf8_percent_encode(doc, POLICY_ENCODE).to_string()),
    ))
}

pub(crate) async fn delete_role_policy(
    store: &Store,
    account: &str,
    p: &Params<'_>,
) -> IamResult<String> {
    let (role_name, name, _) = inline_params(p, false)?;
    let mut tx = store.write().await?;
    let mut role = load_role(&mut tx, account, role_name).await?;
    let before = role.inline.len();
    role.inline.retain(|(n, _)| n != name);
    if role.inline.len() == before {
        return Err(no_such_inline(name));
    }
    save_role(&mut tx, account, &role).await?;
    tx.commit().await?;
    Ok(String::new())
}

pub(crate) async fn list_role_policies(
    store: &Store,
    account: &str,
    p: &Params<'_>,
) -> IamResult<String> {
    let role_name = p.get("RoleName");
    let mut f = Failures::default();
    f.role_name(role_name);
    let list = f.list_params(p, false);
    f.finish()?;
    let mut c = store.read().await?;
    let role = load_role(&mut c, account, role_name.unwrap_or_default()).await?;
    let mut names: Vec<String> = role.inline.iter().map(|(n, _)| n.clone()).collect();
    names.sort();
    let body = page(&names, Clone::clone, &list, |n| xml_escape(n))?;
    Ok(wrap_list(&body, "PolicyNames"))
}

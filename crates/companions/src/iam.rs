//! IAM roles, the subset API Gateway's logging guide uses: CreateRole, GetRole, DeleteRole,
//! ListRoles, AttachRolePolicy, DetachRolePolicy and ListAttachedRolePolicies, over AWS's query
//! protocol (form-encoded `Action=…`, XML answers)
//! ([AWS reference](https://docs.aws.amazon.com/IAM/latest/APIReference/API_Operations.html)).
//! Policies (managed and inline) are in [`crate::iam_policies`]; nothing enforces them.
//!
//! IAM is global: a role belongs to the account whatever region the call names, so roles are
//! stored under the region [`GLOBAL_REGION`]. AWS managed policies (`arn:aws:iam::aws:policy/…`)
//! attach without a stored document; a customer managed policy must have been created.

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde::{Deserialize, Serialize};

use apigw_model::error::{constraint_failure, validation_text};
use apigw_model::{ids, Arn, Scope};
use apigw_store::{typed, Document, Kind, SqliteConnection, Store, StoreError};

use crate::iam_policies;
use crate::query_protocol;
use crate::Companions;

/// The region IAM roles are stored under: IAM has one global endpoint.
pub const GLOBAL_REGION: &str = "aws-global";

/// The XML namespace of IAM's answers.
const XMLNS: &str = "https://iam.amazonaws.com/doc/2010-05-08/";

/// The IAM actions implemented here.
pub const ACTIONS: &[&str] = &[
    "CreateRole",
    "GetRole",
    "DeleteRole",
    "ListRoles",
    "AttachRolePolicy",
    "DetachRolePolicy",
    "ListAttachedRolePolicies",
    "CreatePolicy",
    "GetPolicy",
    "DeletePolicy",
    "ListPolicies",
    "PutRolePolicy",
    "GetRolePolicy",
    "DeleteRolePolicy",
    "ListRolePolicies",
];

/// Managed policies a role may have attached (IAM's default `PoliciesPerRole` quota).
const MAX_ATTACHED: usize = 10;

/// RFC 3986 unreserved characters stay; everything else is percent-encoded, as IAM encodes
/// policy documents (botocore decodes them with `unquote`, so a space must be `%20`).
pub(crate) const POLICY_ENCODE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// A role as stored: the wire members plus its attached managed policies.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Role {
    path: String,
    pub(crate) role_name: String,
    role_id: String,
    arn: String,
    create_date: String,
    /// The trust policy as the caller sent it (decoded JSON text).
    assume_role_policy_document: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    max_session_duration: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    permissions_boundary: Option<String>,
    #[serde(default)]
    tags: Vec<(String, String)>,
    /// ARNs of attached managed policies, in attachment order.
    #[serde(default)]
    attached: Vec<String>,
    /// Inline policies: (name, document), in the order they were put.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) inline: Vec<(String, String)>,
}

impl Document for Role {
    const KIND: Kind = Kind::IamRole;
}

/// An IAM error: code, HTTP status and message, rendered as IAM's XML error document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IamError {
    status: StatusCode,
    code: &'static str,
    message: String,
}

impl IamError {
    pub(crate) fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
        }
    }

    fn no_such_role(name: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "NoSuchEntity",
            format!("The role with name {name} cannot be found."),
        )
    }

    fn validation(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "ValidationError", message)
    }

    /// The error code (`NoSuchEntity`, …).
    pub fn code(&self) -> &str {
        self.code
    }

    /// The message.
    pub fn message(&self) -> &str {
        &self.message
    }

    fn into_response(self, request_id: &str) -> Response {
        let body = format!(
            "<ErrorResponse xmlns=\"{XMLNS}\"><Error><Type>Sender</Type><Code>{}</Code><Message>{}</Message></Error><RequestId>{request_id}</RequestId></ErrorResponse>",
            self.code,
            xml_escape(&self.message)
        );
        xml(self.status, body, request_id)
    }
}

impl From<StoreError> for IamError {
    fn from(e: StoreError) -> Self {
        tracing::error!(error = %e, "store failure");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "ServiceFailure",
            "Internal server error",
        )
    }
}

pub(crate) type IamResult<T> = Result<T, IamError>;

fn xml(status: StatusCode, body: String, request_id: &str) -> Response {
    let mut res = (status, body).into_response();
    let h = res.headers_mut();
    h.insert("content-type", HeaderValue::from_static("text/xml"));
    if let Ok(v) = HeaderValue::from_str(request_id) {
        h.insert("x-amzn-requestid", v);
    }
    res
}

/// Escape text for an XML element.
pub fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// Whether `action` is one of the IAM actions implemented here.
pub fn is_iam_action(action: &str) -> bool {
    ACTIONS.contains(&action)
}

/// Answer an IAM action (one of [`ACTIONS`]) with parameters `params`.
pub async fn handle(
    state: &Companions,
    action: &str,
    params: &[(String, String)],
    request_id: &str,
) -> Response {
    let account = state.account_id.as_str();
    let p = Params(params);
    let result = match action {
        "CreateRole" => create_role(&state.store, account, &p).await,
        "GetRole" => get_role(&state.store, account, &p).await,
        "DeleteRole" => delete_role(&state.store, account, &p).await,
        "ListRoles" => list_roles(&state.store, account, &p).await,
        "AttachRolePolicy" => attach_role_policy(&state.store, account, &p).await,
        "DetachRolePolicy" => detach_role_policy(&state.store, account, &p).await,
        "ListAttachedRolePolicies" => list_attached(&state.store, account, &p).await,
        "CreatePolicy" => iam_policies::create_policy(&state.store, account, &p).await,
        "GetPolicy" => iam_policies::get_policy(&state.store, account, &p).await,
        "DeletePolicy" => iam_policies::delete_policy(&state.store, account, &p).await,
        "ListPolicies" => iam_policies::list_policies(&state.store, account, &p).await,
        "PutRolePolicy" => iam_policies::put_role_policy(&state.store, account, &p).await,
        "GetRolePolicy" => iam_policies::get_role_policy(&state.store, account, &p).await,
        "DeleteRolePolicy" => iam_policies::delete_role_policy(&state.store, account, &p).await,
        "ListRolePolicies" => iam_policies::list_role_policies(&state.store, account, &p).await,
        other => {
            return query_protocol::error(
                StatusCode::NOT_IMPLEMENTED,
                "NotImplemented",
                &format!("The action {other} is not implemented by apigw-local yet"),
                request_id,
            )
        }
    };
    match result {
        Ok(inner) => {
            let body = if inner.is_empty() {
                format!(
                    "<{action}Response xmlns=\"{XMLNS}\"><ResponseMetadata><RequestId>{request_id}</RequestId></ResponseMetadata></{action}Response>"
                )
            } else {
                format!(
                    "<{action}Response xmlns=\"{XMLNS}\"><{action}Result>{inner}</{action}Result><ResponseMetadata><RequestId>{request_id}</RequestId></ResponseMetadata></{action}Response>"
                )
            };
            xml(StatusCode::OK, body, request_id)
        }
        Err(e) => e.into_response(request_id),
    }
}

/// Whether `role_arn` names an existing role of `account` (the ARN's path must match too).
/// Takes the caller's connection: inside a write, the transaction.
///
/// # Errors
/// SQLite failed.
pub async fn role_exists(
    c: &mut SqliteConnection,
    account: &str,
    role_arn: &str,
) -> Result<bool, StoreError> {
    let Some((arn_account, path, name)) = parse_role_arn(role_arn) else {
        return Ok(false);
    };
    if arn_account != account {
        return Ok(false);
    }
    let role = find_role(c, account, name).await?;
    Ok(role.is_some_and(|r| r.path == path))
}

/// `arn:aws:iam::{account}:role{path}{name}` → (account, path, name).
fn parse_role_arn(arn: &str) -> Option<(&str, &str, &str)> {
    iam_resource(arn, "role").filter(|_| arn.starts_with("arn:aws:"))
}

/// A managed policy ARN `arn:aws:iam::{account|aws}:policy{path}{name}` →
/// (account, path, name).
fn parse_policy_arn(arn: &str) -> Option<(&str, &str, &str)> {
    iam_resource(arn, "policy")
}

/// An IAM ARN, `arn:aws…:iam::{account}:{kind}{path}{name}`, → (account, path, name): the
/// path starts and ends with `/`, and the name after it is not empty.
fn iam_resource<'a>(arn: &'a str, kind: &str) -> Option<(&'a str, &'a str, &'a str)> {
    let Arn {
        partition,
        service,
        region,
        account,
        resource,
    } = Arn::parse(arn)?;
    if !partition.starts_with("aws") || service != "iam" || !region.is_empty() {
        return None;
    }
    let path_name = resource.strip_prefix(kind)?;
    if !path_name.starts_with('/') {
        return None;
    }
    let cut = path_name.rfind('/')?;
    let (path, name) = (&path_name[..=cut], &path_name[cut + 1..]);
    (!name.is_empty()).then_some((account, path, name))
}

pub(crate) fn scope(account: &str) -> Scope {
    Scope::new(account, GLOBAL_REGION)
}

pub(crate) struct Params<'a>(&'a [(String, String)]);

impl Params<'_> {
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// `Tags.member.N.Key` / `Tags.member.N.Value`, in N order.
    pub(crate) fn tags(&self) -> Vec<(String, String)> {
        let mut n = 1;
        let mut out = Vec::new();
        while let Some(k) = self.get(&format!("Tags.member.{n}.Key")) {
            let v = self.get(&format!("Tags.member.{n}.Value")).unwrap_or("");
            out.push((k.to_string(), v.to_string()));
            n += 1;
        }
        out
    }
}

/// What a List* call asks for ([`Failures::list_params`]).
pub(crate) struct ListParams<'p> {
    /// Only what lies under this path.
    pub(crate) prefix: Option<&'p str>,
    /// Where the previous page ended.
    pub(crate) marker: Option<&'p str>,
    /// `MaxItems`, 100 by default.
    pub(crate) max: usize,
}

impl ListParams<'_> {
    /// Whether an entity at `path` is listed (`PathPrefix`).
    pub(crate) fn under(&self, path: &str) -> bool {
        self.prefix.is_none_or(|pre| path.starts_with(pre))
    }
}

/// Collects constraint failures into IAM's `ValidationError` text.
#[derive(Default)]
pub(crate) struct Failures(Vec<String>);

impl Failures {
    pub(crate) fn push(&mut self, value: Option<&str>, at: &str, constraint: &str) {
        self.0.push(constraint_failure(value, at, constraint));
    }

    pub(crate) fn length(&mut self, value: Option<&str>, at: &str, min: usize, max: usize) {
        let Some(v) = value else { return };
        let n = v.chars().count();
        if n < min {
            self.push(
                Some(v),
                at,
                &format!("Member must have length greater than or equal to {min}"),
            );
        } else if n > max {
            self.push(
                Some(v),
                at,
                &format!("Member must have length less than or equal to {max}"),
            );
        }
    }

    /// An IAM path (`/` or `/a/b/`, 1..=512 characters); `pattern` is the regular expression
    /// the operation's model gives, which IAM quotes in its refusal.
    pub(crate) fn path(&mut self, path: &str, pattern: &str) {
        self.length(Some(path), "path", 1, 512);
        if !valid_path(path) {
            self.push(
                Some(path),
                "path",
                &format!("Member must satisfy regular expression pattern: {pattern}"),
            );
        }
    }

    /// A List* call's `MaxItems`, `PathPrefix` (when it takes one) and `Marker`, checked in
    /// that order, the order IAM reports them in.
    pub(crate) fn list_params<'p>(
        &mut self,
        p: &'p Params<'_>,
        takes_prefix: bool,
    ) -> ListParams<'p> {
        let max = self.max_items(p.get("MaxItems"));
        let prefix = p.get("PathPrefix").filter(|_| takes_prefix);
        self.length(prefix, "pathPrefix", 1, 512);
        let marker = p.get("Marker");
        self.length(marker, "marker", 1, 320);
        ListParams {
            prefix,
            marker,
            max,
        }
    }

    pub(crate) fn role_name(&mut self, value: Option<&str>) {
        self.iam_name(value, "roleName", 64);
    }

    /// A role or policy name: present, 1..=`max` of `[\w+=,.@-]` (IAM's name types).
    pub(crate) fn iam_name(&mut self, value: Option<&str>, at: &str, max: usize) {
        match value {
            None => self.push(None, at, "Member must not be null"),
            Some(v) => {
                self.length(Some(v), at, 1, max);
                let ok = !v.is_empty()
                    && v.chars()
                        .all(|c| c.is_ascii_alphanumeric() || "_+=,.@-".contains(c));
                if !ok {
                    self.push(
                        Some(v),
                        at,
                        r"Member must satisfy regular expression pattern: [\w+=,.@-]+",
                    );
                }
            }
        }
    }

    pub(crate) fn max_items(&mut self, value: Option<&str>) -> usize {
        let Some(v) = value else { return 100 };
        match v.parse::<i64>() {
            Ok(n) if n < 1 => {
                self.push(
                    Some(v),
                    "maxItems",
                    "Member must have value greater than or equal to 1",
                );
                100
            }
            Ok(n) if n > 1000 => {
                self.push(
                    Some(v),
                    "maxItems",
                    "Member must have value less than or equal to 1000",
                );
                100
            }
            Ok(n) => n as usize,
            Err(_) => {
                self.push(Some(v), "maxItems", "Member must be a number");
                100
            }
        }
    }

    pub(crate) fn finish(self) -> IamResult<()> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(IamError::validation(validation_text(&self.0)))
        }
    }
}

pub(crate) fn valid_path(p: &str) -> bool {
    p == "/"
        || (p.len() >= 2
            && p.starts_with('/')
            && p.ends_with('/')
            && p.bytes().all(|b| (0x21..=0x7e).contains(&b)))
}

/// A role's XML as `form`'s operation shows it: CreateRole without MaxSessionDuration, ListRoles
/// without tags and boundary, GetRole with everything and an empty RoleLastUsed.
fn role_xml(r: &Role, form: RoleForm) -> String {
    let mut x = format!(
        "<Path>{}</Path><RoleName>{}</RoleName><RoleId>{}</RoleId><Arn>{}</Arn><CreateDate>{}</CreateDate><AssumeRolePolicyDocument>{}</AssumeRolePolicyDocument>",
        xml_escape(&r.path),
        xml_escape(&r.role_name),
        r.role_id,
        xml_escape(&r.arn),
        r.create_date,
        xml_escape(&utf8_percent_encode(&r.assume_role_policy_document, POLICY_ENCODE).to_string()),
    );
    if let Some(d) = &r.description {
        x.push_str(&format!("<Description>{}</Description>", xml_escape(d)));
    }
    if form != RoleForm::Create {
        x.push_str(&format!(
            "<MaxSessionDuration>{}</MaxSessionDuration>",
            r.max_session_duration
        ));
    }
    if form != RoleForm::List {
        if let Some(b) = &r.permissions_boundary {
            x.push_str(&format!(
                "<PermissionsBoundary><PermissionsBoundaryType>Policy</PermissionsBoundaryType><PermissionsBoundaryArn>{}</PermissionsBoundaryArn></PermissionsBoundary>",
                xml_escape(b)
            ));
        }
        x.push_str(&tags_xml(&r.tags));
    }
    if form == RoleForm::Get {
        // Never used by anyone here: IAM answers an empty element.
        x.push_str("<RoleLastUsed/>");
    }
    format!("<Role>{x}</Role>")
}

/// `<Tags>` with a member per tag, or nothing when there are none (roles and policies).
pub(crate) fn tags_xml(tags: &[(String, String)]) -> String {
    if tags.is_empty() {
        return String::new();
    }
    let members: String = tags
        .iter()
        .map(|(k, v)| {
            format!(
                "<member><Key>{}</Key><Value>{}</Value></member>",
                xml_escape(k),
                xml_escape(v)
            )
        })
        .collect();
    format!("<Tags>{members}</Tags>")
}

/// Which operation a role is rendered for: each shows a slightly different set of members.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RoleForm {
    Create,
    Get,
    List,
}

pub(crate) async fn load_role(
    c: &mut SqliteConnection,
    account: &str,
    name: &str,
) -> IamResult<Role> {
    let role = find_role(c, account, name).await?;
    role.ok_or_else(|| IamError::no_such_role(name))
}

/// A role by name; its key is the lower-cased name, IAM role names being unique regardless of
/// case.
async fn find_role(
    c: &mut SqliteConnection,
    account: &str,
    name: &str,
) -> Result<Option<Role>, StoreError> {
    typed::get(c, &scope(account), "", &name.to_ascii_lowercase()).await
}

/// Store a changed role.
pub(crate) async fn save_role(
    c: &mut SqliteConnection,
    account: &str,
    role: &Role,
) -> IamResult<()> {
    let key = role.role_name.to_ascii_lowercase();
    typed::update(c, &scope(account), "", &key, role).await?;
    Ok(())
}

async fn create_role(store: &Store, account: &str, p: &Params<'_>) -> IamResult<String> {
    let name = p.get("RoleName");
    let doc = p.get("AssumeRolePolicyDocument");
    let path = p.get("Path").unwrap_or("/");
    let description = p.get("Description");
    let mut f = Failures::default();
    f.role_name(name);
    f.path(path, r"(\u002F)|(\u002F[\u0021-\u007E]+\u002F)");
    match doc {
        None => f.push(None, "assumeRolePolicyDocument", "Member must not be null"),
        Some(d) => f.length(Some(d), "assumeRolePolicyDocument", 1, 131_072),
    }
    f.length(description, "description", 0, 1000);
    let max_session = match p.get("MaxSessionDuration") {
        None => 3600,
        Some(v) => match v.parse::<i64>() {
            Ok(n) if n < 3600 => {
                f.push(
                    Some(v),
                    "maxSessionDuration",
                    "Member must have value greater than or equal to 3600",
                );
                n
            }
            Ok(n) if n > 43_200 => {
                f.push(
                    Some(v),
                    "maxSessionDuration",
                    "Member must have value less than or equal to 43200",
                );
                n
            }
            Ok(n) => n,
            Err(_) => {
                f.push(Some(v), "maxSessionDuration", "Member must be a number");
                0
            }
        },
    };
    f.finish()?;
    let name = name.unwrap_or_default();
    let doc = doc.unwrap_or_default();
    if !serde_json::from_str::<serde_json::Value>(doc).is_ok_and(|v| v.is_object()) {
        return Err(IamError::new(
            StatusCode::BAD_REQUEST,
            "MalformedPolicyDocument",
            "This policy contains invalid Json",
        ));
    }
    let boundary = p.get("PermissionsBoundary");
    if let Some(b) = boundary {
        check_policy_arn(b, account)?;
    }
    let role = Role {
        path: path.to_string(),
        role_name: name.to_string(),
        role_id: ids::iam_unique_id("AROA"),
        arn: format!("arn:aws:iam::{account}:role{path}{name}"),
        create_date: chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        assume_role_policy_document: doc.to_string(),
        description: description.map(str::to_string),
        max_session_duration: max_session,
        permissions_boundary: boundary.map(str::to_string),
        tags: p.tags(),
        attached: Vec::new(),
        inline: Vec::new(),
    };
    let mut tx = store.write().await?;
    let key = name.to_ascii_lowercase();
    match typed::insert(&mut tx, &scope(account), "", &key, &role).await {
        Ok(()) => {}
        Err(StoreError::Conflict) => {
            return Err(IamError::new(
                StatusCode::CONFLICT,
                "EntityAlreadyExists",
                format!("Role with name {name} already exists."),
            ))
        }
        Err(e) => return Err(e.into()),
    }
    tx.commit().await?;
    Ok(role_xml(&role, RoleForm::Create))
}

fn require_role_name<'a>(p: &'a Params<'_>) -> IamResult<&'a str> {
    let name = p.get("RoleName");
    let mut f = Failures::default();
    f.role_name(name);
    f.finish()?;
    Ok(name.unwrap_or_default())
}

async fn get_role(store: &Store, account: &str, p: &Params<'_>) -> IamResult<String> {
    let name = require_role_name(p)?;
    let mut c = store.read().await?;
    let role = load_role(&mut c, account, name).await?;
    Ok(role_xml(&role, RoleForm::Get))
}

async fn delete_role(store: &Store, account: &str, p: &Params<'_>) -> IamResult<String> {
    let name = require_role_name(p)?;
    let mut tx = store.write().await?;
    let role = load_role(&mut tx, account, name).await?;
    if !role.attached.is_empty() {
        return Err(IamError::new(
            StatusCode::CONFLICT,
            "DeleteConflict",
            "Cannot delete entity, must detach all policies first.",
        ));
    }
    if !role.inline.is_empty() {
        return Err(IamError::new(
            StatusCode::CONFLICT,
            "DeleteConflict",
            "Cannot delete entity, must delete policies first.",
        ));
    }
    let key = name.to_ascii_lowercase();
    typed::delete::<Role>(&mut tx, &scope(account), "", &key).await?;
    tx.commit().await?;
    Ok(String::new())
}

/// IAM's opaque `Marker`: the sort key of the last item returned, hex-encoded.
fn encode_marker(key: &str) -> String {
    crate::hex::encode(key)
}

fn decode_marker(marker: &str) -> IamResult<String> {
    let bad = || IamError::validation("Invalid Marker.");
    if marker.is_empty() {
        return Err(bad());
    }
    crate::hex::decode(marker).ok_or_else(bad)
}

/// Cut a page after `marker` from items sorted by `key`; returns the page's XML members,
/// whether it is truncated, and the marker of its last item.
pub(crate) fn page<T>(
    items: &[T],
    key: impl Fn(&T) -> String,
    list: &ListParams<'_>,
    render: impl Fn(&T) -> String,
) -> IamResult<String> {
    let (marker, max) = (list.marker, list.max);
    let after = marker.map(decode_marker).transpose()?;
    let rest: Vec<&T> = items
        .iter()
        .filter(|i| after.as_deref().is_none_or(|a| key(i).as_str() > a))
        .collect();
    let shown = &rest[..rest.len().min(max)];
    let truncated = rest.len() > max;
    let mut x = String::new();
    for i in shown {
        x.push_str(&format!("<member>{}</member>", render(i)));
    }
    let mut out = format!("<IsTruncated>{truncated}</IsTruncated>");
    if truncated {
        if let Some(last) = shown.last() {
            out.push_str(&format!("<Marker>{}</Marker>", encode_marker(&key(last))));
        }
    }
    Ok(format!("{out}{x}"))
}

async fn list_roles(store: &Store, account: &str, p: &Params<'_>) -> IamResult<String> {
    let mut f = Failures::default();
    let list = f.list_params(p, true);
    f.finish()?;
    let mut c = store.read().await?;
    let mut roles: Vec<Role> = typed::list(&mut c, &scope(account), "").await?;
    roles.retain(|r| list.under(&r.path));
    roles.sort_by_key(|r| r.role_name.to_ascii_lowercase());
    let body = page(
        &roles,
        |r| r.role_name.to_ascii_lowercase(),
        &list,
        |r| strip_role_tag(&role_xml(r, RoleForm::List)),
    )?;
    Ok(wrap_list(&body, "Roles"))
}

/// `<Role>…</Role>` → `…`: list members carry the role's elements directly.
fn strip_role_tag(x: &str) -> String {
    x.strip_prefix("<Role>")
        .and_then(|s| s.strip_suffix("</Role>"))
        .unwrap_or(x)
        .to_string()
}

/// Move the `<member>` elements produced by [`page`] into `<{list}>…</{list}>`.
pub(crate) fn wrap_list(body: &str, list: &str) -> String {
    let split = body.find("<member>").unwrap_or(body.len());
    let (head, members) = body.split_at(split);
    format!("<{list}>{members}</{list}>{head}")
}

/// Check a managed-policy ARN: well-formed (else `InvalidInput`); an AWS managed one, or one
/// of `account`'s (whose existence the caller checks), else `NoSuchEntity`. Returns whether it
/// is the account's own.
fn check_policy_arn(arn: &str, account: &str) -> IamResult<bool> {
    let Some((owner, _, _)) = parse_policy_arn(arn) else {
        return Err(IamError::new(
            StatusCode::BAD_REQUEST,
            "InvalidInput",
            format!("ARN {arn} is not valid."),
        ));
    };
    if owner != "aws" && owner != account {
        return Err(IamError::new(
            StatusCode::NOT_FOUND,
            "NoSuchEntity",
            format!("Policy {arn} does not exist or is not attachable."),
        ));
    }
    Ok(owner == account)
}

/// The role name and policy ARN of AttachRolePolicy and DetachRolePolicy, checked; an ARN
/// that is not a policy ARN at all is refused before the role is looked up.
fn policy_params<'a>(p: &'a Params<'_>) -> IamResult<(&'a str, &'a str)> {
    let name = p.get("RoleName");
    let arn = p.get("PolicyArn");
    let mut f = Failures::default();
    f.role_name(name);
    match arn {
        None => f.push(None, "policyArn", "Member must not be null"),
        Some(a) => f.length(Some(a), "policyArn", 20, 2048),
    }
    f.finish()?;
    let arn = arn.unwrap_or_default();
    if parse_policy_arn(arn).is_none() {
        check_policy_arn(arn, "")?;
    }
    Ok((name.unwrap_or_default(), arn))
}

async fn attach_role_policy(store: &Store, account: &str, p: &Params<'_>) -> IamResult<String> {
    let (name, arn) = policy_params(p)?;
    let mut tx = store.write().await?;
    let mut role = load_role(&mut tx, account, name).await?;
    let own = check_policy_arn(arn, account)?;
    if own
        && iam_policies::find_policy(&mut tx, account, arn)
            .await?
            .is_none()
    {
        return Err(IamError::new(
            StatusCode::NOT_FOUND,
            "NoSuchEntity",
            format!("Policy {arn} does not exist or is not attachable."),
        ));
    }
    if role.attached.iter().any(|a| a == arn) {
        // Attaching an attached policy changes nothing and succeeds, as on AWS.
        return Ok(String::new());
    }
    if role.attached.len() >= MAX_ATTACHED {
        return Err(IamError::new(
            StatusCode::CONFLICT,
            "LimitExceeded",
            format!("Cannot exceed quota for PoliciesPerRole: {MAX_ATTACHED}"),
        ));
    }
    role.attached.push(arn.to_string());
    save_role(&mut tx, account, &role).await?;
    if own {
        iam_policies::count_attachment(&mut tx, account, arn, 1).await?;
    }
    tx.commit().await?;
    Ok(String::new())
}

async fn detach_role_policy(store: &Store, account: &str, p: &Params<'_>) -> IamResult<String> {
    let (name, arn) = policy_params(p)?;
    let mut tx = store.write().await?;
    let mut role = load_role(&mut tx, account, name).await?;
    let before = role.attached.len();
    role.attached.retain(|a| a != arn);
    if role.attached.len() == before {
        return Err(IamError::new(
            StatusCode::NOT_FOUND,
            "NoSuchEntity",
            format!("Policy {arn} was not found."),
        ));
    }
    save_role(&mut tx, account, &role).await?;
    if parse_policy_arn(arn).is_some_and(|(owner, _, _)| owner == account) {
        // A policy deleted meanwhile has no count to lower (DeletePolicy refuses an attached
        // one, so this is only a policy attached before it could be counted).
        match iam_policies::count_attachment(&mut tx, account, arn, -1).await {
            Err(e) if e.code() == "NoSuchEntity" => {}
            other => other?,
        }
    }
    tx.commit().await?;
    Ok(String::new())
}

async fn list_attached(store: &Store, account: &str, p: &Params<'_>) -> IamResult<String> {
    let name = p.get("RoleName");
    let mut f = Failures::default();
    f.role_name(name);
    let list = f.list_params(p, true);
    f.finish()?;
    let mut c = store.read().await?;
    let role = load_role(&mut c, account, name.unwrap_or_default()).await?;
    // Attachment order; the marker is the position (zero-padded so it sorts as text).
    let attached: Vec<(String, String, String)> = role
        .attached
        .iter()
        .filter_map(|arn| {
            let (_, path, pname) = parse_policy_arn(arn)?;
            Some((arn.clone(), path.to_string(), pname.to_string()))
        })
        .filter(|(_, path, _)| list.under(path))
        .enumerate()
        .map(|(i, (arn, _, pname))| (format!("{i:010}"), arn, pname))
        .collect();
    let body = page(
        &attached,
        |(k, _, _)| k.clone(),
        &list,
        |(_, arn, pname)| {
            format!(
                "<PolicyName>{}</PolicyName><PolicyArn>{}</PolicyArn>",
                xml_escape(pname),
                xml_escape(arn)
            )
        },
    )?;
    Ok(wrap_list(&body, "AttachedPolicies"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_ids_and_arns() {
        for _ in 0..50 {
            let id = ids::iam_unique_id("AROA");
            assert_eq!(id.len(), 21);
            assert!(id.starts_with("AROA"));
            assert!(id[4..]
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()));
        }
        assert_eq!(
            parse_role_arn("arn:aws:iam::000000000000:role/apigw-logs"),
            Some(("000000000000", "/", "apigw-logs"))
        );
        assert_eq!(
            parse_role_arn("arn:aws:iam::000000000000:role/service-role/x"),
            Some(("000000000000", "/service-role/", "x"))
        );
        assert_eq!(parse_role_arn("arn:aws:iam::000000000000:user/x"), None);
        assert_eq!(parse_role_arn("arn:aws:iam::000000000000:role/"), None);
        assert_eq!(
            parse_policy_arn(
                "arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"
            ),
            Some((
                "aws",
                "/service-role/",
                "AmazonAPIGatewayPushToCloudWatchLogs"
            ))
        );
        assert_eq!(parse_policy_arn("not-an-arn"), None);
        assert_eq!(parse_policy_arn("arn:aws:iam::aws:role/x"), None);
    }

    #[test]
    fn escaping_and_encoding() {
        assert_eq!(
            xml_escape(r#"<a b="c">&'"#),
            "&lt;a b=&quot;c&quot;&gt;&amp;&apos;"
        );
        let doc = r#"{"Version": "2012-10-17", "Statement": []}"#;
        let enc = utf8_percent_encode(doc, POLICY_ENCODE).to_string();
        assert_eq!(
            enc,
            "%7B%22Version%22%3A%20%222012-10-17%22%2C%20%22Statement%22%3A%20%5B%5D%7D"
        );
    }

    #[test]
    fn paths_and_names() {
        assert!(valid_path("/"));
        assert!(valid_path("/service-role/"));
        assert!(!valid_path("service-role/"));
        assert!(!valid_path("/a"));
        assert!(!valid_path("/a b/"));
        let mut f = Failures::default();
        f.role_name(Some("bad name"));
        assert_eq!(
            f.finish().unwrap_err().message(),
            r"1 validation error detected: Value 'bad name' at 'roleName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w+=,.@-]+"
        );
        let mut f = Failures::default();
        f.role_name(Some(&"a".repeat(65)));
        assert!(f
            .finish()
            .unwrap_err()
            .message()
            .ends_with("Member must have length less than or equal to 64"));
    }

    #[test]
    fn markers_and_pages() {
        let items = vec!["a".to_string(), "b".to_string(), "c".to_string()];
        let first = page(
            &items,
            |s| s.clone(),
            &ListParams {
                prefix: None,
                marker: None,
                max: 2,
            },
            |s| s.clone(),
        )
        .unwrap();
        assert_eq!(
            first,
            format!(
                "<IsTruncated>true</IsTruncated><Marker>{}</Marker><member>a</member><member>b</member>",
                encode_marker("b")
            )
        );
        let marker = encode_marker("b");
        let second = page(
            &items,
            |s| s.clone(),
            &ListParams {
                prefix: None,
                marker: Some(&marker),
                max: 2,
            },
            |s| s.clone(),
        )
        .unwrap();
        assert_eq!(second, "<IsTruncated>false</IsTruncated><member>c</member>");
        assert_eq!(
            wrap_list(&second, "Roles"),
            "<Roles><member>c</member></Roles><IsTruncated>false</IsTruncated>"
        );
        assert_eq!(decode_marker("zz").unwrap_err().code(), "ValidationError");
    }
}

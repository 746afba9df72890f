//! Typed access to the `objects` table: one JSON document per control-plane object.

use serde::de::DeserializeOwned;
use serde::Serialize;
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, SqliteConnection};

use apigw_model::Scope;

use crate::{scoped, Query, StoreError, StoreResult};

/// Which family a document belongs to; the `kind` column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A rest API (parent: empty).
    RestApi,
    /// A resource with its methods (parent: the API id).
    Resource,
    /// A deployment (parent: the API id).
    Deployment,
    /// A stage (parent: the API id; id: the stage name).
    Stage,
    /// An API key (parent: empty).
    ApiKey,
    /// A usage plan (parent: empty).
    UsagePlan,
    /// A key attached to a usage plan (parent: the plan id; id: the key id).
    UsagePlanKey,
    /// Account settings (parent and id empty).
    Account,
    /// A gateway response customisation (parent: the API id; id: the response type).
    GatewayResponse,
    /// A Lambda or Cognito authorizer (parent: the API id; id: the authorizer id).
    Authorizer,
    /// An IAM role (IAM is global: region `aws-global`; parent empty; id: the lower-cased
    /// role name, since IAM role names are unique regardless of case).
    IamRole,
    /// An IAM customer managed policy (region `aws-global`; parent empty; id: its ARN).
    IamPolicy,
    /// A model (parent: the API id; id: the model name, which is how AWS addresses it).
    Model,
    /// A request validator (parent: the API id; id: the validator id).
    RequestValidator,
    /// A documentation part (parent: the API id; id: the part id).
    DocumentationPart,
    /// A documentation version (parent: the API id; id: the version name).
    DocumentationVersion,
    /// A VPC link (parent: empty; id: the link id).
    VpcLink,
    /// A client certificate (parent: empty; id: the certificate id).
    ClientCertificate,
    /// A custom domain name (parent: empty; id: the lower-cased name).
    DomainName,
    /// A base path mapping (parent: the domain name; id: the base path, `(none)` for none).
    BasePathMapping,
    /// A domain name access association (parent: empty; id: its ARN).
    DomainNameAccessAssociation,
    /// A function of the built-in Lambda (parent: empty; id: the function name).
    LambdaFunction,
}

impl Kind {
    /// The value stored in the `kind` column.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::RestApi => "restapi",
            Self::Resource => "resource",
            Self::Deployment => "deployment",
            Self::Stage => "stage",
            Self::ApiKey => "apikey",
            Self::UsagePlan => "usageplan",
            Self::UsagePlanKey => "usageplankey",
            Self::Account => "account",
            Self::GatewayResponse => "gatewayresponse",
            Self::Authorizer => "authorizer",
            Self::IamRole => "iamrole",
            Self::IamPolicy => "iampolicy",
            Self::Model => "model",
            Self::RequestValidator => "requestvalidator",
            Self::DocumentationPart => "documentationpart",
            Self::DocumentationVersion => "documentationversion",
            Self::VpcLink => "vpclink",
            Self::ClientCertificate => "clientcertificate",
            Self::DomainName => "domainname",
            Self::BasePathMapping => "basepathmapping",
            Self::DomainNameAccessAssociation => "domainnameaccessassociation",
            Self::LambdaFunction => "lambdafunction",
        }
    }
}

/// A query on `objects` with the key columns it starts with bound: account, region, kind and
/// parent (`?1` to `?4`).
fn keyed<'q>(sql: &'q str, scope: &'q Scope, kind: Kind, parent: &'q str) -> Query<'q> {
    scoped(sql, scope).bind(kind.as_str()).bind(parent)
}

/// Column `i` of a row, a stored JSON text, as `T`.
fn parse<T: DeserializeOwned>(r: &SqliteRow, i: usize) -> StoreResult<T> {
    Ok(serde_json::from_str(r.get::<&str, _>(i))?)
}

/// The row of one document (its `doc` column), if stored.
async fn find(
    c: &mut SqliteConnection,
    scope: &Scope,
    kind: Kind,
    parent: &str,
    id: &str,
) -> StoreResult<Option<SqliteRow>> {
    Ok(keyed(
        "SELECT doc FROM objects WHERE account = ? AND region = ? AND kind = ? AND parent = ? AND id = ?",
        scope,
        kind,
        parent,
    )
    .bind(id)
    .fetch_optional(&mut *c)
    .await?)
}

/// Run `sql` with a document's key (`?1` to `?5`) and its JSON (`?6`); returns the rows
/// written.
async fn write<T: Serialize>(
    c: &mut SqliteConnection,
    sql: &str,
    (scope, kind, parent, id): (&Scope, Kind, &str, &str),
    doc: &T,
) -> StoreResult<u64> {
    let json = serde_json::to_string(doc)?;
    let res = keyed(sql, scope, kind, parent)
        .bind(id)
        .bind(json)
        .execute(&mut *c)
        .await;
    match res {
        Ok(r) => Ok(r.rows_affected()),
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Err(StoreError::Conflict),
        Err(e) => Err(e.into()),
    }
}

/// Read one document.
///
/// # Errors
/// SQLite failed or the stored JSON does not parse as `T`.
pub async fn get<T: DeserializeOwned>(
    c: &mut SqliteConnection,
    scope: &Scope,
    kind: Kind,
    parent: &str,
    id: &str,
) -> StoreResult<Option<T>> {
    let row = find(c, scope, kind, parent, id).await?;
    row.as_ref().map(|r| parse(r, 0)).transpose()
}

/// Whether a document exists.
///
/// # Errors
/// SQLite failed.
pub async fn exists(
    c: &mut SqliteConnection,
    scope: &Scope,
    kind: Kind,
    parent: &str,
    id: &str,
) -> StoreResult<bool> {
    Ok(find(c, scope, kind, parent, id).await?.is_some())
}

/// All documents of a kind under a parent, in creation order.
///
/// # Errors
/// SQLite failed or a stored JSON does not parse as `T`.
pub async fn list<T: DeserializeOwned>(
    c: &mut SqliteConnection,
    scope: &Scope,
    kind: Kind,
    parent: &str,
) -> StoreResult<Vec<T>> {
    let rows = keyed(
        "SELECT doc FROM objects WHERE account = ? AND region = ? AND kind = ? AND parent = ? ORDER BY seq",
        scope,
        kind,
        parent,
    )
    .fetch_all(&mut *c)
    .await?;
    rows.iter().map(|r| parse(r, 0)).collect()
}

/// All documents of a kind in a scope, whatever their parent, in creation order, with the parent.
///
/// # Errors
/// SQLite failed or a stored JSON does not parse as `T`.
pub async fn list_all<T: DeserializeOwned>(
    c: &mut SqliteConnection,
    scope: &Scope,
    kind: Kind,
) -> StoreResult<Vec<(String, T)>> {
    let rows = scoped(
        "SELECT parent, doc FROM objects WHERE account = ? AND region = ? AND kind = ? ORDER BY seq",
        scope,
    )
    .bind(kind.as_str())
    .fetch_all(&mut *c)
    .await?;
    rows.iter()
        .map(|r| Ok((r.get::<String, _>(0), parse(r, 1)?)))
        .collect()
}

/// Insert a new document.
///
/// # Errors
/// [`StoreError::Conflict`] when the key exists; SQLite or serialisation failures.
pub async fn insert<T: Serialize>(
    c: &mut SqliteConnection,
    scope: &Scope,
    kind: Kind,
    parent: &str,
    id: &str,
    doc: &T,
) -> StoreResult<()> {
    write(
        c,
        "INSERT INTO objects (account, region, kind, parent, id, doc) VALUES (?, ?, ?, ?, ?, ?)",
        (scope, kind, parent, id),
        doc,
    )
    .await
    .map(drop)
}

/// Replace an existing document; returns whether it existed.
///
/// # Errors
/// SQLite or serialisation failures.
pub async fn update<T: Serialize>(
    c: &mut SqliteConnection,
    scope: &Scope,
    kind: Kind,
    parent: &str,
    id: &str,
    doc: &T,
) -> StoreResult<bool> {
    let written = write(
        c,
        "UPDATE objects SET doc = ?6 WHERE account = ?1 AND region = ?2 AND kind = ?3 AND parent = ?4 AND id = ?5",
        (scope, kind, parent, id),
        doc,
    )
    .await?;
    Ok(written > 0)
}

/// Insert or replace a document, keeping its place in creation order when it exists.
///
/// # Errors
/// SQLite or serialisation failures.
pub async fn upsert<T: Serialize>(
    c: &mut SqliteConnection,
    scope: &Scope,
    kind: Kind,
    parent: &str,
    id: &str,
    doc: &T,
) -> StoreResult<()> {
    if !update(c, scope, kind, parent, id, doc).await? {
        insert(c, scope, kind, parent, id, doc).await?;
    }
    Ok(())
}

/// Delete one document; returns whether it existed.
///
/// # Errors
/// SQLite failed.
pub async fn delete(
    c: &mut SqliteConnection,
    scope: &Scope,
    kind: Kind,
    parent: &str,
    id: &str,
) -> StoreResult<bool> {
    let res = keyed(
        "DELETE FROM objects WHERE account = ? AND region = ? AND kind = ? AND parent = ? AND id = ?",
        scope,
        kind,
        parent,
    )
    .bind(id)
    .execute(&mut *c)
    .await?;
    Ok(res.rows_affected() > 0)
}

/// Delete every document of `kind` under `parent` (a cascade); returns how many.
///
/// # Errors
/// SQLite failed.
pub async fn delete_children(
    c: &mut SqliteConnection,
    scope: &Scope,
    kind: Kind,
    parent: &str,
) -> StoreResult<u64> {
    let res = keyed(
        "DELETE FROM objects WHERE account = ? AND region = ? AND kind = ? AND parent = ?",
        scope,
        kind,
        parent,
    )
    .execute(&mut *c)
    .await?;
    Ok(res.rows_affected())
}

/// Store the frozen snapshot of a deployment.
///
/// # Errors
/// SQLite or serialisation failures.
pub async fn put_snapshot<T: Serialize>(
    c: &mut SqliteConnection,
    scope: &Scope,
    api_id: &str,
    deployment_id: &str,
    snapshot: &T,
) -> StoreResult<()> {
    scoped(
        "INSERT OR REPLACE INTO deployment_snapshots (account, region, api_id, deployment_id, snapshot) VALUES (?, ?, ?, ?, ?)",
        scope,
    )
    .bind(api_id)
    .bind(deployment_id)
    .bind(serde_json::to_string(snapshot)?)
    .execute(&mut *c)
    .await?;
    Ok(())
}

/// Read the frozen snapshot of a deployment.
///
/// # Errors
/// SQLite failed or the snapshot does not parse as `T`.
pub async fn get_snapshot<T: DeserializeOwned>(
    c: &mut SqliteConnection,
    scope: &Scope,
    api_id: &str,
    deployment_id: &str,
) -> StoreResult<Option<T>> {
    let row = scoped(
        "SELECT snapshot FROM deployment_snapshots WHERE account = ? AND region = ? AND api_id = ? AND deployment_id = ?",
        scope,
    )
    .bind(api_id)
    .bind(deployment_id)
    .fetch_optional(&mut *c)
    .await?;
    row.as_ref().map(|r| parse(r, 0)).transpose()
}

/// Delete snapshots: one deployment's, or all of an API's when `deployment_id` is `None`.
///
/// # Errors
/// SQLite failed.
pub async fn delete_snapshots(
    c: &mut SqliteConnection,
    scope: &Scope,
    api_id: &str,
    deployment_id: Option<&str>,
) -> StoreResult<()> {
    scoped(
        "DELETE FROM deployment_snapshots WHERE account = ?1 AND region = ?2 AND api_id = ?3 AND (?4 IS NULL OR deployment_id = ?4)",
        scope,
    )
    .bind(api_id)
    .bind(deployment_id)
    .execute(&mut *c)
    .await?;
    Ok(())
}

/// Every stored snapshot with its scope and keys (the data plane loads them at start).
///
/// # Errors
/// SQLite failed or a snapshot does not parse as `T`.
pub async fn all_snapshots<T: DeserializeOwned>(
    c: &mut SqliteConnection,
) -> StoreResult<Vec<(Scope, String, String, T)>> {
    let rows = sqlx::query(
        "SELECT account, region, api_id, deployment_id, snapshot FROM deployment_snapshots",
    )
    .fetch_all(&mut *c)
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                Scope::new(r.get::<String, _>(0), r.get::<String, _>(1)),
                r.get::<String, _>(2),
                r.get::<String, _>(3),
                parse(r, 4)?,
            ))
        })
        .collect()
}

/// Map a store error of an insert to "already exists" handling at the call site.
pub fn is_conflict(e: &StoreError) -> bool {
    matches!(e, StoreError::Conflict)
}

/// Every (scope, parent) that holds at least one document of `kind` — e.g. every API with
/// stages, which the data plane loads at start-up.
///
/// # Errors
/// SQLite failed.
pub async fn parents_of(c: &mut SqliteConnection, kind: Kind) -> StoreResult<Vec<(Scope, String)>> {
    let rows = sqlx::query("SELECT DISTINCT account, region, parent FROM objects WHERE kind = ? ORDER BY account, region, parent")
        .bind(kind.as_str())
        .fetch_all(&mut *c)
        .await?;
    Ok(rows
        .iter()
        .map(|r| {
            (
                Scope::new(r.get::<String, _>(0), r.get::<String, _>(1)),
                r.get::<String, _>(2),
            )
        })
        .collect())
}

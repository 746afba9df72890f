//! Typed access to the `objects` table: one JSON document per control-plane object.

use serde::de::DeserializeOwned;
use serde::Serialize;
use sqlx::{Row, SqliteConnection};

use apigw_model::Scope;

use crate::{StoreError, StoreResult};

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
    /// A model (parent: the API id; id: the model name, which is how AWS addresses it).
    Model,
    /// A request validator (parent: the API id; id: the validator id).
    RequestValidator,
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
            Self::Model => "model",
            Self::RequestValidator => "requestvalidator",
        }
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
    let row = sqlx::query(
        "SELECT doc FROM objects WHERE account = ? AND region = ? AND kind = ? AND parent = ? AND id = ?",
    )
    .bind(&scope.account)
    .bind(&scope.region)
    .bind(kind.as_str())
    .bind(parent)
    .bind(id)
    .fetch_optional(&mut *c)
    .await?;
    match row {
        Some(r) => Ok(Some(serde_json::from_str(r.get::<&str, _>(0))?)),
        None => Ok(None),
    }
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
    let row = sqlx::query(
        "SELECT 1 FROM objects WHERE account = ? AND region = ? AND kind = ? AND parent = ? AND id = ?",
    )
    .bind(&scope.account)
    .bind(&scope.region)
    .bind(kind.as_str())
    .bind(parent)
    .bind(id)
    .fetch_optional(&mut *c)
    .await?;
    Ok(row.is_some())
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
    let rows = sqlx::query(
        "SELECT doc FROM objects WHERE account = ? AND region = ? AND kind = ? AND parent = ? ORDER BY seq",
    )
    .bind(&scope.account)
    .bind(&scope.region)
    .bind(kind.as_str())
    .bind(parent)
    .fetch_all(&mut *c)
    .await?;
    rows.iter()
        .map(|r| Ok(serde_json::from_str(r.get::<&str, _>(0))?))
        .collect()
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
    let rows = sqlx::query(
        "SELECT parent, doc FROM objects WHERE account = ? AND region = ? AND kind = ? ORDER BY seq",
    )
    .bind(&scope.account)
    .bind(&scope.region)
    .bind(kind.as_str())
    .fetch_all(&mut *c)
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.get::<String, _>(0),
                serde_json::from_str(r.get::<&str, _>(1))?,
            ))
        })
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
    let json = serde_json::to_string(doc)?;
    let res = sqlx::query(
        "INSERT INTO objects (account, region, kind, parent, id, doc) VALUES (?, ?, ?, ?, ?, ?)",
    )
    .bind(&scope.account)
    .bind(&scope.region)
    .bind(kind.as_str())
    .bind(parent)
    .bind(id)
    .bind(json)
    .execute(&mut *c)
    .await;
    match res {
        Ok(_) => Ok(()),
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Err(StoreError::Conflict),
        Err(e) => Err(e.into()),
    }
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
    let json = serde_json::to_string(doc)?;
    let res = sqlx::query(
        "UPDATE objects SET doc = ? WHERE account = ? AND region = ? AND kind = ? AND parent = ? AND id = ?",
    )
    .bind(json)
    .bind(&scope.account)
    .bind(&scope.region)
    .bind(kind.as_str())
    .bind(parent)
    .bind(id)
    .execute(&mut *c)
    .await?;
    Ok(res.rows_affected() > 0)
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
    let res = sqlx::query(
        "DELETE FROM objects WHERE account = ? AND region = ? AND kind = ? AND parent = ? AND id = ?",
    )
    .bind(&scope.account)
    .bind(&scope.region)
    .bind(kind.as_str())
    .bind(parent)
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
    let res = sqlx::query(
        "DELETE FROM objects WHERE account = ? AND region = ? AND kind = ? AND parent = ?",
    )
    .bind(&scope.account)
    .bind(&scope.region)
    .bind(kind.as_str())
    .bind(parent)
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
    sqlx::query(
        "INSERT OR REPLACE INTO deployment_snapshots (account, region, api_id, deployment_id, snapshot) VALUES (?, ?, ?, ?, ?)",
    )
    .bind(&scope.account)
    .bind(&scope.region)
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
    let row = sqlx::query(
        "SELECT snapshot FROM deployment_snapshots WHERE account = ? AND region = ? AND api_id = ? AND deployment_id = ?",
    )
    .bind(&scope.account)
    .bind(&scope.region)
    .bind(api_id)
    .bind(deployment_id)
    .fetch_optional(&mut *c)
    .await?;
    match row {
        Some(r) => Ok(Some(serde_json::from_str(r.get::<&str, _>(0))?)),
        None => Ok(None),
    }
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
    sqlx::query(
        "DELETE FROM deployment_snapshots WHERE account = ? AND region = ? AND api_id = ? AND (? IS NULL OR deployment_id = ?)",
    )
    .bind(&scope.account)
    .bind(&scope.region)
    .bind(api_id)
    .bind(deployment_id)
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
                serde_json::from_str(r.get::<&str, _>(4))?,
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

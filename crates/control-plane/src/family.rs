//! What the stored families have in common: loading one with its own 404, inserting one with
//! its own 409, and the paged list of an API's documents. Each family module gives its type a
//! [`Family`] impl (its 404) and uses these rather than writing its own wrappers around the
//! store.

use axum::extract::{Path, Query};
use axum::response::Response;
use axum::routing::MethodRouter;
use axum::Router;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

use apigw_model::{ApiError, Scope};
use apigw_store::{typed, Document, SqliteConnection, StoreError};

use crate::error::{internal, Error, Result};
use crate::extract::{AwsJson, Call};
use crate::lookup;
use crate::paging::{paginate, Page, PageQuery};
use crate::patch::{self, PatchInput, PatchOp};
use crate::{reply, AppState};

/// A family whose Update* loads the document (its 404 also for an unknown API), applies the
/// patch operations to a copy and stores that.
pub trait Patched: Family + Clone {
    /// The input AWS's validation errors name (`updateModelInput`).
    const UPDATE_INPUT: &'static str;
    /// Whether an unknown API answers the API's 404 ([`load_in_api`], UpdateDeployment) rather
    /// than the family's ([`load`], UpdateModel, UpdateRequestValidator).
    const API_404_FIRST: bool = false;
    /// The document with `ops` applied.
    ///
    /// # Errors
    /// The family's refusals; `self` is unchanged.
    fn patched(&self, ops: &[PatchOp]) -> Result<Self>;
}

/// `doc` with `apply` done to a copy of it: a [`Patched::patched`] for a family whose patch
/// function edits in place.
///
/// # Errors
/// `apply`'s; `doc` is unchanged either way.
pub fn patched_copy<T: Clone>(doc: &T, apply: impl FnOnce(&mut T) -> Result<()>) -> Result<T> {
    let mut copy = doc.clone();
    apply(&mut copy)?;
    Ok(copy)
}

/// A stored family as the control plane answers for it.
pub trait Family: Document + Serialize + Send + Sync + 'static {
    /// AWS's 404 for an unknown `id` (the id, name or type the path gave).
    fn not_found(id: &str) -> Error;

    /// The document as an answer shows it, `single` in a Get or Update, not in a list (AWS
    /// shows `tags: {}` in the former even when there are none). As stored, by default.
    ///
    /// # Errors
    /// Serialisation failure.
    fn view(&self, single: bool) -> Result<Value> {
        let _ = single;
        serde_json::to_value(self).map_err(internal)
    }
}

/// Load one document, or the family's 404.
///
/// # Errors
/// [`Family::not_found`]; store failure.
pub async fn load<T: Family>(
    c: &mut SqliteConnection,
    scope: &Scope,
    parent: &str,
    id: &str,
) -> Result<T> {
    typed::get(c, scope, parent, id)
        .await?
        .ok_or_else(|| T::not_found(id))
}

/// Load one document of an API; when it is missing, AWS names the API first if that is
/// missing too, else the family's 404.
///
/// # Errors
/// The API's 404, [`Family::not_found`]; store failure.
pub async fn load_in_api<T: Family>(
    c: &mut SqliteConnection,
    scope: &Scope,
    api_id: &str,
    id: &str,
) -> Result<T> {
    match typed::get(c, scope, api_id, id).await? {
        Some(found) => Ok(found),
        None => {
            lookup::rest_api(c, scope, api_id).await?;
            Err(T::not_found(id))
        }
    }
}

/// Insert a new document; a key that exists already answers a 409 with `message`.
///
/// # Errors
/// `ConflictException`; store failure.
pub async fn insert_new<T: Document>(
    c: &mut SqliteConnection,
    scope: &Scope,
    parent: &str,
    id: &str,
    doc: &T,
    message: impl Into<String>,
) -> Result<()> {
    match typed::insert(c, scope, parent, id, doc).await {
        Err(StoreError::Conflict) => Err(ApiError::conflict(message).into()),
        done => Ok(done?),
    }
}

/// The routes of a family of an API's documents: `/restapis/{restapi_id}/{collection}` lists
/// them ([`list_in_api`], answering the API's 404 as AWS does) and creates one with `create`;
/// `/restapis/{restapi_id}/{collection}/{item}` serves `one` (get, update, delete).
pub fn api_routes<T: Family>(
    collection: &str,
    item: &str,
    create: MethodRouter<AppState>,
    one: MethodRouter<AppState>,
) -> Router<AppState> {
    let list = format!("/restapis/{{restapi_id}}/{collection}");
    let one_path = format!("{list}/{{{item}}}");
    Router::new()
        .route(&list, create.get(list_in_api::<T, PageQuery>))
        .route(&one_path, one)
}

/// What the list of a family (Get{Family}s) answers for the API's documents and the list's
/// query `Q`. A family's documents shown as stored, a page at a time, need no impl of their
/// own; the lists that filter, complete or render them (documentation parts, gateway
/// responses, resources, stages) say how.
pub trait Shown<Q>: Document + Sized {
    /// The answer for `all`, in creation order.
    ///
    /// # Errors
    /// The query's refusals (paging).
    fn shown(all: Vec<Self>, q: &Q) -> Result<Response>;
}

impl<T: Family> Shown<PageQuery> for T {
    fn shown(all: Vec<Self>, q: &PageQuery) -> Result<Response> {
        reply::ok(&paginate(all, q)?)
    }
}

/// The handler of every Get{Family}s of an API's documents: the API's 404 first, then what
/// [`Shown`] makes of its documents.
///
/// # Errors
/// The API's 404, the query's refusals; store failure.
pub async fn list_in_api<T, Q>(
    Call { st, scope }: Call,
    Path(api_id): Path<String>,
    Query(q): Query<Q>,
) -> Result<Response>
where
    T: Shown<Q> + Send + 'static,
    Q: DeserializeOwned + Send + 'static,
{
    let mut c = st.store.read().await?;
    let all: Vec<T> = lookup::api_documents(&mut c, &scope, &api_id).await?;
    T::shown(all, &q)
}

/// The handler of GetModel and GetRequestValidator: the document, or the family's 404 (also
/// when the API is unknown, as AWS answers these two).
///
/// # Errors
/// [`Family::not_found`]; store failure.
pub async fn get_in_api<T: Family>(
    Call { st, scope }: Call,
    Path((api_id, id)): Path<(String, String)>,
) -> Result<Response> {
    let mut c = st.store.read().await?;
    reply::ok(&load::<T>(&mut c, &scope, &api_id, &id).await?)
}

/// The handler of UpdateModel, UpdateRequestValidator and UpdateDeployment ([`Patched`]).
///
/// # Errors
/// [`Family::not_found`], the patch's refusals; store failure.
pub async fn update_in_api<T: Patched>(
    Call { st, scope }: Call,
    Path((api_id, id)): Path<(String, String)>,
    AwsJson(input): AwsJson<PatchInput>,
) -> Result<Response> {
    let ops = patch::parse(input, T::UPDATE_INPUT)?;
    let mut tx = st.store.write().await?;
    let current: T = if T::API_404_FIRST {
        load_in_api(&mut tx, &scope, &api_id, &id).await?
    } else {
        load(&mut tx, &scope, &api_id, &id).await?
    };
    let new = current.patched(&ops)?;
    typed::update(&mut tx, &scope, &api_id, &id, &new).await?;
    tx.commit().await?;
    reply::ok(&new)
}

/// The routes of a family of account-level documents (parent `""`): `/{collection}` lists them
/// ([`list_top`]) and creates one with `create`; `/{collection}/{item}` gets ([`get_top`]),
/// updates ([`update_top`]) and deletes ([`delete_top`]) one.
pub fn top_routes<T: Patched>(
    collection: &str,
    item: &str,
    create: MethodRouter<AppState>,
) -> Router<AppState> {
    let list = format!("/{collection}");
    let one = format!("{list}/{{{item}}}");
    Router::new().route(&list, create.get(list_top::<T>)).route(
        &one,
        axum::routing::get(get_top::<T>)
            .patch(update_top::<T>)
            .delete(delete_top::<T>),
    )
}

/// Get{Family} of an account-level document: [`Family::view`], or the family's 404.
///
/// # Errors
/// [`Family::not_found`]; store failure.
pub async fn get_top<T: Family>(
    Call { st, scope }: Call,
    Path(id): Path<String>,
) -> Result<Response> {
    let mut c = st.store.read().await?;
    reply::ok(&load::<T>(&mut c, &scope, "", &id).await?.view(true)?)
}

/// Get{Family}s of account-level documents: a page of their [`Family::view`]s.
///
/// # Errors
/// The paging refusals; store failure.
pub async fn list_top<T: Family>(
    Call { st, scope }: Call,
    Query(q): Query<PageQuery>,
) -> Result<Response> {
    let mut c = st.store.read().await?;
    let all: Vec<T> = typed::list(&mut c, &scope, "").await?;
    let page = paginate(all, &q)?;
    let item = page
        .item
        .iter()
        .map(|d| d.view(false))
        .collect::<Result<Vec<_>>>()?;
    reply::ok(&Page {
        item,
        position: page.position,
    })
}

/// Update{Family} of an account-level document ([`Patched`]).
///
/// # Errors
/// [`Family::not_found`], the patch's refusals; store failure.
pub async fn update_top<T: Patched>(
    Call { st, scope }: Call,
    Path(id): Path<String>,
    AwsJson(input): AwsJson<PatchInput>,
) -> Result<Response> {
    let ops = patch::parse(input, T::UPDATE_INPUT)?;
    let mut tx = st.store.write().await?;
    let new = load::<T>(&mut tx, &scope, "", &id).await?.patched(&ops)?;
    typed::update(&mut tx, &scope, "", &id, &new).await?;
    tx.commit().await?;
    reply::ok(&new.view(true)?)
}

/// Delete{Family} of an account-level document that nothing else refers to.
///
/// # Errors
/// [`Family::not_found`]; store failure.
pub async fn delete_top<T: Family>(
    Call { st, scope }: Call,
    Path(id): Path<String>,
) -> Result<Response> {
    let mut tx = st.store.write().await?;
    if !typed::delete::<T>(&mut tx, &scope, "", &id).await? {
        return Err(T::not_found(&id));
    }
    tx.commit().await?;
    reply::accepted()
}

/// Delete{Family} of an API's document that nothing refers to. When it is missing, the API's
/// 404 comes first if `API_404_FIRST` and the API is unknown (DeleteDocumentationPart), else
/// the family's (DeleteRequestValidator). A parameter, not [`Patched::API_404_FIRST`]: a
/// documentation part answers its own 404 to an Update but the API's to a Delete.
///
/// # Errors
/// The API's 404, [`Family::not_found`]; store failure.
pub async fn delete_in_api<T: Family, const API_404_FIRST: bool>(
    Call { st, scope }: Call,
    Path((api_id, id)): Path<(String, String)>,
) -> Result<Response> {
    let mut tx = st.store.write().await?;
    if !typed::delete::<T>(&mut tx, &scope, &api_id, &id).await? {
        if API_404_FIRST {
            lookup::rest_api(&mut tx, &scope, &api_id).await?;
        }
        return Err(T::not_found(&id));
    }
    tx.commit().await?;
    reply::accepted()
}

//! The `objects` table by family: each stored type names its [`Kind`] once, in its
//! [`Document`] impl, and callers write `typed::get::<Authorizer>(c, scope, api_id, id)` rather
//! than passing the kind (and the type) at every call of [`docs`](crate::docs).

use serde::de::DeserializeOwned;
use serde::Serialize;
use sqlx::SqliteConnection;

use apigw_model::{
    Account, ApiKey, Authorizer, BasePathMapping, Deployment, DocumentationPart,
    DocumentationVersion, DomainName, DomainNameAccessAssociation, GatewayResponse, Model,
    RequestValidator, Resource, RestApi, Scope, Stage, UsagePlan, UsagePlanKey,
};
use apigw_model::{ClientCertificate, VpcLink};

use crate::docs::{self, Kind};
use crate::StoreResult;

/// A type stored as one `objects` document a value. The kind's doc says what its parent and
/// id are (the API id and the resource id, "" and the key id, …).
pub trait Document: Serialize + DeserializeOwned {
    /// The `kind` column of this family.
    const KIND: Kind;
}

macro_rules! documents {
    ($($t:ty => $kind:ident),* $(,)?) => {
        $(impl Document for $t {
            const KIND: Kind = Kind::$kind;
        })*
    };
}

documents! {
    RestApi => RestApi,
    Resource => Resource,
    Deployment => Deployment,
    Stage => Stage,
    ApiKey => ApiKey,
    UsagePlan => UsagePlan,
    UsagePlanKey => UsagePlanKey,
    Account => Account,
    GatewayResponse => GatewayResponse,
    Authorizer => Authorizer,
    Model => Model,
    RequestValidator => RequestValidator,
    DocumentationPart => DocumentationPart,
    DocumentationVersion => DocumentationVersion,
    VpcLink => VpcLink,
    ClientCertificate => ClientCertificate,
    DomainName => DomainName,
    BasePathMapping => BasePathMapping,
    DomainNameAccessAssociation => DomainNameAccessAssociation,
}

// Each function is its namesake in `docs` with the kind taken from `T`.
macro_rules! typed {
    ($($(#[$doc:meta])* $name:ident($($arg:ident: $ty:ty),*) -> $out:ty;)*) => {
        $(
            $(#[$doc])*
            pub async fn $name<T: Document>(
                c: &mut SqliteConnection,
                scope: &Scope,
                $($arg: $ty),*
            ) -> StoreResult<$out> {
                docs::$name(c, scope, T::KIND, $($arg),*).await
            }
        )*
    };
}

typed! {
    /// Read one document ([`docs::get`]).
    get(parent: &str, id: &str) -> Option<T>;
    /// Whether a document exists ([`docs::exists`]).
    exists(parent: &str, id: &str) -> bool;
    /// All documents under a parent, in creation order ([`docs::list`]).
    list(parent: &str) -> Vec<T>;
    /// All documents in a scope, whatever their parent, in creation order, with the parent
    /// ([`docs::list_all`]).
    list_all() -> Vec<(String, T)>;
    /// Insert a new document; [`crate::StoreError::Conflict`] when the key exists
    /// ([`docs::insert`]).
    insert(parent: &str, id: &str, doc: &T) -> ();
    /// Replace an existing document; returns whether it existed ([`docs::update`]).
    update(parent: &str, id: &str, doc: &T) -> bool;
    /// Insert or replace a document ([`docs::upsert`]).
    upsert(parent: &str, id: &str, doc: &T) -> ();
    /// Delete one document; returns whether it existed ([`docs::delete`]).
    delete(parent: &str, id: &str) -> bool;
    /// Delete every document under `parent` (a cascade); returns how many
    /// ([`docs::delete_children`]).
    delete_children(parent: &str) -> u64;
}

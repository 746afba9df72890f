//! The built-in Lambda: the part of the Lambda API (2015-03-31, REST-JSON) that API Gateway
//! users need — CreateFunction with a zip, Get/List/Delete, UpdateFunctionCode and
//! UpdateFunctionConfiguration, Invoke, Add/RemovePermission and GetPolicy — served at
//! apigw-local's own endpoint, with each function run locally by a worker process through the
//! Lambda Runtime API ([`runtime`]). Functions are documents in the store; their zips sit on
//! disk beside the database ([`code`]); their output goes to the built-in CloudWatch Logs
//! ([`logs`]).
//!
//! The data plane reaches functions through [`Lambda::invoke_local`], so AWS_PROXY and AWS
//! integrations and Lambda authorizers run them with no `--lambda-endpoint`.

pub mod api;
pub mod code;
pub mod error;
pub mod function;
pub mod logs;
pub mod runtime;

use std::sync::Arc;

use bytes::Bytes;

use apigw_model::Scope;
use apigw_store::Store;

use crate::error::LambdaResult;
use crate::function::{FunctionName, StoredFunction};

pub use crate::error::LambdaError;
pub use crate::runtime::Invoked;

/// The built-in Lambda's state.
#[derive(Debug)]
pub struct Lambda {
    store: Store,
    account_id: String,
    default_region: String,
    code: code::CodeStore,
    runtimes: runtime::Runtimes,
}

impl Lambda {
    /// The service over `store` (zips beside its database file), and the task that writes
    /// functions' log lines, to run on the server's runtime.
    ///
    /// # Errors
    /// The code folder cannot be made.
    pub fn new(
        store: Store,
        account_id: String,
        default_region: String,
    ) -> std::io::Result<(Arc<Self>, impl std::future::Future<Output = ()>)> {
        let code = code::CodeStore::open(store.location())?;
        let (sink, writer) = logs::start_writer(store.clone());
        let runtimes = runtime::Runtimes::new(code.own_dir(), sink);
        Ok((
            Arc::new(Self {
                store,
                account_id,
                default_region,
                code,
                runtimes,
            }),
            writer,
        ))
    }

    /// Whether a request is for this service (by its path).
    pub fn is_lambda_call(path: &str) -> bool {
        path.starts_with("/2015-03-31/functions") || path.starts_with(api::CODE_PREFIX)
    }

    /// Stop every worker (after the store was reset).
    pub fn reset(&self) {
        self.runtimes.retire_all();
    }

    /// The scope of a region.
    fn scope(&self, region: &str) -> Scope {
        Scope::new(self.account_id.clone(), region.to_string())
    }

    /// Invoke a function for the data plane. `None` when no function of that name exists here
    /// (the caller answers its own configuration error).
    pub async fn invoke_local(
        &self,
        region: &str,
        function: &str,
        qualifier: Option<&str>,
        payload: Bytes,
    ) -> Option<LambdaResult<Invoked>> {
        let scope = self.scope(region);
        let name = FunctionName::parse(function).ok()?;
        let stored = self.find(&scope, &name.name).await.ok()??;
        if qualifier
            .or(name.qualifier.as_deref())
            .is_some_and(|q| q != "$LATEST")
        {
            return None;
        }
        Some(self.run(&scope, &stored, payload).await)
    }

    /// A stored function.
    async fn find(&self, scope: &Scope, name: &str) -> LambdaResult<Option<StoredFunction>> {
        let mut c = self.store.read().await?;
        Ok(apigw_store::typed::get::<StoredFunction>(&mut c, scope, "", name).await?)
    }

    /// Run one invocation.
    async fn run(
        &self,
        scope: &Scope,
        stored: &StoredFunction,
        payload: Bytes,
    ) -> LambdaResult<Invoked> {
        let sha = stored.config.code_sha256.clone();
        // File work on the worker's thread: once per code version, for zips of a few MB.
        let dir = self.code.unpacked(&sha)?;
        self.runtimes
            .invoke(scope, &stored.config, &dir, payload)
            .await
    }
}

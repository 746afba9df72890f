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

use std::collections::HashMap;
use std::sync::Arc;

use arc_swap::ArcSwap;
use bytes::Bytes;

use apigw_model::Scope;
use apigw_store::{docs, typed, Store};

use crate::error::LambdaResult;
use crate::function::StoredFunction;

pub use crate::error::LambdaError;
pub use crate::runtime::Invoked;

/// Committed functions by scope and name.
type Functions = HashMap<Scope, HashMap<String, Arc<StoredFunction>>>;

/// The built-in Lambda's state.
#[derive(Debug)]
pub struct Lambda {
    store: Store,
    account_id: String,
    default_region: String,
    code: Arc<code::CodeStore>,
    runtimes: runtime::Runtimes,
    /// Every committed function, which lookups read (so an invocation from the data plane
    /// touches no database and no lock, also for a name that has no function): loaded whole at
    /// start ([`Self::load`]), kept in step by each write ([`Self::publish`]).
    functions: ArcSwap<Functions>,
    /// Held across a function's read-change-write and its publication (and a reset), so writes
    /// apply one after another to the latest copy, and `functions` is always what the store
    /// holds.
    writes: tokio::sync::Mutex<()>,
    /// Stops the log writer ([`Self::stop`]).
    log_stop: Arc<tokio::sync::Notify>,
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
        let code = Arc::new(code::CodeStore::open(store.location())?);
        let (sink, log_stop, writer) = logs::start_writer(store.clone());
        let runtimes = runtime::Runtimes::new(code.clone(), sink);
        Ok((
            Arc::new(Self {
                store,
                account_id,
                default_region,
                code,
                runtimes,
                functions: ArcSwap::default(),
                writes: tokio::sync::Mutex::new(()),
                log_stop,
            }),
            writer,
        ))
    }

    /// At shutdown, once nothing invokes any more: stop every worker, and let the log writer
    /// store the lines still queued and end (await its task then).
    pub fn stop(&self) {
        self.runtimes.retire_all();
        self.log_stop.notify_one();
    }

    /// Whether a request is for this service (by its path).
    pub fn is_lambda_call(path: &str) -> bool {
        path.starts_with("/2015-03-31/functions") || path.starts_with(api::CODE_PREFIX)
    }

    /// Read every stored function into [`Self::functions`]; once, at start, before anything
    /// is served.
    ///
    /// # Errors
    /// The store could not be read.
    pub async fn load(&self) -> apigw_store::StoreResult<()> {
        let _writes = self.writes.lock().await;
        let mut c = self.store.read().await?;
        let mut all = Functions::new();
        for (scope, _) in docs::parents_of(&mut c, docs::Kind::LambdaFunction).await? {
            let stored: Vec<StoredFunction> = typed::list(&mut c, &scope, "").await?;
            let by_name = stored
                .into_iter()
                .map(|f| (f.config.function_name.clone(), Arc::new(f)))
                .collect();
            all.insert(scope, by_name);
        }
        self.functions.store(Arc::new(all));
        Ok(())
    }

    /// Reset the store with `wipe`, then stop every worker and forget every function. Both
    /// under [`Self::writes`], so no function write lands between the two.
    ///
    /// # Errors
    /// `wipe`'s.
    pub async fn reset<E>(
        &self,
        wipe: impl std::future::Future<Output = Result<(), E>>,
    ) -> Result<(), E> {
        let _writes = self.writes.lock().await;
        wipe.await?;
        self.functions.store(Arc::default());
        self.runtimes.retire_all();
        Ok(())
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
        let stored = self.existing(&scope, function, qualifier).ok()?;
        Some(self.run(&scope, &stored, payload).await)
    }

    /// A committed function, from [`Self::functions`].
    fn find(&self, scope: &Scope, name: &str) -> Option<Arc<StoredFunction>> {
        self.functions.load().get(scope)?.get(name).cloned()
    }

    /// Make a committed write visible to lookups: the function's new document, or `None`
    /// after a delete. Called with [`Self::writes`] held.
    fn publish(&self, scope: &Scope, name: &str, f: Option<Arc<StoredFunction>>) {
        self.functions.rcu(|all| {
            let mut all = Functions::clone(all);
            let of_scope = all.entry(scope.clone()).or_default();
            match &f {
                Some(f) => of_scope.insert(name.to_string(), f.clone()),
                None => of_scope.remove(name),
            };
            all
        });
    }

    /// Run one invocation.
    async fn run(
        &self,
        scope: &Scope,
        stored: &StoredFunction,
        payload: Bytes,
    ) -> LambdaResult<Invoked> {
        self.runtimes.invoke(scope, &stored.config, payload).await
    }
}

/// Run file work off the async thread.
pub(crate) async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> LambdaResult<T> + Send + 'static,
) -> LambdaResult<T> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| LambdaError::Service(format!("file work failed: {e}")))?
}

//! SQLite persistence for apigw-local, through sqlx.
//!
//! Every control-plane document is a row of one `objects` table keyed by
//! `(account, region, kind, parent, id)` whose `doc` column holds the wire JSON; the modules
//! per resource family ([`rest_apis`], [`resources`], …) give it types. Deployment snapshots
//! have a table of their own.
//!
//! Durability: WAL journal, `synchronous=FULL`, and every write runs in one transaction that
//! the caller commits before it answers, so an acknowledged write survives `kill -9`.
//! Writers are serialised by an async mutex: SQLite allows one writer anyway, and taking the
//! lock before `BEGIN` avoids the `SQLITE_BUSY` that two deferred transactions upgrading to
//! writers at once would get.

pub mod docs;
pub mod logs;
pub mod usage;

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::pool::PoolConnection;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Sqlite, SqlitePool, Transaction};
use tokio::sync::{Mutex, OwnedMutexGuard};

pub use docs::Kind;
pub use sqlx::SqliteConnection;

/// What can go wrong in the store. None of it is the caller's fault except [`StoreError::Conflict`].
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite failed.
    #[error("database error: {0}")]
    Sqlx(#[from] sqlx::Error),
    /// Applying migrations failed.
    #[error("migration error: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A stored document did not parse, or a value did not serialise.
    #[error("stored document error: {0}")]
    Json(#[from] serde_json::Error),
    /// A row with the same key exists already.
    #[error("duplicate key")]
    Conflict,
    /// The database file's folder could not be created.
    #[error("cannot create {0}: {1}")]
    Io(String, std::io::Error),
}

/// Result of a store call.
pub type StoreResult<T> = Result<T, StoreError>;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations");

/// The database behind the control plane.
#[derive(Clone, Debug)]
pub struct Store {
    pool: SqlitePool,
    /// Held for the whole of a write transaction: one writer at a time.
    write_lock: Arc<Mutex<()>>,
    /// Where the data lives, for the start-up line and health answer.
    location: String,
}

/// A write transaction holding the writer lock; dropped without [`WriteTx::commit`] it rolls back.
pub struct WriteTx {
    tx: Transaction<'static, Sqlite>,
    _guard: OwnedMutexGuard<()>,
}

impl WriteTx {
    /// Commit: when this returns `Ok`, the write is on disk.
    ///
    /// # Errors
    /// The commit failed; nothing was written.
    pub async fn commit(self) -> StoreResult<()> {
        self.tx.commit().await?;
        Ok(())
    }
}

impl std::ops::Deref for WriteTx {
    type Target = SqliteConnection;
    fn deref(&self) -> &SqliteConnection {
        &self.tx
    }
}

impl std::ops::DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut SqliteConnection {
        &mut self.tx
    }
}

impl Store {
    /// Open (creating if missing) the database at `path`, or an in-memory one for `:memory:`,
    /// and apply the migrations.
    ///
    /// # Errors
    /// The file or its folder cannot be created, SQLite refuses it, or a migration fails.
    pub async fn open(path: &str) -> StoreResult<Self> {
        let memory = path == ":memory:";
        let opts = if memory {
            SqliteConnectOptions::from_str("sqlite::memory:")?
        } else {
            if let Some(dir) = std::path::Path::new(path).parent() {
                if !dir.as_os_str().is_empty() {
                    std::fs::create_dir_all(dir)
                        .map_err(|e| StoreError::Io(dir.display().to_string(), e))?;
                }
            }
            SqliteConnectOptions::new()
                .filename(path)
                .create_if_missing(true)
        }
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .busy_timeout(Duration::from_secs(10))
        .foreign_keys(false);
        // An in-memory database lives as long as its one connection: keep exactly one, forever.
        let pool = if memory {
            SqlitePoolOptions::new()
                .max_connections(1)
                .min_connections(1)
                .idle_timeout(None)
                .max_lifetime(None)
        } else {
            SqlitePoolOptions::new().max_connections(4)
        }
        .connect_with(opts)
        .await?;
        MIGRATOR.run(&pool).await?;
        Ok(Self {
            pool,
            write_lock: Arc::new(Mutex::new(())),
            location: if memory {
                ":memory:".into()
            } else {
                path.into()
            },
        })
    }

    /// Where the data lives (a file path or `:memory:`).
    pub fn location(&self) -> &str {
        &self.location
    }

    /// A connection for reads.
    ///
    /// # Errors
    /// The pool could not give a connection.
    pub async fn read(&self) -> StoreResult<PoolConnection<Sqlite>> {
        Ok(self.pool.acquire().await?)
    }

    /// Begin a write transaction (waits for the writer lock).
    ///
    /// # Errors
    /// `BEGIN` failed.
    pub async fn write(&self) -> StoreResult<WriteTx> {
        let guard = self.write_lock.clone().lock_owned().await;
        let tx = self.pool.begin().await?;
        Ok(WriteTx { tx, _guard: guard })
    }

    /// Delete all state (the emulator's `/_apigw/reset`).
    ///
    /// # Errors
    /// SQLite failed.
    pub async fn reset(&self) -> StoreResult<()> {
        let mut tx = self.write().await?;
        sqlx::query("DELETE FROM objects").execute(&mut *tx).await?;
        for table in [
            "deployment_snapshots",
            "usage_days",
            "quota_used",
            "log_events",
            "log_streams",
            "log_groups",
        ] {
            sqlx::query(&format!("DELETE FROM {table}"))
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await
    }

    /// Close the pool, checkpointing the WAL (graceful shutdown).
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

#[cfg(test)]
mod migration_tests {
    use super::*;
    use apigw_model::Scope;

    /// 0004 gives APIs without models AWS's two default models, and leaves the others alone.
    #[tokio::test]
    async fn default_models_backfill() {
        let st = Store::open(":memory:").await.unwrap();
        let s = Scope::new("000000000000", "us-east-1");
        let mut tx = st.write().await.unwrap();
        for id in ["legacy0001", "current001"] {
            let api = serde_json::json!({"id": id, "name": id});
            docs::insert(&mut tx, &s, Kind::RestApi, "", id, &api)
                .await
                .unwrap();
        }
        let own =
            serde_json::json!({"id": "abc123", "name": "Mine", "contentType": "application/json"});
        docs::insert(&mut tx, &s, Kind::Model, "current001", "Mine", &own)
            .await
            .unwrap();
        sqlx::raw_sql(include_str!("../../../migrations/0004_default_models.sql"))
            .execute(&mut *tx)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let mut c = st.read().await.unwrap();
        let legacy: Vec<serde_json::Value> = docs::list(&mut c, &s, Kind::Model, "legacy0001")
            .await
            .unwrap();
        let names: Vec<&str> = legacy.iter().map(|m| m["name"].as_str().unwrap()).collect();
        assert_eq!(names, ["Empty", "Error"]);
        for m in &legacy {
            assert_eq!(m["id"].as_str().unwrap().len(), 6);
            assert_eq!(m["contentType"], "application/json");
            let schema: serde_json::Value =
                serde_json::from_str(m["schema"].as_str().unwrap()).unwrap();
            assert_eq!(schema["type"], "object");
        }
        assert_eq!(
            legacy[1]["description"],
            "This is a default error schema model"
        );
        let current: Vec<serde_json::Value> = docs::list(&mut c, &s, Kind::Model, "current001")
            .await
            .unwrap();
        assert_eq!(current.len(), 1);
    }
}

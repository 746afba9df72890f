//! SQLite persistence for apigw-local, through sqlx.
//!
//! Every control-plane document is a row of one `objects` table keyed by
//! `(account, region, kind, parent, id)` whose `doc` column holds the wire JSON; [`docs`]
//! reads and writes them as any serde type, [`Kind`] naming the family. Deployment snapshots
//! have a table of their own; [`usage`] and [`logs`] keep usage counters and CloudWatch Logs.
//!
//! Durability: WAL journal, `synchronous=FULL`, and every write runs in one transaction that
//! the caller commits before it answers, so an acknowledged write survives `kill -9`.
//! Writers are serialised by an async mutex: SQLite allows one writer anyway, and taking the
//! lock before `BEGIN` avoids the `SQLITE_BUSY` that two deferred transactions upgrading to
//! writers at once would get.
//!
//! One connection per task: a task that holds a connection ([`ReadConn`] or [`WriteTx`]) and
//! asks for another gets [`StoreError::Reentrant`] at once. With `:memory:` the pool has a
//! single connection, so that second request would wait for the first to come back, which
//! never happens (it hung 30 s, then failed). Refusing it in every mode makes the file-backed
//! test suite catch what would deadlock in memory; a read inside a write takes the
//! transaction instead (it derefs to the connection every query function takes).

pub mod docs;
pub mod logs;
pub mod typed;
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
pub use typed::Document;

use apigw_model::Scope;

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
    /// A task holding a store connection asked for a second one (see the module doc): a bug
    /// in the caller, refused rather than left to deadlock an in-memory store.
    #[error("a store connection was requested by a task that already holds one")]
    Reentrant,
    /// The database file's folder could not be created.
    #[error("cannot create {0}: {1}")]
    Io(String, std::io::Error),
}

/// Result of a store call.
pub type StoreResult<T> = Result<T, StoreError>;

/// A query with its arguments bound so far.
type Query<'q> = sqlx::query::Query<'q, Sqlite, sqlx::sqlite::SqliteArguments<'q>>;

/// A query on one of the tables whose key starts with (account, region), those two bound as
/// its first parameters (`?` or `?1`, `?2`): every such query names only what follows.
fn scoped<'q>(sql: &'q str, scope: &'q Scope) -> Query<'q> {
    sqlx::query(sql).bind(&scope.account).bind(&scope.region)
}

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations");

/// The database behind the control plane.
#[derive(Clone, Debug)]
pub struct Store {
    pool: SqlitePool,
    /// Held for the whole of a write transaction: one writer at a time.
    write_lock: Arc<Mutex<()>>,
    /// The tasks that hold a connection now.
    holders: Arc<Holders>,
    /// Where the data lives, for the start-up line and health answer.
    location: String,
}

/// Who runs the code asking for a connection: a spawned tokio task, or (outside one, as in
/// `block_on`) the thread.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Runner {
    Task(tokio::task::Id),
    Thread(std::thread::ThreadId),
}

impl Runner {
    fn current() -> Self {
        tokio::task::try_id().map_or_else(|| Self::Thread(std::thread::current().id()), Self::Task)
    }
}

/// The runners holding one of the pool's connections.
#[derive(Debug, Default)]
struct Holders(std::sync::Mutex<Vec<Runner>>);

/// A runner's claim on one connection, given back when dropped.
struct Held {
    holders: Arc<Holders>,
    runner: Runner,
}

impl Holders {
    /// Claim a connection for the current runner.
    fn claim(self: &Arc<Self>) -> StoreResult<Held> {
        let runner = Runner::current();
        let mut held = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if held.contains(&runner) {
            tracing::error!("a task asked the store for a second connection while holding one (with :memory: this would deadlock)");
            return Err(StoreError::Reentrant);
        }
        held.push(runner);
        Ok(Held {
            holders: self.clone(),
            runner,
        })
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        let mut held = self.holders.0.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(i) = held.iter().position(|r| *r == self.runner) {
            held.swap_remove(i);
        }
    }
}

/// A write transaction holding the writer lock; dropped without [`WriteTx::commit`] it rolls back.
pub struct WriteTx {
    tx: Transaction<'static, Sqlite>,
    _guard: OwnedMutexGuard<()>,
    _held: Held,
}

/// A pooled connection for reads, claimed by the current task until dropped.
pub struct ReadConn {
    conn: PoolConnection<Sqlite>,
    _held: Held,
}

/// Both handles deref to the connection, so that every query function takes
/// `&mut SqliteConnection` and a read inside a write goes through the transaction.
macro_rules! derefs_to_connection {
    ($handle:ty, $field:ident) => {
        impl std::ops::Deref for $handle {
            type Target = SqliteConnection;
            fn deref(&self) -> &SqliteConnection {
                &self.$field
            }
        }

        impl std::ops::DerefMut for $handle {
            fn deref_mut(&mut self) -> &mut SqliteConnection {
                &mut self.$field
            }
        }
    };
}

derefs_to_connection!(ReadConn, conn);
derefs_to_connection!(WriteTx, tx);

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
            create_private(path)?;
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
            holders: Arc::default(),
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
    /// [`StoreError::Reentrant`] when this task holds a connection already; the pool could not
    /// give a connection.
    pub async fn read(&self) -> StoreResult<ReadConn> {
        let held = self.holders.claim()?;
        let conn = self.pool.acquire().await?;
        Ok(ReadConn { conn, _held: held })
    }

    /// Begin a write transaction (waits for the writer lock).
    ///
    /// # Errors
    /// [`StoreError::Reentrant`] when this task holds a connection already; `BEGIN` failed.
    pub async fn write(&self) -> StoreResult<WriteTx> {
        let held = self.holders.claim()?;
        let guard = self.write_lock.clone().lock_owned().await;
        let tx = self.pool.begin().await?;
        Ok(WriteTx {
            tx,
            _guard: guard,
            _held: held,
        })
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

/// Create the database file readable by its owner only, if it does not exist: it holds API
/// key values. SQLite gives the `-wal` and `-shm` files it makes beside it the same mode.
fn create_private(path: &str) -> StoreResult<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(StoreError::Io(path.to_string(), e)),
    }
}

#[cfg(test)]
mod reentry_tests {
    use super::*;
    use std::time::Duration;

    /// A task asking for a second connection is refused at once, in memory and on a file, in
    /// both orders; the connection it holds stays usable, and the claim ends with it.
    #[tokio::test]
    async fn second_connection_in_one_task_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("s.db");
        for path in [":memory:", file.to_str().unwrap()] {
            let st = Store::open(path).await.unwrap();
            let quick = Duration::from_secs(2);
            let mut tx = st.write().await.unwrap();
            let again = tokio::time::timeout(quick, st.read()).await.expect(path);
            assert!(matches!(again, Err(StoreError::Reentrant)), "{path}");
            let again = tokio::time::timeout(quick, st.write()).await.expect(path);
            assert!(matches!(again, Err(StoreError::Reentrant)), "{path}");
            sqlx::query("SELECT 1").execute(&mut *tx).await.unwrap();
            tx.commit().await.unwrap();
            let c = st.read().await.unwrap();
            let again = tokio::time::timeout(quick, st.write()).await.expect(path);
            assert!(matches!(again, Err(StoreError::Reentrant)), "{path}");
            drop(c);
            st.write().await.unwrap().commit().await.unwrap();
        }
    }

    /// Other tasks are not refused: they wait their turn for the connection.
    #[tokio::test]
    async fn other_tasks_wait_their_turn() {
        let st = Store::open(":memory:").await.unwrap();
        let tx = st.write().await.unwrap();
        let other = {
            let st = st.clone();
            tokio::spawn(async move { st.read().await.map(|_| ()) })
        };
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(!other.is_finished());
        tx.commit().await.unwrap();
        other.await.unwrap().unwrap();
    }
}

#[cfg(all(test, unix))]
mod file_mode_tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    /// The database and its WAL and shared-memory files are the owner's alone.
    #[tokio::test]
    async fn state_files_are_private() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.db");
        let st = Store::open(path.to_str().unwrap()).await.unwrap();
        st.write().await.unwrap().commit().await.unwrap();
        for suffix in ["", "-wal", "-shm"] {
            let file = format!("{}{suffix}", path.display());
            let mode = std::fs::metadata(&file).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "{file}: {mode:o}");
        }
    }
}

#[cfg(test)]
mod migration_tests {
    use super::*;

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

//! Emulated CloudWatch Logs storage: log groups, log streams and their events
//! ([AWS concepts](https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/CloudWatchLogsConcepts.html)).
//!
//! Groups and streams are rows of their own tables (not `objects` documents) because every
//! append updates a stream's first/last event timestamps, and events need an index by
//! (account, region, group, stream, timestamp) that a JSON document cannot give. Events are
//! ordered by `(timestamp, seq)`: by time as CloudWatch returns them, and in storage order among
//! events of the same millisecond.
//!
//! [`put_events`] is what the data plane calls to write API Gateway access-log lines.

use sqlx::sqlite::SqliteRow;
use sqlx::{QueryBuilder, Row, Sqlite, SqliteConnection};

use apigw_model::Scope;

use crate::{scoped, Query, Store, StoreError, StoreResult};

/// One event to append.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogEvent {
    /// Milliseconds since the epoch.
    pub timestamp: i64,
    /// The log line.
    pub message: String,
}

/// A log group as DescribeLogGroups reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogGroup {
    /// The group's name.
    pub name: String,
    /// Creation time, ms since the epoch.
    pub creation_time: i64,
    /// Days events are kept; `None` for ever.
    pub retention_days: Option<i32>,
    /// `STANDARD` or `INFREQUENT_ACCESS`.
    pub class: String,
    /// The KMS key named at creation, if any.
    pub kms_key_id: Option<String>,
    /// Bytes of all events of all its streams (computed on read).
    pub stored_bytes: i64,
}

/// A log stream as DescribeLogStreams reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogStream {
    /// The stream's name.
    pub name: String,
    /// Creation time, ms since the epoch.
    pub creation_time: i64,
    /// Timestamp of its earliest event, once it has one.
    pub first_event: Option<i64>,
    /// Timestamp of its latest event, once it has one.
    pub last_event: Option<i64>,
    /// When events were last appended.
    pub last_ingestion: Option<i64>,
    /// `seq` of the last event appended (0 before any): the basis of its sequence token,
    /// unique across streams and growing with every append.
    pub upload_seq: i64,
}

/// A stored event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEvent {
    /// Storage order, unique across all events.
    pub seq: i64,
    /// The stream it belongs to.
    pub stream: String,
    /// Milliseconds since the epoch, as the writer gave it.
    pub timestamp: i64,
    /// When it was stored, ms since the epoch.
    pub ingestion_time: i64,
    /// The log line.
    pub message: String,
}

/// Which streams of a group an event query reads.
#[derive(Debug, Clone, Copy)]
pub enum Streams<'a> {
    /// Every stream.
    All,
    /// One stream.
    One(&'a str),
    /// The streams with these names.
    Names(&'a [String]),
    /// The streams whose name starts with this.
    Prefix(&'a str),
}

/// Where an event query starts, in `(timestamp, seq)` order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cursor {
    /// The earliest events first.
    Head,
    /// The latest `limit` events (still returned oldest first).
    Tail,
    /// Events strictly after this `(timestamp, seq)`, oldest first.
    After(i64, i64),
    /// The latest `limit` events strictly before this `(timestamp, seq)`, oldest first.
    Before(i64, i64),
}

/// An event query on one group.
#[derive(Debug, Clone, Copy)]
pub struct EventQuery<'a> {
    /// The log group.
    pub group: &'a str,
    /// Which of its streams.
    pub streams: Streams<'a>,
    /// Only events at or after this time.
    pub start: Option<i64>,
    /// Only events strictly before this time.
    pub end: Option<i64>,
    /// Where to start.
    pub cursor: Cursor,
    /// At most this many events.
    pub limit: i64,
}

fn group_of(r: &SqliteRow) -> LogGroup {
    LogGroup {
        name: r.get("name"),
        creation_time: r.get("creation_time"),
        retention_days: r.get("retention_days"),
        class: r.get("class"),
        kms_key_id: r.get("kms_key_id"),
        stored_bytes: r.get("stored_bytes"),
    }
}

fn stream_of(r: &SqliteRow) -> LogStream {
    LogStream {
        name: r.get("name"),
        creation_time: r.get("creation_time"),
        first_event: r.get("first_event"),
        last_event: r.get("last_event"),
        last_ingestion: r.get("last_ingestion"),
        upload_seq: r.get("upload_seq"),
    }
}

/// A query on one stream's rows: `?1` to `?4` are its account, region, group and name.
fn in_stream<'q>(sql: &'q str, scope: &'q Scope, group: &'q str, stream: &'q str) -> Query<'q> {
    scoped(sql, scope).bind(group).bind(stream)
}

/// Run a write that touches at most one row; whether it touched one.
async fn changed_one(c: &mut SqliteConnection, q: Query<'_>) -> StoreResult<bool> {
    Ok(q.execute(&mut *c).await?.rows_affected() == 1)
}

const GROUP_COLUMNS: &str = "g.name, g.creation_time, g.retention_days, g.class, g.kms_key_id,
    COALESCE((SELECT SUM(s.stored_bytes) FROM log_streams s
              WHERE s.account = g.account AND s.region = g.region AND s.grp = g.name), 0) AS stored_bytes";

/// Create a log group; `Ok(false)` when one of that name exists in `scope` (nothing changes).
///
/// # Errors
/// SQLite failed.
pub async fn create_group(
    c: &mut SqliteConnection,
    scope: &Scope,
    group: &LogGroup,
    tags_json: &str,
) -> StoreResult<bool> {
    let q = scoped(
        "INSERT INTO log_groups (account, region, name, creation_time, retention_days, class, kms_key_id, tags)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        scope,
    )
    .bind(&group.name)
    .bind(group.creation_time)
    .bind(group.retention_days)
    .bind(&group.class)
    .bind(&group.kms_key_id)
    .bind(tags_json);
    changed_one(c, q).await
}

/// One log group.
///
/// # Errors
/// SQLite failed.
pub async fn get_group(
    c: &mut SqliteConnection,
    scope: &Scope,
    name: &str,
) -> StoreResult<Option<LogGroup>> {
    let row = scoped(
        &format!(
            "SELECT {GROUP_COLUMNS} FROM log_groups g WHERE g.account = ? AND g.region = ? AND g.name = ?"
        ),
        scope,
    )
    .bind(name)
    .fetch_optional(&mut *c)
    .await?;
    Ok(row.as_ref().map(group_of))
}

/// Every log group of `scope`, by name (the order DescribeLogGroups lists them in).
///
/// # Errors
/// SQLite failed.
pub async fn list_groups(c: &mut SqliteConnection, scope: &Scope) -> StoreResult<Vec<LogGroup>> {
    let rows = scoped(
        &format!(
            "SELECT {GROUP_COLUMNS} FROM log_groups g WHERE g.account = ? AND g.region = ? ORDER BY g.name"
        ),
        scope,
    )
    .fetch_all(&mut *c)
    .await?;
    Ok(rows.iter().map(group_of).collect())
}

/// Delete a log group with all its streams and events; `Ok(false)` when it does not exist.
///
/// # Errors
/// SQLite failed.
pub async fn delete_group(
    c: &mut SqliteConnection,
    scope: &Scope,
    name: &str,
) -> StoreResult<bool> {
    for table in ["log_events", "log_streams"] {
        scoped(
            &format!("DELETE FROM {table} WHERE account = ? AND region = ? AND grp = ?"),
            scope,
        )
        .bind(name)
        .execute(&mut *c)
        .await?;
    }
    let q = scoped(
        "DELETE FROM log_groups WHERE account = ? AND region = ? AND name = ?",
        scope,
    )
    .bind(name);
    changed_one(c, q).await
}

/// Set (`Some`) or remove (`None`) a group's retention; `Ok(false)` when it does not exist.
///
/// # Errors
/// SQLite failed.
pub async fn set_retention(
    c: &mut SqliteConnection,
    scope: &Scope,
    name: &str,
    days: Option<i32>,
) -> StoreResult<bool> {
    let q = scoped(
        "UPDATE log_groups SET retention_days = ?4 WHERE account = ?1 AND region = ?2 AND name = ?3",
        scope,
    )
    .bind(name)
    .bind(days);
    changed_one(c, q).await
}

/// Create a stream in an existing group; `Ok(false)` when it exists already.
///
/// # Errors
/// SQLite failed.
pub async fn create_stream(
    c: &mut SqliteConnection,
    scope: &Scope,
    group: &str,
    name: &str,
    now: i64,
) -> StoreResult<bool> {
    let q = scoped(
        "INSERT INTO log_streams (account, region, grp, name, creation_time) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT DO NOTHING",
        scope,
    )
    .bind(group)
    .bind(name)
    .bind(now);
    changed_one(c, q).await
}

const STREAM_COLUMNS: &str =
    "name, creation_time, first_event, last_event, last_ingestion, upload_seq";

/// One stream of a group.
///
/// # Errors
/// SQLite failed.
pub async fn get_stream(
    c: &mut SqliteConnection,
    scope: &Scope,
    group: &str,
    name: &str,
) -> StoreResult<Option<LogStream>> {
    let row = in_stream(&format!(
        "SELECT {STREAM_COLUMNS} FROM log_streams WHERE account = ? AND region = ? AND grp = ? AND name = ?"
    ), scope, group, name)
    .fetch_optional(&mut *c)
    .await?;
    Ok(row.as_ref().map(stream_of))
}

/// Every stream of a group, by name.
///
/// # Errors
/// SQLite failed.
pub async fn list_streams(
    c: &mut SqliteConnection,
    scope: &Scope,
    group: &str,
) -> StoreResult<Vec<LogStream>> {
    let rows = scoped(
        &format!(
            "SELECT {STREAM_COLUMNS} FROM log_streams WHERE account = ? AND region = ? AND grp = ? ORDER BY name"
        ),
        scope,
    )
    .bind(group)
    .fetch_all(&mut *c)
    .await?;
    Ok(rows.iter().map(stream_of).collect())
}

/// Delete a stream and its events; `Ok(false)` when it does not exist.
///
/// # Errors
/// SQLite failed.
pub async fn delete_stream(
    c: &mut SqliteConnection,
    scope: &Scope,
    group: &str,
    name: &str,
) -> StoreResult<bool> {
    in_stream(
        "DELETE FROM log_events WHERE account = ? AND region = ? AND grp = ? AND stream = ?",
        scope,
        group,
        name,
    )
    .execute(&mut *c)
    .await?;
    let q = in_stream(
        "DELETE FROM log_streams WHERE account = ? AND region = ? AND grp = ? AND name = ?",
        scope,
        group,
        name,
    );
    changed_one(c, q).await
}

/// Append events, in the order given, to an existing stream, and update the stream's first/last
/// event timestamps, ingestion time, sequence token and size. Returns the stream's
/// `upload_seq` after this append (unchanged when `events` is empty).
///
/// # Errors
/// SQLite failed.
pub async fn append(
    c: &mut SqliteConnection,
    scope: &Scope,
    group: &str,
    stream: &str,
    events: &[LogEvent],
    now: i64,
) -> StoreResult<i64> {
    if !events.is_empty() {
        let mut last_seq = 0;
        for e in events {
            last_seq = in_stream(
                "INSERT INTO log_events (account, region, grp, stream, timestamp, ingestion_time, message)
                 VALUES (?, ?, ?, ?, ?, ?, ?)",
                scope,
                group,
                stream,
            )
            .bind(e.timestamp)
            .bind(now)
            .bind(&e.message)
            .execute(&mut *c)
            .await?
            .last_insert_rowid();
        }
        let first = events.iter().map(|e| e.timestamp).min().unwrap_or(0);
        let last = events.iter().map(|e| e.timestamp).max().unwrap_or(0);
        let bytes: i64 = events.iter().map(|e| e.message.len() as i64).sum();
        in_stream(
            "UPDATE log_streams SET
                first_event = min(coalesce(first_event, ?5), ?5),
                last_event = max(coalesce(last_event, ?6), ?6),
                last_ingestion = ?7,
                upload_seq = ?8,
                stored_bytes = stored_bytes + ?9
             WHERE account = ?1 AND region = ?2 AND grp = ?3 AND name = ?4",
            scope,
            group,
            stream,
        )
        .bind(first)
        .bind(last)
        .bind(now)
        .bind(last_seq)
        .bind(bytes)
        .execute(&mut *c)
        .await?;
    }
    let upload_seq = in_stream("SELECT upload_seq FROM log_streams WHERE account = ? AND region = ? AND grp = ? AND name = ?", scope, group, stream)
    .fetch_optional(&mut *c)
    .await?
    .map(|r| r.get::<i64, _>(0))
    .unwrap_or(0);
    Ok(upload_seq)
}

/// Append `events` to `stream` of log group `group` in `scope`, creating the stream when it does
/// not exist (API Gateway creates its own streams). Returns Ok(false), writing nothing, when the
/// log group does not exist. One transaction; events are stored in the order given.
///
/// # Errors
/// SQLite failed; nothing was written.
pub async fn put_events(
    store: &Store,
    scope: &Scope,
    group: &str,
    stream: &str,
    events: &[LogEvent],
) -> Result<bool, StoreError> {
    let now = now_ms();
    let mut tx = store.write().await?;
    let exists = scoped(
        "SELECT 1 FROM log_groups WHERE account = ? AND region = ? AND name = ?",
        scope,
    )
    .bind(group)
    .fetch_optional(&mut *tx)
    .await?
    .is_some();
    if !exists {
        return Ok(false);
    }
    create_stream(&mut tx, scope, group, stream, now).await?;
    append(&mut tx, scope, group, stream, events, now).await?;
    tx.commit().await?;
    Ok(true)
}

/// Events of a group matching `q`, oldest first (by timestamp, then storage order).
///
/// # Errors
/// SQLite failed.
pub async fn query_events(
    c: &mut SqliteConnection,
    scope: &Scope,
    q: &EventQuery<'_>,
) -> StoreResult<Vec<StoredEvent>> {
    let mut b: QueryBuilder<'_, Sqlite> = QueryBuilder::new(
        "SELECT seq, stream, timestamp, ingestion_time, message FROM log_events WHERE account = ",
    );
    b.push_bind(scope.account.clone());
    b.push(" AND region = ").push_bind(scope.region.clone());
    b.push(" AND grp = ").push_bind(q.group.to_string());
    match q.streams {
        Streams::All => {}
        Streams::One(name) => {
            b.push(" AND stream = ").push_bind(name.to_string());
        }
        Streams::Names(names) => {
            b.push(" AND stream IN (");
            let mut sep = b.separated(", ");
            for n in names {
                sep.push_bind(n.clone());
            }
            b.push(")");
        }
        Streams::Prefix(p) => {
            // substr counts characters, so compare the first len(p) characters.
            b.push(" AND substr(stream, 1, ")
                .push_bind(p.chars().count() as i64)
                .push(") = ")
                .push_bind(p.to_string());
        }
    }
    if let Some(s) = q.start {
        b.push(" AND timestamp >= ").push_bind(s);
    }
    if let Some(e) = q.end {
        b.push(" AND timestamp < ").push_bind(e);
    }
    let descending = match q.cursor {
        Cursor::Head => false,
        Cursor::Tail => true,
        Cursor::After(ts, seq) => {
            b.push(" AND (timestamp > ")
                .push_bind(ts)
                .push(" OR (timestamp = ")
                .push_bind(ts)
                .push(" AND seq > ")
                .push_bind(seq)
                .push("))");
            false
        }
        Cursor::Before(ts, seq) => {
            b.push(" AND (timestamp < ")
                .push_bind(ts)
                .push(" OR (timestamp = ")
                .push_bind(ts)
                .push(" AND seq < ")
                .push_bind(seq)
                .push("))");
            true
        }
    };
    b.push(if descending {
        " ORDER BY timestamp DESC, seq DESC LIMIT "
    } else {
        " ORDER BY timestamp, seq LIMIT "
    });
    b.push_bind(q.limit.max(0));
    let rows = b.build().fetch_all(&mut *c).await?;
    let mut events: Vec<StoredEvent> = rows
        .iter()
        .map(|r| StoredEvent {
            seq: r.get(0),
            stream: r.get(1),
            timestamp: r.get(2),
            ingestion_time: r.get(3),
            message: r.get(4),
        })
        .collect();
    if descending {
        events.reverse();
    }
    Ok(events)
}

/// Lines a log writer appends per batch at most.
pub const WRITE_BATCH: usize = 5_000;

/// What a log writer (the access log's, the built-in Lambda's) reads: the lines that arrive on
/// its channel, in batches of at most [`WRITE_BATCH`], until `stop` is notified or every sender
/// is gone; then the batches of what is still queued, so nothing sent before shutdown is lost.
pub struct Batches<T> {
    rx: tokio::sync::mpsc::UnboundedReceiver<T>,
    stop: std::sync::Arc<tokio::sync::Notify>,
    stopped: bool,
}

impl<T> Batches<T> {
    /// Batches of what arrives on `rx`, until `stop`.
    pub fn new(
        rx: tokio::sync::mpsc::UnboundedReceiver<T>,
        stop: std::sync::Arc<tokio::sync::Notify>,
    ) -> Self {
        Self {
            rx,
            stop,
            stopped: false,
        }
    }

    /// The next batch: until stopped, waits for a first line, then takes what else is queued.
    /// `None` once stopped and drained.
    pub async fn next(&mut self) -> Option<Vec<T>> {
        if !self.stopped {
            let first = tokio::select! {
                t = self.rx.recv() => t,
                () = self.stop.notified() => None,
            };
            match first {
                Some(t) => return Some(self.fill(vec![t])),
                None => self.stopped = true,
            }
        }
        let rest = self.fill(Vec::new());
        (!rest.is_empty()).then_some(rest)
    }

    /// `batch` and what is queued, up to [`WRITE_BATCH`].
    fn fill(&mut self, mut batch: Vec<T>) -> Vec<T> {
        while batch.len() < WRITE_BATCH {
            match self.rx.try_recv() {
                Ok(t) => batch.push(t),
                Err(_) => break,
            }
        }
        batch
    }
}

/// Milliseconds since the epoch, CloudWatch's unit of time.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope() -> Scope {
        Scope::new("000000000000", "us-east-1")
    }

    fn group(name: &str) -> LogGroup {
        LogGroup {
            name: name.into(),
            creation_time: 1,
            retention_days: None,
            class: "STANDARD".into(),
            kms_key_id: None,
            stored_bytes: 0,
        }
    }

    fn ev(timestamp: i64, message: &str) -> LogEvent {
        LogEvent {
            timestamp,
            message: message.into(),
        }
    }

    async fn query(st: &Store, q: EventQuery<'_>) -> Vec<(i64, String)> {
        let mut c = st.read().await.unwrap();
        query_events(&mut c, &scope(), &q)
            .await
            .unwrap()
            .into_iter()
            .map(|e| (e.timestamp, e.message))
            .collect()
    }

    fn all<'a>(group: &'a str, cursor: Cursor, limit: i64) -> EventQuery<'a> {
        EventQuery {
            group,
            streams: Streams::All,
            start: None,
            end: None,
            cursor,
            limit,
        }
    }

    #[tokio::test]
    async fn put_events_needs_the_group_and_creates_the_stream() {
        let st = Store::open(":memory:").await.unwrap();
        let s = scope();
        assert!(!put_events(&st, &s, "g", "st", &[ev(5, "a")]).await.unwrap());
        {
            let mut c = st.read().await.unwrap();
            assert!(get_stream(&mut c, &s, "g", "st").await.unwrap().is_none());
            assert!(query_events(&mut c, &s, &all("g", Cursor::Head, 10))
                .await
                .unwrap()
                .is_empty());
        }
        let mut tx = st.write().await.unwrap();
        assert!(create_group(&mut tx, &s, &group("g"), "{}").await.unwrap());
        assert!(!create_group(&mut tx, &s, &group("g"), "{}").await.unwrap());
        tx.commit().await.unwrap();

        // Stored in the order given; read back by timestamp, ties in storage order.
        let batch = [ev(30, "c"), ev(10, "a"), ev(30, "d"), ev(20, "b")];
        assert!(put_events(&st, &s, "g", "st", &batch).await.unwrap());
        assert!(put_events(&st, &s, "g", "st", &[ev(5, "z")]).await.unwrap());
        let mut c = st.read().await.unwrap();
        let stream = get_stream(&mut c, &s, "g", "st").await.unwrap().unwrap();
        assert_eq!(stream.first_event, Some(5));
        assert_eq!(stream.last_event, Some(30));
        // The seq of the last event stored.
        assert_eq!(stream.upload_seq, 5);
        assert!(stream.last_ingestion.is_some());
        let g = get_group(&mut c, &s, "g").await.unwrap().unwrap();
        assert_eq!(g.stored_bytes, 5);
        drop(c);
        let got = query(&st, all("g", Cursor::Head, 10)).await;
        let msgs: Vec<&str> = got.iter().map(|(_, m)| m.as_str()).collect();
        assert_eq!(msgs, ["z", "a", "b", "c", "d"]);
    }

    #[tokio::test]
    async fn cursors_and_time_windows() {
        let st = Store::open(":memory:").await.unwrap();
        let s = scope();
        let mut tx = st.write().await.unwrap();
        create_group(&mut tx, &s, &group("g"), "{}").await.unwrap();
        tx.commit().await.unwrap();
        let batch: Vec<LogEvent> = (1..=6).map(|i| ev(i * 10, &format!("m{i}"))).collect();
        put_events(&st, &s, "g", "one", &batch).await.unwrap();
        put_events(&st, &s, "g", "two", &[ev(35, "t")])
            .await
            .unwrap();

        let tail = query(&st, all("g", Cursor::Tail, 2)).await;
        assert_eq!(tail, [(50, "m5".to_string()), (60, "m6".to_string())]);

        let mut c = st.read().await.unwrap();
        let head = query_events(&mut c, &s, &all("g", Cursor::Head, 2))
            .await
            .unwrap();
        drop(c);
        let last = head.last().unwrap();
        let next = query(&st, all("g", Cursor::After(last.timestamp, last.seq), 2)).await;
        assert_eq!(next, [(30, "m3".to_string()), (35, "t".to_string())]);
        let before = query(&st, all("g", Cursor::Before(30, i64::MAX), 5)).await;
        assert_eq!(before.len(), 3);

        let mut q = all("g", Cursor::Head, 100);
        q.start = Some(20);
        q.end = Some(40);
        q.streams = Streams::One("one");
        let window = query(&st, q).await;
        assert_eq!(window, [(20, "m2".to_string()), (30, "m3".to_string())]);

        let names = ["two".to_string()];
        let mut q = all("g", Cursor::Head, 100);
        q.streams = Streams::Names(&names);
        assert_eq!(query(&st, q).await, [(35, "t".to_string())]);
        q.streams = Streams::Prefix("tw");
        assert_eq!(query(&st, q).await, [(35, "t".to_string())]);
        q.streams = Streams::Prefix("x");
        assert!(query(&st, q).await.is_empty());
    }

    #[tokio::test]
    async fn deleting_a_group_deletes_its_streams_and_events_only_in_its_scope() {
        let st = Store::open(":memory:").await.unwrap();
        let s = scope();
        let other = Scope::new("000000000000", "eu-west-1");
        let mut tx = st.write().await.unwrap();
        create_group(&mut tx, &s, &group("g"), "{}").await.unwrap();
        create_group(&mut tx, &other, &group("g"), "{}")
            .await
            .unwrap();
        tx.commit().await.unwrap();
        put_events(&st, &s, "g", "a", &[ev(1, "x")]).await.unwrap();
        put_events(&st, &other, "g", "a", &[ev(1, "y")])
            .await
            .unwrap();

        let mut tx = st.write().await.unwrap();
        assert!(delete_group(&mut tx, &s, "g").await.unwrap());
        assert!(!delete_group(&mut tx, &s, "g").await.unwrap());
        tx.commit().await.unwrap();
        let mut c = st.read().await.unwrap();
        assert!(list_groups(&mut c, &s).await.unwrap().is_empty());
        assert!(list_streams(&mut c, &s, "g").await.unwrap().is_empty());
        let left = query_events(&mut c, &other, &all("g", Cursor::Head, 10))
            .await
            .unwrap();
        assert_eq!(left.len(), 1);
        assert_eq!(left[0].message, "y");
        drop(c);

        // Re-created, the group starts empty.
        let mut tx = st.write().await.unwrap();
        create_group(&mut tx, &s, &group("g"), "{}").await.unwrap();
        tx.commit().await.unwrap();
        assert!(query(&st, all("g", Cursor::Head, 10)).await.is_empty());
    }

    #[tokio::test]
    async fn retention_and_stream_deletion() {
        let st = Store::open(":memory:").await.unwrap();
        let s = scope();
        let mut tx = st.write().await.unwrap();
        create_group(&mut tx, &s, &group("g"), "{}").await.unwrap();
        assert!(set_retention(&mut tx, &s, "g", Some(7)).await.unwrap());
        assert!(!set_retention(&mut tx, &s, "nope", Some(7)).await.unwrap());
        assert!(create_stream(&mut tx, &s, "g", "a", 3).await.unwrap());
        assert!(!create_stream(&mut tx, &s, "g", "a", 4).await.unwrap());
        append(&mut tx, &s, "g", "a", &[ev(1, "x")], 9)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let mut c = st.read().await.unwrap();
        assert_eq!(
            get_group(&mut c, &s, "g")
                .await
                .unwrap()
                .unwrap()
                .retention_days,
            Some(7)
        );
        assert_eq!(
            get_stream(&mut c, &s, "g", "a")
                .await
                .unwrap()
                .unwrap()
                .creation_time,
            3
        );
        drop(c);
        let mut tx = st.write().await.unwrap();
        assert!(delete_stream(&mut tx, &s, "g", "a").await.unwrap());
        assert!(!delete_stream(&mut tx, &s, "g", "a").await.unwrap());
        tx.commit().await.unwrap();
        assert!(query(&st, all("g", Cursor::Head, 10)).await.is_empty());
    }

    /// A stop loses nothing already sent: every line comes out once, in order, in batches of
    /// at most WRITE_BATCH; and the batches end after the stop.
    #[tokio::test]
    async fn batches_drain_everything_sent_before_the_stop() {
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        let stop = std::sync::Arc::new(tokio::sync::Notify::new());
        let mut batches = Batches::new(rx, stop.clone());
        for i in 0..WRITE_BATCH + 10 {
            tx.send(i).unwrap();
        }
        stop.notify_one();
        let mut got = Vec::new();
        while let Some(batch) = batches.next().await {
            assert!(!batch.is_empty() && batch.len() <= WRITE_BATCH);
            got.extend(batch);
        }
        assert_eq!(got, (0..WRITE_BATCH + 10).collect::<Vec<_>>());
        assert_eq!(batches.next().await, None);
    }
}

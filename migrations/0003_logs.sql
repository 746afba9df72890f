-- Emulated CloudWatch Logs: log groups, their streams and the events in them.
-- Groups and streams carry what DescribeLogGroups/DescribeLogStreams answer; a stream keeps
-- its first/last event timestamps and sequence token up to date on every append, so describing
-- never scans events.
CREATE TABLE log_groups (
    account        TEXT NOT NULL,
    region         TEXT NOT NULL,
    name           TEXT NOT NULL,
    creation_time  INTEGER NOT NULL, -- ms since the epoch
    retention_days INTEGER,          -- NULL: never expire
    class          TEXT NOT NULL DEFAULT 'STANDARD',
    kms_key_id     TEXT,
    tags           TEXT NOT NULL DEFAULT '{}', -- JSON object
    PRIMARY KEY (account, region, name)
);

CREATE TABLE log_streams (
    account         TEXT NOT NULL,
    region          TEXT NOT NULL,
    grp             TEXT NOT NULL,
    name            TEXT NOT NULL,
    creation_time   INTEGER NOT NULL,
    first_event     INTEGER,          -- NULL until the first event
    last_event      INTEGER,
    last_ingestion  INTEGER,
    upload_seq      INTEGER NOT NULL DEFAULT 0, -- seq of the last event appended: the sequence token
    stored_bytes    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (account, region, grp, name)
);

-- `seq` orders events that share a timestamp in the order they were stored.
CREATE TABLE log_events (
    seq            INTEGER PRIMARY KEY AUTOINCREMENT,
    account        TEXT NOT NULL,
    region         TEXT NOT NULL,
    grp            TEXT NOT NULL,
    stream         TEXT NOT NULL,
    timestamp      INTEGER NOT NULL,
    ingestion_time INTEGER NOT NULL,
    message        TEXT NOT NULL
);

CREATE INDEX log_events_by_stream ON log_events (account, region, grp, stream, timestamp, seq);
CREATE INDEX log_events_by_group ON log_events (account, region, grp, timestamp, seq);

-- Every control-plane document, keyed by scope, kind, parent and id.
-- `doc` is the JSON the control plane answers with (the wire shape), so a read is one row.
-- `seq` keeps creation order, which is the order AWS lists things in.
CREATE TABLE objects (
    seq     INTEGER PRIMARY KEY AUTOINCREMENT,
    account TEXT NOT NULL,
    region  TEXT NOT NULL,
    kind    TEXT NOT NULL,
    parent  TEXT NOT NULL,
    id      TEXT NOT NULL,
    doc     TEXT NOT NULL,
    UNIQUE (account, region, kind, parent, id)
);

CREATE INDEX objects_by_parent ON objects (account, region, parent);

-- The frozen copy of a whole API that a deployment serves; kept apart so that listing
-- deployments never loads them.
CREATE TABLE deployment_snapshots (
    account       TEXT NOT NULL,
    region        TEXT NOT NULL,
    api_id        TEXT NOT NULL,
    deployment_id TEXT NOT NULL,
    snapshot      TEXT NOT NULL,
    PRIMARY KEY (account, region, api_id, deployment_id)
);

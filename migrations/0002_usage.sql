-- Requests admitted per API key per usage plan per UTC day: what GetUsage reports.
-- The data plane counts in memory and flushes absolute values here (about once a second,
-- and at shutdown), so a restart never resets a count.
CREATE TABLE usage_days (
    account TEXT NOT NULL,
    region  TEXT NOT NULL,
    plan_id TEXT NOT NULL,
    key_id  TEXT NOT NULL,
    day     TEXT NOT NULL, -- YYYY-MM-DD, UTC
    used    INTEGER NOT NULL,
    PRIMARY KEY (account, region, plan_id, key_id, day)
);

-- Quota consumed in a key's current period of a plan. It differs from the sum of the period's
-- days when UpdateUsage changed the remaining quota, or when the plan's offset applies.
CREATE TABLE quota_used (
    account TEXT NOT NULL,
    region  TEXT NOT NULL,
    plan_id TEXT NOT NULL,
    key_id  TEXT NOT NULL,
    period  TEXT NOT NULL, -- first day of the period, YYYY-MM-DD, UTC
    used    INTEGER NOT NULL,
    PRIMARY KEY (account, region, plan_id, key_id)
);

-- Observations: one row per sector and slot. NULL = suppressed by the operator.
CREATE TABLE feed_batches (
    id INTEGER PRIMARY KEY,
    source TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    received_at INTEGER NOT NULL,
    rows INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('accepted', 'duplicate', 'rejected')),
    errors TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX feed_batches_sha ON feed_batches(sha256);

CREATE TABLE observations (
    sector_code TEXT NOT NULL REFERENCES sectors(code),
    slot INTEGER NOT NULL,            -- slot start, UTC epoch seconds
    present INTEGER CHECK (present >= 0),
    residents INTEGER CHECK (residents >= 0),
    tourists_fr INTEGER CHECK (tourists_fr >= 0),
    tourists_intl INTEGER CHECK (tourists_intl >= 0),
    excursionists INTEGER CHECK (excursionists >= 0),
    entries INTEGER CHECK (entries >= 0),
    batch_id INTEGER REFERENCES feed_batches(id),
    PRIMARY KEY (sector_code, slot)
) WITHOUT ROWID;
CREATE INDEX observations_slot ON observations(slot);

CREATE TABLE unique_visitors (
    sector_code TEXT NOT NULL REFERENCES sectors(code),
    day TEXT NOT NULL,                -- local date (Europe/Paris), YYYY-MM-DD
    unique_visitors INTEGER CHECK (unique_visitors >= 0),
    batch_id INTEGER REFERENCES feed_batches(id),
    PRIMARY KEY (sector_code, day)
) WITHOUT ROWID;

CREATE TABLE feed_health (
    source TEXT PRIMARY KEY,
    last_slot INTEGER,
    last_received_at INTEGER,
    last_error TEXT,
    updated_at INTEGER NOT NULL
);

CREATE TABLE api_tokens (
    name TEXT PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    scope TEXT NOT NULL CHECK (scope IN ('ingest', 'read')),
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
);

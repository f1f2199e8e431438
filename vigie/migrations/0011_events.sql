-- Events calendar (ferias, festivals, matches...): loaded from data/events/NN.csv
-- (origin 'file') and later added or edited by operators (origin 'user').
CREATE TABLE events (
    event_id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    sectors TEXT NOT NULL,            -- space-separated sector codes
    start INTEGER NOT NULL,           -- UTC epoch seconds
    "end" INTEGER NOT NULL,           -- UTC epoch seconds, exclusive
    expected_attendance INTEGER NOT NULL CHECK (expected_attendance >= 0),
    category TEXT NOT NULL,
    source TEXT NOT NULL DEFAULT '',
    origin TEXT NOT NULL DEFAULT 'file' CHECK (origin IN ('file', 'user')),
    created_by TEXT,
    updated_at INTEGER NOT NULL,
    CHECK ("end" > start)
);
CREATE INDEX events_time ON events(start, "end");

-- Zones: named unions of sectors, saved by a user and optionally shared with everyone.
CREATE TABLE zones (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE COLLATE NOCASE CHECK (length(name) BETWEEN 1 AND 80),
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL,      -- UTC epoch seconds
    updated_at INTEGER NOT NULL,
    shared INTEGER NOT NULL DEFAULT 1 CHECK (shared IN (0, 1))
);

CREATE TABLE zone_sectors (
    zone_id INTEGER NOT NULL REFERENCES zones(id) ON DELETE CASCADE,
    sector_code TEXT NOT NULL REFERENCES sectors(code),
    PRIMARY KEY (zone_id, sector_code)
) WITHOUT ROWID;

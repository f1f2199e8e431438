-- Usual values: one row per sector and target slot (median of the same local weekday and
-- wall-clock time over the previous 6 weeks, flagged days excluded). usual/spread/p10/p90
-- are NULL when fewer than 3 weeks were usable (n says how many were).
CREATE TABLE reference (
    sector_code TEXT NOT NULL REFERENCES sectors(code),
    slot INTEGER NOT NULL,            -- target slot start, UTC epoch seconds
    usual REAL,
    spread REAL,                      -- 1.4826 x median absolute deviation
    p10 REAL,
    p90 REAL,
    n INTEGER NOT NULL CHECK (n >= 0),
    PRIMARY KEY (sector_code, slot)
) WITHOUT ROWID;
CREATE INDEX reference_slot ON reference(slot);

-- Sector-days left out of every baseline: event days, crisis days.
CREATE TABLE reference_exclusions (
    sector_code TEXT NOT NULL REFERENCES sectors(code),
    day TEXT NOT NULL,                -- local date (Europe/Paris), YYYY-MM-DD
    reason TEXT NOT NULL,
    PRIMARY KEY (sector_code, day)
) WITHOUT ROWID;

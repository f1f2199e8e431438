-- The model of normal by day types (docs/methods.md). reference.n is now the number of
-- source days and reference.spread the pooled residual spread (1.4826 x MAD of
-- present / usual - 1 over the last 28 days) x usual. What each sector-day was compared
-- with is in reference_days: level the season factor (usual = level x raw profile);
-- basis 0 same day type, 1 same kind in other regimes (most recent first), 2 pooled
-- profile of other days; newest and oldest the age in days of the source days.
-- Values of the former model are dropped: they are recomputed when read or rebuilt.
DELETE FROM reference;
CREATE TABLE reference_days (
    sector_code TEXT NOT NULL REFERENCES sectors(code),
    day TEXT NOT NULL,                -- local date (Europe/Paris), YYYY-MM-DD
    level REAL,
    basis INTEGER,
    newest INTEGER,
    oldest INTEGER,
    PRIMARY KEY (sector_code, day)
) WITHOUT ROWID;

-- Risk overlays: forest-fire massif access levels and flood vigilance, one level per local day.
CREATE TABLE massifs (
    massif_id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    sectors TEXT NOT NULL             -- space-separated sector codes the massif touches
);

CREATE TABLE massif_levels (
    massif_id TEXT NOT NULL REFERENCES massifs(massif_id),
    day TEXT NOT NULL,                -- local date (Europe/Paris) the level applies to, YYYY-MM-DD
    level TEXT NOT NULL CHECK (level IN ('vert', 'jaune', 'orange', 'rouge', 'noir')),
    published_at INTEGER NOT NULL,    -- UTC epoch seconds (the day before at 17:00 local)
    source TEXT NOT NULL DEFAULT '',
    imported_at INTEGER NOT NULL,
    PRIMARY KEY (massif_id, day)
) WITHOUT ROWID;
CREATE INDEX massif_levels_day ON massif_levels(day);

CREATE TABLE flood_vigilance (
    section_id TEXT NOT NULL,
    name TEXT NOT NULL,
    sectors TEXT NOT NULL,            -- space-separated sector codes the river section touches
    day TEXT NOT NULL,                -- local date (Europe/Paris), YYYY-MM-DD
    level TEXT NOT NULL CHECK (level IN ('vert', 'jaune', 'orange', 'rouge')),
    published_at INTEGER NOT NULL,    -- UTC epoch seconds
    source TEXT NOT NULL DEFAULT '',
    imported_at INTEGER NOT NULL,
    PRIMARY KEY (section_id, day)
) WITHOUT ROWID;
CREATE INDEX flood_vigilance_day ON flood_vigilance(day);

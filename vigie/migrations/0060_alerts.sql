-- Alerts: rules (what opens an alert), alerts with their states, and the outbox of
-- notifications written in the same transaction as each state change.
CREATE TABLE alert_rules (
    id TEXT PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 40),
    kind TEXT NOT NULL CHECK (kind IN ('crisis', 'below_usual', 'feed_stopped', 'forecast')),
    severity TEXT NOT NULL DEFAULT 'warning' CHECK (severity IN ('info', 'warning', 'critical')),
    zone_id INTEGER REFERENCES zones(id) ON DELETE SET NULL,  -- narrow to a zone's sectors
    authority TEXT,                   -- narrow to SDIS 13 or BMPM sectors
    groupement TEXT,                  -- narrow to a groupement's sectors
    params TEXT NOT NULL DEFAULT '{}',-- kind-specific thresholds (JSON)
    enabled INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    updated_by TEXT NOT NULL DEFAULT 'vigie',
    updated_at INTEGER NOT NULL DEFAULT (strftime('%s', 'now'))
) WITHOUT ROWID;

INSERT INTO alert_rules(id, kind, severity, params) VALUES
    ('crise', 'crisis', 'critical', '{}'),
    ('sous-habituel', 'below_usual', 'warning', '{}'),
    ('flux-arrete', 'feed_stopped', 'critical', '{}'),
    ('prevision', 'forecast', 'warning', '{}');

-- One row per alert; a live alert (not closed) is unique per rule, sector and exercise.
CREATE TABLE alerts (
    id INTEGER PRIMARY KEY,
    rule TEXT NOT NULL REFERENCES alert_rules(id),
    kind TEXT NOT NULL,
    sector TEXT REFERENCES sectors(code),  -- NULL for a rule about the whole feed
    severity TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('open', 'acknowledged', 'closed')),
    slot INTEGER NOT NULL,            -- data slot (exercise view time) the condition was first seen at
    opened_at INTEGER NOT NULL,       -- UTC epoch seconds (wall time)
    last_seen_at INTEGER NOT NULL,    -- wall time the condition was last seen
    last_seen_slot INTEGER NOT NULL,  -- data slot the condition was last seen at
    acknowledged_by TEXT,
    acknowledged_at INTEGER,
    comment TEXT,
    closed_at INTEGER,
    closed_by TEXT,                   -- NULL when closed automatically
    close_reason TEXT,
    exercise_id INTEGER REFERENCES exercises(id),
    summary_key TEXT NOT NULL,        -- message key of vigie/locales/alerts.json
    summary_params TEXT NOT NULL DEFAULT '{}',
    version INTEGER NOT NULL DEFAULT 1,  -- bumped on every state change (idempotency keys)
    reopened INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX alerts_live ON alerts(rule, coalesce(sector, ''), coalesce(exercise_id, 0)) WHERE state != 'closed';
CREATE INDEX alerts_state ON alerts(exercise_id, state, opened_at);
CREATE INDEX alerts_closed ON alerts(rule, sector, exercise_id, closed_at);

-- The outbox: one row per state change, written in the same transaction as the change.
-- The sender turns each row into deliveries (one per recipient) and marks it dispatched.
CREATE TABLE alert_outbox (
    id INTEGER PRIMARY KEY,
    alert_id INTEGER NOT NULL REFERENCES alerts(id),
    event TEXT NOT NULL CHECK (event IN ('opened', 'acknowledged', 'closed')),
    at REAL NOT NULL,                 -- wall time of the change
    username TEXT,                    -- who acknowledged or closed (NULL: Vigie itself)
    snapshot TEXT NOT NULL,           -- the alert row after the change (JSON)
    dispatched_at REAL                -- when its deliveries were written
);
CREATE INDEX alert_outbox_pending ON alert_outbox(id) WHERE dispatched_at IS NULL;
CREATE INDEX alert_outbox_alert ON alert_outbox(alert_id, id);

-- One message to one recipient, delivered at least once; delivered rows stay for the record.
CREATE TABLE alert_deliveries (
    id INTEGER PRIMARY KEY,
    outbox_id INTEGER NOT NULL REFERENCES alert_outbox(id),
    channel TEXT NOT NULL CHECK (channel IN ('email', 'webhook')),
    target TEXT NOT NULL,             -- webhook URL or e-mail address
    idempotency_key TEXT NOT NULL,    -- the same for every recipient of one change
    body TEXT NOT NULL,               -- JSON {"event", "alert"} exactly as sent
    created_at REAL NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at REAL NOT NULL,
    leased_until REAL NOT NULL DEFAULT 0,
    delivered_at REAL,
    last_error TEXT,
    UNIQUE (outbox_id, channel, target)
);
CREATE INDEX alert_deliveries_due ON alert_deliveries(next_attempt_at) WHERE delivered_at IS NULL;

-- What the rules were last evaluated on ("live" or "exercise:<id>"), so that the sender
-- evaluates again only when a batch or an exercise clock brought something new.
CREATE TABLE alert_evaluations (
    scope TEXT PRIMARY KEY,
    mark TEXT NOT NULL,               -- newest accepted batch id, or exercise slot and injections
    at REAL NOT NULL
) WITHOUT ROWID;

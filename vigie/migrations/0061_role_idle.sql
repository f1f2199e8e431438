-- Idle time per role, chosen by an admin (a role without a row has VIGIE_SESSION_IDLE_MINUTES).
-- Wall displays (display) have no idle limit at all, so they have no row either.
CREATE TABLE role_idle (
    role TEXT PRIMARY KEY CHECK (role IN ('operator', 'commander', 'trainer', 'admin')),
    minutes INTEGER NOT NULL CHECK (minutes BETWEEN 5 AND 720),
    set_by TEXT NOT NULL,
    set_at INTEGER NOT NULL
);

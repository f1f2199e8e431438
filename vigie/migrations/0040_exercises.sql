-- Training exercises: a clock stored here (anchor + speed + state) so every device joined
-- to an exercise computes the same time; injected presence lives in the exercise's own
-- table and is merged over history at read time, never written to observations.
CREATE TABLE exercises (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    scenario TEXT,                    -- scenario the injections came from, if any
    start_at INTEGER NOT NULL,        -- view time the exercise starts at, UTC epoch seconds
    speed INTEGER NOT NULL CHECK (speed BETWEEN 1 AND 3600),
    state TEXT NOT NULL DEFAULT 'draft' CHECK (state IN ('draft', 'running', 'paused', 'ended')),
    anchor_view_time REAL NOT NULL,   -- view time reached at anchor_wall_time
    anchor_wall_time REAL NOT NULL,   -- wall time of the last control action
    slot_minutes INTEGER NOT NULL DEFAULT 30 CHECK (slot_minutes > 0),
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    started_at INTEGER,
    ended_at INTEGER,
    join_code TEXT NOT NULL UNIQUE,   -- random, for the join link
    after_action TEXT                 -- timeline (JSON) frozen when the exercise ends
);
CREATE INDEX exercises_state ON exercises(state);

-- A user is in at most one exercise at a time (left_at IS NULL); past rows stay for the record.
CREATE TABLE exercise_participants (
    exercise_id INTEGER NOT NULL REFERENCES exercises(id),
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    joined_at INTEGER NOT NULL,
    left_at INTEGER
);
CREATE UNIQUE INDEX exercise_participants_current ON exercise_participants(user_id) WHERE left_at IS NULL;
CREATE INDEX exercise_participants_exercise ON exercise_participants(exercise_id);

-- Control actions, injections, joins, validated plans: what happened, at which exercise
-- time and at which wall time.
CREATE TABLE exercise_log (
    id INTEGER PRIMARY KEY,
    exercise_id INTEGER NOT NULL REFERENCES exercises(id),
    at_view_time INTEGER NOT NULL,
    at_wall_time REAL NOT NULL,
    kind TEXT NOT NULL,
    username TEXT,
    detail TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX exercise_log_exercise ON exercise_log(exercise_id, id);

-- Injected change of people present, one row per sector and slot; rows add up.
CREATE TABLE exercise_injections (
    id INTEGER PRIMARY KEY,
    exercise_id INTEGER NOT NULL REFERENCES exercises(id),
    sector_code TEXT NOT NULL REFERENCES sectors(code),
    slot INTEGER NOT NULL,            -- slot start, UTC epoch seconds
    delta_present INTEGER NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    source TEXT NOT NULL CHECK (source IN ('scenario', 'trainer')),
    created_by TEXT,
    log_id INTEGER REFERENCES exercise_log(id)
);
CREATE INDEX exercise_injections_slot ON exercise_injections(exercise_id, slot, sector_code);

-- Validated crisis plans, live (exercise_id NULL) and exercise ones kept apart by exercise_id.
CREATE TABLE decisions (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,              -- wall time of the validation, UTC epoch seconds
    view_time INTEGER NOT NULL,       -- time of the view the plan was made on
    username TEXT NOT NULL,
    exercise_id INTEGER REFERENCES exercises(id),
    plan TEXT NOT NULL DEFAULT '{}',
    snapshot TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX decisions_exercise ON decisions(exercise_id, at);

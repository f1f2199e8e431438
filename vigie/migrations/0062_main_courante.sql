-- A validated plan is written once: a second validation of the same plan (same slot, same
-- figures: the fingerprint covers both) in the same log, live or one exercise, is refused.
-- Plans logged before keep a NULL fingerprint and are not compared.
ALTER TABLE decisions ADD COLUMN fingerprint TEXT;
CREATE UNIQUE INDEX decisions_once ON decisions(coalesce(exercise_id, 0), fingerprint)
    WHERE fingerprint IS NOT NULL;

-- Free-text entries of the main courante, beside the validated plans: live (exercise_id NULL)
-- or kept with their exercise, at the wall time and at the time of the view (the exercise clock).
CREATE TABLE log_entries (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,              -- wall time of the entry, UTC epoch seconds
    view_time INTEGER NOT NULL,       -- exercise time in an exercise, else the wall time
    username TEXT NOT NULL,
    exercise_id INTEGER REFERENCES exercises(id),
    text TEXT NOT NULL CHECK (length(text) BETWEEN 1 AND 500)
);
CREATE INDEX log_entries_exercise ON log_entries(exercise_id, at);

-- When the scenario of an exercise is over (view time: its start plus the scenario's duration),
-- kept with the exercise so that every screen can say so without reading the scenario file.
ALTER TABLE exercises ADD COLUMN scenario_end INTEGER;

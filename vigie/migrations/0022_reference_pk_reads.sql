-- Reads of the reference table go through its primary key (sector_code, slot) for every
-- sector at once; a second index on slot only slowed each rebuild write (random inserts).
DROP INDEX IF EXISTS reference_slot;

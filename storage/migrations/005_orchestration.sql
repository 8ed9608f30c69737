-- Schema version 5: what caused a change, and where backfills stand.

-- 'portal' when the portal's page changed; 'parser' when a re-parse of stored
-- raw pages with a newer parser produced a different record.
ALTER TABLE changes ADD COLUMN IF NOT EXISTS cause VARCHAR DEFAULT 'portal';

-- One row per listing-page chunk a backfill has loaded, so that a backfill that
-- stopped (killed, crashed, cancelled) resumes after its last loaded chunk.
CREATE TABLE IF NOT EXISTS backfill_progress (
    backfill_key  VARCHAR NOT NULL,   -- hash of the backfill's parameters
    source_id     VARCHAR NOT NULL,
    section       VARCHAR NOT NULL,
    first_page    INTEGER NOT NULL,
    last_page     INTEGER NOT NULL,
    run_id        VARCHAR NOT NULL,
    loaded_at     TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (backfill_key, source_id, section, first_page)
);

-- Which process ran a run, so that a run whose process died is marked 'crashed'.
ALTER TABLE runs ADD COLUMN IF NOT EXISTS host VARCHAR;
ALTER TABLE runs ADD COLUMN IF NOT EXISTS pid INTEGER;

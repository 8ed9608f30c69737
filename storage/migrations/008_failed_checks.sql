-- portalwatch warehouse, schema version 8: a failed check is not a check; nothing found is dropped.
-- A revisit that failed (no answer, not the article's page, a removal the second request
-- did not confirm) leaves the schedule as it was and makes the article due again soon:
-- at the next run after one failure, then after a doubling wait of hours.
ALTER TABLE article_fetch_state ADD COLUMN IF NOT EXISTS failed_checks INTEGER DEFAULT 0;  -- in a row, since the last settled check
ALTER TABLE article_fetch_state ADD COLUMN IF NOT EXISTS last_failure VARCHAR;            -- outcome and error of the latest failed one
-- A 404/410 (or redirect home) a failed check met: a request of a later run that says the same confirms the removal.
ALTER TABLE article_fetch_state ADD COLUMN IF NOT EXISTS unconfirmed_removal_at TIMESTAMPTZ;

-- Documents that a run found but could not record wait in the frontier too.
ALTER TABLE crawl_frontier ADD COLUMN IF NOT EXISTS kind VARCHAR DEFAULT 'article';  -- article or document

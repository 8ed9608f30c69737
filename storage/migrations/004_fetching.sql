-- portalwatch warehouse, schema version 4: polite, resilient, incremental fetching.

-- Every fetch outcome, in more detail.
ALTER TABLE fetches ADD COLUMN IF NOT EXISTS error_class VARCHAR;   -- exception class, "HTTP 503", redirect_home, ...
ALTER TABLE fetches ADD COLUMN IF NOT EXISTS final_url VARCHAR;     -- where redirects led
ALTER TABLE fetches ADD COLUMN IF NOT EXISTS charset VARCHAR;       -- what the body was decoded with
ALTER TABLE fetches ADD COLUMN IF NOT EXISTS conditional BOOLEAN;   -- ETag / Last-Modified were sent
ALTER TABLE fetches ADD COLUMN IF NOT EXISTS tls_verified BOOLEAN;  -- false: the source opted out of certificate checks

-- Per article: the validators to send back and the adaptive revisit schedule.
CREATE TABLE IF NOT EXISTS article_fetch_state (
    article_id          VARCHAR PRIMARY KEY,
    source_id           VARCHAR NOT NULL,
    url                 VARCHAR NOT NULL,
    etag                VARCHAR,
    last_modified       VARCHAR,
    validated_hash      VARCHAR,               -- content hash of the version the validators belong to
    last_checked_at     TIMESTAMPTZ NOT NULL,
    last_changed_at     TIMESTAMPTZ,           -- last check that found a new version (or the first sighting)
    revisit_interval_s  DOUBLE NOT NULL,
    next_revisit_at     TIMESTAMPTZ NOT NULL,
    checks              INTEGER NOT NULL,
    changes_seen        INTEGER NOT NULL
);

-- Article URLs discovered but not yet recorded (fetch failed, portal down, robots):
-- the next run fetches them, whether or not its listing walk reaches them again.
CREATE TABLE IF NOT EXISTS crawl_frontier (
    article_id       VARCHAR PRIMARY KEY,
    source_id        VARCHAR NOT NULL,
    url              VARCHAR NOT NULL,
    first_seen_at    TIMESTAMPTZ NOT NULL,
    last_attempt_at  TIMESTAMPTZ NOT NULL,
    attempts         INTEGER NOT NULL,     -- runs that tried it
    last_outcome     VARCHAR NOT NULL,
    last_error       VARCHAR
);

-- Per listing section: whether a walk of every listing page has completed. Until one
-- has, runs walk the whole listing; after, they stop at the first known entries.
CREATE TABLE IF NOT EXISTS listing_walks (
    source_id      VARCHAR NOT NULL,
    section        VARCHAR NOT NULL,
    walk_complete  BOOLEAN NOT NULL,
    total_pages    INTEGER,
    pages_fetched  INTEGER NOT NULL,
    walked_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (source_id, section)
);

-- Hosts found down during a run (circuit breaker opened).
CREATE TABLE IF NOT EXISTS portal_outages (
    run_id      VARCHAR NOT NULL,
    source_id   VARCHAR NOT NULL,
    host        VARCHAR NOT NULL,
    opened_at   TIMESTAMPTZ NOT NULL,
    closed_at   TIMESTAMPTZ,        -- NULL: still down when the run stopped waiting
    failures    INTEGER NOT NULL,
    skipped     INTEGER NOT NULL,   -- requests not made because of it
    last_error  VARCHAR
);

-- portalwatch warehouse, schema version 1.
-- Every table and view is described in docs/warehouse.md.

CREATE TABLE IF NOT EXISTS sources (
    source_id   VARCHAR PRIMARY KEY,
    name        VARCHAR NOT NULL,
    level       VARCHAR NOT NULL,      -- province | district | commune
    profile     VARCHAR NOT NULL,      -- CMS profile that parses it
    base_url    VARCHAR NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);

CREATE TABLE IF NOT EXISTS runs (
    run_id       VARCHAR PRIMARY KEY,
    flow         VARCHAR NOT NULL,     -- ingest | backfill | reparse
    started_at   TIMESTAMPTZ NOT NULL,
    finished_at  TIMESTAMPTZ,
    status       VARCHAR NOT NULL,     -- running | completed | failed
    parameters   JSON,
    summary      JSON                  -- per source: listing pages, fetched, created, updated, removed, failed
);

CREATE TABLE IF NOT EXISTS fetches (
    run_id      VARCHAR NOT NULL,
    source_id   VARCHAR NOT NULL,
    url         VARCHAR NOT NULL,
    kind        VARCHAR NOT NULL,      -- listing | article
    fetched_at  TIMESTAMPTZ NOT NULL,
    status      INTEGER,               -- HTTP status; NULL when no response arrived
    outcome     VARCHAR NOT NULL,      -- ok | gone | http_error | network_error | off_site | extraction_failed
    error       VARCHAR,
    attempts    INTEGER NOT NULL,
    elapsed_ms  DOUBLE NOT NULL,
    bytes       BIGINT NOT NULL,
    raw_hash    VARCHAR               -- SHA-256 of the body in the raw store
);

CREATE TABLE IF NOT EXISTS article_versions (
    article_id      VARCHAR NOT NULL,
    source_id       VARCHAR NOT NULL,
    url             VARCHAR NOT NULL,
    version         INTEGER NOT NULL,  -- 1, 2, ... per article
    content_hash    VARCHAR NOT NULL,  -- SHA-256 of the normalized record
    title           VARCHAR NOT NULL,
    published_at    TIMESTAMPTZ NOT NULL,
    author          VARCHAR,
    byline          VARCHAR,
    lead            VARCHAR,
    body_text       VARCHAR NOT NULL,
    images          JSON,              -- [{"src": file name, "caption": ...}]
    valid_from      TIMESTAMPTZ NOT NULL,
    valid_to        TIMESTAMPTZ,       -- when a newer version replaced it; NULL for the current one
    run_id          VARCHAR NOT NULL,
    raw_hash        VARCHAR NOT NULL,  -- the raw page this version was parsed from
    parser_version  VARCHAR NOT NULL,  -- profile/rules+engine that produced it
    PRIMARY KEY (article_id, version)
);

CREATE TABLE IF NOT EXISTS article_state (
    article_id       VARCHAR PRIMARY KEY,
    source_id        VARCHAR NOT NULL,
    url              VARCHAR NOT NULL,
    current_version  INTEGER NOT NULL,
    content_hash     VARCHAR NOT NULL,
    first_seen       TIMESTAMPTZ NOT NULL,
    last_seen        TIMESTAMPTZ NOT NULL,  -- last time the page answered with this article
    removed_at       TIMESTAMPTZ            -- set when the portal definitely removed it
);

CREATE TABLE IF NOT EXISTS changes (
    article_id        VARCHAR NOT NULL,
    source_id         VARCHAR NOT NULL,
    url               VARCHAR NOT NULL,
    change_type       VARCHAR NOT NULL,  -- created | updated | removed | restored
    changed_fields    VARCHAR[],
    old_content_hash  VARCHAR,
    new_content_hash  VARCHAR,
    version           INTEGER,           -- the version current after the change
    detected_at       TIMESTAMPTZ NOT NULL,
    run_id            VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS view_counts (
    article_id   VARCHAR NOT NULL,
    observed_at  TIMESTAMPTZ NOT NULL,
    view_count   BIGINT NOT NULL,
    run_id       VARCHAR NOT NULL
);

CREATE OR REPLACE VIEW articles AS
SELECT
    v.article_id, v.source_id, v.url, v.version, v.content_hash, v.title, v.published_at,
    v.author, v.byline, v.lead, v.body_text, v.images, v.parser_version,
    s.first_seen, s.last_seen, s.removed_at
FROM article_state AS s
JOIN article_versions AS v ON v.article_id = s.article_id AND v.version = s.current_version;

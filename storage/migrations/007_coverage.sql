-- Schema version 7: coverage against the portals' own counts.

-- What a section's last walk left undone, for the next run to go back for exactly that.
ALTER TABLE listing_walks ADD COLUMN IF NOT EXISTS entries INTEGER;          -- the list's length the pages refer to
ALTER TABLE listing_walks ADD COLUMN IF NOT EXISTS missing_pages INTEGER[];  -- failed or short pages; NULL: walk it whole
ALTER TABLE listing_walks ADD COLUMN IF NOT EXISTS resume_pages INTEGER[];   -- incremental walks stopped here

-- Which entries (articles, documents) each section's listing names: what the warehouse
-- holds of a section is counted from it.
CREATE TABLE IF NOT EXISTS section_members (
    source_id        VARCHAR NOT NULL,
    section          VARCHAR NOT NULL,
    item_id          VARCHAR NOT NULL,   -- article_id or document_id
    kind             VARCHAR NOT NULL,   -- article | document
    url              VARCHAR NOT NULL,
    first_listed_at  TIMESTAMPTZ NOT NULL,
    last_listed_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (source_id, section, item_id)
);

-- Per run and section: what the portal says the section holds, what the walk saw, what
-- the warehouse holds.
CREATE TABLE IF NOT EXISTS section_coverage (
    run_id          VARCHAR NOT NULL,
    source_id       VARCHAR NOT NULL,
    section         VARCHAR NOT NULL,
    kind            VARCHAR NOT NULL,   -- articles | documents
    walked_at       TIMESTAMPTZ NOT NULL,
    entries         INTEGER,            -- what the portal says the section holds; NULL: it does not say
    entries_basis   VARCHAR,            -- stated | counted | estimated
    total_pages     INTEGER,
    listed          INTEGER NOT NULL,   -- distinct entries the walk's pages named
    held            INTEGER NOT NULL,   -- entries of the section the warehouse holds, live
    coverage_pct    DOUBLE,             -- 100 * held / entries
    pages_fetched   INTEGER NOT NULL,
    missing_pages   INTEGER[],          -- NULL: unknown (the first page failed)
    resume_pages    INTEGER[],
    walk_complete   BOOLEAN NOT NULL,
    PRIMARY KEY (run_id, source_id, section)
);

-- Warehouses written before this version know no section's members: every section is
-- walked whole once more (listing pages only; known articles are not fetched again).
UPDATE listing_walks SET walk_complete = false, missing_pages = NULL;

-- portalwatch warehouse, schema version 11: documents are revisited and their removals tracked as articles' are.
-- The same adaptive schedule and failed-check handling as article_fetch_state, per document.
CREATE TABLE IF NOT EXISTS document_fetch_state (
    document_id             VARCHAR PRIMARY KEY,
    source_id               VARCHAR NOT NULL,
    url                     VARCHAR NOT NULL,
    etag                    VARCHAR,
    last_modified           VARCHAR,
    validated_hash          VARCHAR,
    last_checked_at         TIMESTAMPTZ NOT NULL,
    last_changed_at         TIMESTAMPTZ,
    revisit_interval_s      DOUBLE NOT NULL,
    next_revisit_at         TIMESTAMPTZ NOT NULL,
    checks                  INTEGER NOT NULL,
    changes_seen            INTEGER NOT NULL,
    failed_checks           INTEGER DEFAULT 0,
    last_failure            VARCHAR,
    unconfirmed_removal_at  TIMESTAMPTZ
);

-- Whether a document is still published: a row once its removal was confirmed (404/410 or a
-- redirect home, twice); removed_at goes back to NULL when the document answers again.
CREATE TABLE IF NOT EXISTS document_state (
    document_id  VARCHAR PRIMARY KEY,
    source_id    VARCHAR NOT NULL,
    url          VARCHAR NOT NULL,
    removed_at   TIMESTAMPTZ
);

-- changes holds documents' removals and restorations too; article_id is then the document's id.
ALTER TABLE changes ADD COLUMN IF NOT EXISTS item_kind VARCHAR DEFAULT 'article';  -- article | document

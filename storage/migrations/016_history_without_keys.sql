-- portalwatch warehouse, schema version 16: the history tables (article_versions,
-- text_fingerprints, documents) without a primary key in a DuckDB file, as in a DuckLake.
-- A key is an ART index that DuckDB updates on every insert and writes again at every
-- checkpoint: a load of 1,000 versions into a warehouse of 400,000 committed in 0.22-0.36 s
-- with these keys against 0.08-0.10 s without, and the gap grows with the history. The loader
-- keeps these keys itself (a version is the article's current one plus one, read and written in
-- the load's transaction), and `portalwatch check` finds a duplicate version or a gap in a
-- chain. The tables are made again with every row; nothing else changes. The state tables
-- (article_state, document_state, ...) keep their keys.
-- portalwatch: DuckDB file only (a DuckLake has no keys: nothing to do).

CREATE TABLE article_versions_016 (
    article_id      VARCHAR NOT NULL,
    source_id       VARCHAR NOT NULL,
    url             VARCHAR NOT NULL,
    version         INTEGER NOT NULL,
    content_hash    VARCHAR NOT NULL,
    title           VARCHAR NOT NULL,
    published_at    TIMESTAMPTZ NOT NULL,
    author          VARCHAR,
    byline          VARCHAR,
    lead            VARCHAR,
    body_text       VARCHAR NOT NULL USING COMPRESSION zstd,
    images          JSON,
    valid_from      TIMESTAMPTZ NOT NULL,
    valid_to        TIMESTAMPTZ,
    run_id          VARCHAR NOT NULL,
    raw_hash        VARCHAR NOT NULL,
    parser_version  VARCHAR NOT NULL,
    updated_at      TIMESTAMPTZ,
    photographer    VARCHAR,
    attribution     VARCHAR,
    attachments     JSON,
    links           JSON,
    breadcrumb      VARCHAR[],
    category        VARCHAR,
    body_html       VARCHAR USING COMPRESSION zstd,
    extraction      VARCHAR,
    confidence      DOUBLE
);
INSERT INTO article_versions_016 BY NAME SELECT * FROM article_versions;
DROP TABLE article_versions;
ALTER TABLE article_versions_016 RENAME TO article_versions;

CREATE TABLE text_fingerprints_016 (
    article_id  VARCHAR NOT NULL,
    version     INTEGER NOT NULL,
    source_id   VARCHAR NOT NULL,
    method      VARCHAR NOT NULL,
    text_hash   VARCHAR NOT NULL,
    shingles    INTEGER NOT NULL,
    minhash     UINTEGER[] NOT NULL,
    sample      UBIGINT[]
);
INSERT INTO text_fingerprints_016 BY NAME SELECT * FROM text_fingerprints;
DROP TABLE text_fingerprints;
ALTER TABLE text_fingerprints_016 RENAME TO text_fingerprints;

CREATE TABLE documents_016 (
    document_id     VARCHAR NOT NULL,
    source_id       VARCHAR NOT NULL,
    url             VARCHAR NOT NULL,
    version         INTEGER NOT NULL,
    content_hash    VARCHAR NOT NULL,
    number          VARCHAR NOT NULL,
    number_key      VARCHAR NOT NULL,
    kind            VARCHAR,
    issuer          VARCHAR,
    issued_date     DATE,
    issued_place    VARCHAR,
    subject         VARCHAR,
    title           VARCHAR,
    addressees      VARCHAR[],
    body_text       VARCHAR NOT NULL,
    distribution    VARCHAR[],
    signer          VARCHAR,
    signer_title    VARCHAR,
    attachments     JSON,
    attachment_text VARCHAR,
    valid_from      TIMESTAMPTZ NOT NULL,
    valid_to        TIMESTAMPTZ,
    run_id          VARCHAR NOT NULL,
    raw_hash        VARCHAR NOT NULL,
    parser_version  VARCHAR NOT NULL
);
INSERT INTO documents_016 BY NAME SELECT * FROM documents;
DROP TABLE documents;
ALTER TABLE documents_016 RENAME TO documents;

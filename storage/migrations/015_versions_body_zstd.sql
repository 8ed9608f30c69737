-- portalwatch warehouse, schema version 15: the article bodies (`body_text`, `body_html`) are
-- stored with zstd, the other texts as DuckDB picks for them. A DuckDB file is now written in
-- storage format v1.2.0 (storage/compat.py), where DuckDB compresses long strings with zstd.
-- FSST, which schema version 14 chose, leaves a string over about 4 kB uncompressed, and with it
-- the whole segment: most article bodies are longer, and their versions were stored as they
-- came, about 10 times what zstd stores. The table is made again with every row and its key, so
-- the rows already stored are compressed too; nothing else changes.
-- portalwatch: DuckDB file only (a DuckLake stores Parquet, compressed its own way: nothing to do).

CREATE TABLE article_versions_015 (
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
    confidence      DOUBLE,
    PRIMARY KEY (article_id, version)
);

INSERT INTO article_versions_015 BY NAME SELECT * FROM article_versions;
DROP TABLE article_versions;
ALTER TABLE article_versions_015 RENAME TO article_versions;

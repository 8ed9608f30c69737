-- portalwatch warehouse, schema version 14: the long texts of article versions are always
-- stored with FSST, DuckDB's string compression, instead of the one DuckDB picks per segment
-- after trying each (hashing every text to weigh a dictionary, which long texts that never
-- repeat never use). A load's commit spends most of its time compressing those texts; this
-- takes the weighing out of it. A column's compression is set when its table is created, so
-- the table is made again with every row and its key; nothing else changes.
-- portalwatch: DuckDB file only (a DuckLake stores Parquet, compressed its own way: nothing to do).

CREATE TABLE article_versions_014 (
    article_id      VARCHAR NOT NULL,
    source_id       VARCHAR NOT NULL,
    url             VARCHAR NOT NULL,
    version         INTEGER NOT NULL,
    content_hash    VARCHAR NOT NULL,
    title           VARCHAR NOT NULL USING COMPRESSION fsst,
    published_at    TIMESTAMPTZ NOT NULL,
    author          VARCHAR,
    byline          VARCHAR,
    lead            VARCHAR USING COMPRESSION fsst,
    body_text       VARCHAR NOT NULL USING COMPRESSION fsst,
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
    body_html       VARCHAR USING COMPRESSION fsst,
    extraction      VARCHAR,
    confidence      DOUBLE,
    PRIMARY KEY (article_id, version)
);

INSERT INTO article_versions_014 BY NAME SELECT * FROM article_versions;
DROP TABLE article_versions;
ALTER TABLE article_versions_014 RENAME TO article_versions;

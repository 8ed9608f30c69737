-- portalwatch warehouse, schema version 3: the full article record, official
-- documents and the references between texts and documents.

-- The full record. Rows written before this migration have NULL here: their
-- parser_version (profile/N+1) tells that their parser did not extract these.
ALTER TABLE article_versions ADD COLUMN updated_at TIMESTAMPTZ;      -- "Cập nhật" time, where the page shows one
ALTER TABLE article_versions ADD COLUMN photographer VARCHAR;        -- from the byline ("Tin, ảnh: ...", "Ảnh: ...")
ALTER TABLE article_versions ADD COLUMN attribution VARCHAR;         -- credited organization or source ("VPTU", "Báo ...")
ALTER TABLE article_versions ADD COLUMN attachments JSON;            -- [{"url", "name", "kind"}]: linked files
ALTER TABLE article_versions ADD COLUMN links JSON;                  -- [{"url", "text"}]: outgoing links of the body
ALTER TABLE article_versions ADD COLUMN breadcrumb VARCHAR[];         -- the portal's trail to the article
ALTER TABLE article_versions ADD COLUMN category VARCHAR;             -- the breadcrumb's last entry
ALTER TABLE article_versions ADD COLUMN body_html VARCHAR;            -- the body's cleaned markup (not hashed)
ALTER TABLE article_versions ADD COLUMN extraction VARCHAR;           -- profile | fallback (the generic extractor)
ALTER TABLE article_versions ADD COLUMN confidence DOUBLE;            -- 1.0 for profile rules; the fallback's estimate

-- Official documents (văn bản): one row per distinct content version.
CREATE TABLE IF NOT EXISTS documents (
    document_id      VARCHAR NOT NULL,  -- source and URL path, like article_id
    source_id        VARCHAR NOT NULL,
    url              VARCHAR NOT NULL,
    version          INTEGER NOT NULL,
    content_hash     VARCHAR NOT NULL,
    number           VARCHAR NOT NULL,  -- 53-CV/TU, 123/QĐ-UBND
    number_key       VARCHAR NOT NULL,  -- the number normalized for matching references
    kind             VARCHAR,           -- Công văn, Kết luận, Quyết định, ... (from the number's code or the title)
    issuer           VARCHAR,           -- TỈNH ỦY ĐIỆN BIÊN
    issued_date      DATE,
    issued_place     VARCHAR,           -- Điện Biên
    subject          VARCHAR,           -- V/v ... or the trích yếu
    title            VARCHAR,           -- the page's own title of the document
    addressees       VARCHAR[],         -- Kính gửi
    body_text        VARCHAR NOT NULL,
    distribution     VARCHAR[],         -- Nơi nhận
    signer           VARCHAR,
    signer_title     VARCHAR,           -- T/M BAN THƯỜNG VỤ PHÓ BÍ THƯ THƯỜNG TRỰC
    attachments      JSON,              -- [{"url", "name", "kind", "sha256", "bytes", "pages"}]; files are in the raw store by sha256
    attachment_text  VARCHAR,           -- text extracted from the attached PDFs
    valid_from       TIMESTAMPTZ NOT NULL,
    valid_to         TIMESTAMPTZ,
    run_id           VARCHAR NOT NULL,
    raw_hash         VARCHAR NOT NULL,
    parser_version   VARCHAR NOT NULL,
    PRIMARY KEY (document_id, version)
);

-- Every mention of an official document ("Kết luận số 296-KL/TU") in an
-- article or document version, resolved to the document when the warehouse
-- has it (NULL until then, or when several documents could be meant).
CREATE TABLE IF NOT EXISTS document_references (
    source_id        VARCHAR NOT NULL,  -- portal of the citing text
    citing_type      VARCHAR NOT NULL,  -- article | document
    citing_id        VARCHAR NOT NULL,  -- article_id or document_id
    citing_version   INTEGER NOT NULL,
    number           VARCHAR NOT NULL,
    number_key       VARCHAR NOT NULL,
    kind             VARCHAR,           -- the type the text names
    referenced_date  DATE,              -- the date the text gives, if any
    context          VARCHAR,           -- the sentence around the mention
    document_id      VARCHAR,           -- the cited document, once resolved
    detected_at      TIMESTAMPTZ NOT NULL,
    run_id           VARCHAR NOT NULL
);

CREATE OR REPLACE VIEW articles AS
SELECT
    v.article_id, v.source_id, v.url, v.version, v.content_hash, v.title, v.published_at,
    v.author, v.byline, v.lead, v.body_text, v.images, v.parser_version,
    s.first_seen, s.last_seen, s.removed_at,
    v.updated_at, v.photographer, v.attribution, v.attachments, v.links, v.breadcrumb, v.category,
    v.extraction, v.confidence
FROM article_state AS s
JOIN article_versions AS v ON v.article_id = s.article_id AND v.version = s.current_version;

-- portalwatch warehouse, schema version 2: the analytics layer.
-- Every table, view and macro is described in docs/warehouse.md.
-- Views use only DuckDB's built-in functions (with ICU for the local time zone),
-- so the file answers these questions in any DuckDB client, without portalwatch.

-- Fingerprints of each article version's text, computed by the loader
-- (portalwatch/storage/similarity.py); compared by the text_matches view.
CREATE TABLE IF NOT EXISTS text_fingerprints (
    article_id  VARCHAR NOT NULL,
    version     INTEGER NOT NULL,
    source_id   VARCHAR NOT NULL,
    method      VARCHAR NOT NULL,      -- how minhash was computed; only equal methods are compared
    text_hash   VARCHAR NOT NULL,      -- SHA-256 of the lead and body words, lowercased, no punctuation
    shingles    INTEGER NOT NULL,      -- distinct five-word shingles in the text
    minhash     UINTEGER[] NOT NULL,   -- MinHash signature of the shingle set (128 values)
    PRIMARY KEY (article_id, version)
);

-- Keyword sets that define topics; add your own rows (INSERT INTO topic_keywords VALUES (...)).
CREATE TABLE IF NOT EXISTS topic_keywords (
    topic    VARCHAR NOT NULL,
    keyword  VARCHAR NOT NULL,         -- matched as whole words, ignoring case, diacritics and punctuation
    PRIMARY KEY (topic, keyword)
);

INSERT OR IGNORE INTO topic_keywords VALUES
    ('covid-19', 'COVID'),
    ('covid-19', 'SARS-CoV-2'),
    ('covid-19', 'nCoV'),
    ('covid-19', 'vắc-xin phòng COVID-19'),
    ('covid-19', 'giãn cách xã hội'),
    ('covid-19', 'cách ly y tế'),
    ('covid-19', 'cách ly tập trung'),
    ('covid-19', 'Chỉ thị số 15/CT-TTg'),
    ('covid-19', 'Chỉ thị số 16/CT-TTg');

-- Text folded for matching with or without diacritics: lowercase, đ → d, accents
-- stripped, every run of other characters one space, padded with spaces so that
-- contains(fold_text(text), fold_text(keyword)) matches whole words only.
CREATE OR REPLACE MACRO fold_text(text) AS
    ' ' || trim(regexp_replace(
        strip_accents(translate(lower(nfc_normalize(text)), 'đ', 'd')), '[^a-z0-9]+', ' ', 'g'
    )) || ' ';

-- Articles published per portal per day (local time, Asia/Ho_Chi_Minh).
CREATE OR REPLACE VIEW daily_publications AS
SELECT
    a.source_id,
    s.level,
    CAST(a.published_at AT TIME ZONE 'Asia/Ho_Chi_Minh' AS DATE) AS day,
    count(*) AS articles,
    count(a.removed_at) AS removed_since
FROM articles AS a
LEFT JOIN sources AS s USING (source_id)
GROUP BY ALL;

-- Articles published per portal per month (local time).
CREATE OR REPLACE VIEW monthly_publications AS
SELECT
    a.source_id,
    s.level,
    CAST(date_trunc('month', a.published_at AT TIME ZONE 'Asia/Ho_Chi_Minh') AS DATE) AS month,
    count(*) AS articles,
    count(a.removed_at) AS removed_since
FROM articles AS a
LEFT JOIN sources AS s USING (source_id)
GROUP BY ALL;

-- Every edit a portal made to a published article, with how long after publication.
CREATE OR REPLACE VIEW edit_log AS
SELECT
    c.article_id,
    c.source_id,
    c.url,
    c.version,
    c.detected_at,
    c.changed_fields,
    original.published_at,
    c.detected_at - original.published_at AS since_publication,
    c.detected_at - st.first_seen AS since_first_seen,
    c.detected_at - previous.valid_from AS since_previous_version,
    previous.title AS old_title,
    edited.title AS new_title,
    c.old_content_hash,
    c.new_content_hash,
    c.run_id
FROM changes AS c
JOIN article_versions AS edited ON edited.article_id = c.article_id AND edited.version = c.version
JOIN article_versions AS previous ON previous.article_id = c.article_id AND previous.version = c.version - 1
JOIN article_versions AS original ON original.article_id = c.article_id AND original.version = 1
JOIN article_state AS st ON st.article_id = c.article_id
WHERE c.change_type = 'updated';

-- Articles the portals took down (a definite 404/410), with their last version.
CREATE OR REPLACE VIEW removed_articles AS
SELECT
    a.article_id,
    a.source_id,
    a.url,
    a.title,
    a.published_at,
    a.version AS versions,
    a.first_seen,
    a.last_seen,
    a.removed_at,
    a.removed_at - a.published_at AS published_for
FROM articles AS a
WHERE a.removed_at IS NOT NULL;

-- Pairs of articles on different portals whose texts are the same (text_hash) or
-- near-duplicates (estimated Jaccard similarity of five-word shingles >= 0.7: unrelated
-- articles built from the same stock phrases reach 0.5).
-- MinHash signatures are banded (32 bands of 4 values) to find candidate pairs
-- without comparing every pair; candidates are then scored on the whole signature.
-- Every version of each article takes part; a pair keeps its best-matching versions.
CREATE OR REPLACE VIEW text_matches AS
WITH bands AS (
    SELECT
        f.article_id, f.version, f.source_id, f.method, b.band,
        hash(f.minhash[b.band * (len(f.minhash) // 32) + 1 : (b.band + 1) * (len(f.minhash) // 32)]) AS band_key
    FROM text_fingerprints AS f
    CROSS JOIN range(32) AS b(band)
),
candidates AS (
    SELECT x.article_id AS a_id, x.version AS a_version, y.article_id AS b_id, y.version AS b_version
    FROM bands AS x
    JOIN bands AS y
      ON x.band = y.band AND x.band_key = y.band_key AND x.method = y.method AND x.source_id <> y.source_id
    UNION
    SELECT x.article_id, x.version, y.article_id, y.version
    FROM text_fingerprints AS x
    JOIN text_fingerprints AS y ON x.text_hash = y.text_hash AND x.source_id <> y.source_id
),
scored AS (
    SELECT
        c.a_id, c.b_id,
        fx.text_hash = fy.text_hash AS same_text,
        CASE WHEN fx.text_hash = fy.text_hash THEN 1.0
             ELSE list_sum(list_transform(list_zip(fx.minhash, fy.minhash), lambda p: CAST(p[1] = p[2] AS INTEGER)))
                  / len(fx.minhash)
        END AS similarity
    FROM candidates AS c
    JOIN text_fingerprints AS fx ON fx.article_id = c.a_id AND fx.version = c.a_version
    JOIN text_fingerprints AS fy ON fy.article_id = c.b_id AND fy.version = c.b_version
)
SELECT
    a_id AS article_id,
    b_id AS matched_article_id,
    max(similarity) AS similarity,
    bool_or(same_text) AS same_text
FROM scored
GROUP BY a_id, b_id
HAVING max(similarity) >= 0.7;

-- Republication: each copy of a text with the portal that published it first
-- (earliest posting time, then earliest seen) and the copy's lag behind it.
CREATE OR REPLACE VIEW republications AS
WITH members AS (
    SELECT article_id, matched_article_id AS member_id FROM text_matches
    UNION
    SELECT article_id, article_id FROM text_matches
),
originals AS (
    SELECT m.article_id, arg_min(m.member_id, (a.published_at, a.first_seen, m.member_id)) AS original_id
    FROM members AS m
    JOIN articles AS a ON a.article_id = m.member_id
    GROUP BY m.article_id
)
SELECT
    o.article_id AS original_article_id,
    o.source_id AS original_source_id,
    so.level AS original_level,
    o.url AS original_url,
    o.title AS original_title,
    o.published_at AS original_published_at,
    r.article_id,
    r.source_id,
    sr.level,
    r.url,
    r.title,
    r.published_at,
    r.published_at - o.published_at AS lag,
    epoch(r.published_at - o.published_at) / 3600.0 AS lag_hours,
    r.first_seen - o.first_seen AS seen_lag,
    t.similarity,
    t.same_text,
    NOT EXISTS (
        SELECT 1 FROM article_versions AS ov WHERE ov.article_id = o.article_id AND ov.title = r.title
    ) AS title_changed  -- the copy's heading is none the original ever had
FROM originals AS f
JOIN articles AS o ON o.article_id = f.original_id
JOIN articles AS r ON r.article_id = f.article_id
JOIN text_matches AS t ON t.article_id = f.article_id AND t.matched_article_id = f.original_id
LEFT JOIN sources AS so ON so.source_id = o.source_id
LEFT JOIN sources AS sr ON sr.source_id = r.source_id
WHERE f.original_id <> f.article_id;

-- Articles on each topic of topic_keywords, with the keywords they matched
-- (in the title, lead or body of the current version, with or without diacritics).
CREATE OR REPLACE VIEW topic_articles AS
WITH folded AS (
    SELECT article_id, fold_text(title || ' ' || coalesce(lead, '') || ' ' || body_text) AS text
    FROM articles
),
keywords AS (
    SELECT topic, keyword, fold_text(keyword) AS folded FROM topic_keywords
)
SELECT
    k.topic,
    a.article_id,
    a.source_id,
    a.url,
    a.title,
    a.published_at,
    a.removed_at,
    list(k.keyword ORDER BY k.keyword) AS matched_keywords
FROM folded AS f
JOIN keywords AS k ON contains(f.text, k.folded)
JOIN articles AS a ON a.article_id = f.article_id
GROUP BY k.topic, a.article_id, a.source_id, a.url, a.title, a.published_at, a.removed_at;

-- Each observation of an article's view counter, with what it gained since the previous one.
CREATE OR REPLACE VIEW view_trajectories AS
SELECT
    v.article_id,
    a.source_id,
    a.url,
    a.title,
    a.published_at,
    v.observed_at,
    v.view_count,
    v.view_count - lag(v.view_count) OVER w AS views_gained,
    v.observed_at - lag(v.observed_at) OVER w AS since_previous,
    epoch(v.observed_at - a.published_at) / 86400.0 AS days_since_publication,
    v.view_count / nullif(epoch(v.observed_at - a.published_at) / 86400.0, 0) AS views_per_day
FROM view_counts AS v
JOIN articles AS a ON a.article_id = v.article_id
WINDOW w AS (PARTITION BY v.article_id ORDER BY v.observed_at);

-- How current the warehouse is for each portal: its newest article, its last
-- crawl, and how old the newest article was when the portal was last read.
CREATE OR REPLACE VIEW source_freshness AS
WITH article_stats AS (
    SELECT
        source_id,
        count(*) FILTER (WHERE removed_at IS NULL) AS live_articles,
        count(removed_at) AS removed_articles,
        max(published_at) AS newest_published_at,
        max(first_seen) AS newest_first_seen
    FROM articles
    GROUP BY source_id
),
fetch_stats AS (
    SELECT
        source_id,
        max(fetched_at) AS last_fetch_at,
        max(fetched_at) FILTER (WHERE outcome IN ('ok', 'gone')) AS last_ok_fetch_at,
        arg_max(run_id, fetched_at) AS last_run_id
    FROM fetches
    GROUP BY source_id
),
last_run AS (
    SELECT
        f.source_id,
        count(*) AS fetches,
        count(*) FILTER (WHERE f.outcome NOT IN ('ok', 'gone')) AS failed_fetches
    FROM fetches AS f
    JOIN fetch_stats AS s ON s.source_id = f.source_id AND s.last_run_id = f.run_id
    GROUP BY f.source_id
)
SELECT
    s.source_id,
    s.name,
    s.level,
    coalesce(a.live_articles, 0) AS live_articles,
    coalesce(a.removed_articles, 0) AS removed_articles,
    a.newest_published_at,
    a.newest_first_seen,
    f.last_fetch_at,
    f.last_ok_fetch_at,
    f.last_ok_fetch_at - a.newest_published_at AS newest_age_at_last_crawl,
    f.last_run_id,
    coalesce(l.fetches, 0) AS last_run_fetches,
    coalesce(l.failed_fetches, 0) AS last_run_failed_fetches
FROM sources AS s
LEFT JOIN article_stats AS a ON a.source_id = s.source_id
LEFT JOIN fetch_stats AS f ON f.source_id = s.source_id
LEFT JOIN last_run AS l ON l.source_id = s.source_id;

-- portalwatch warehouse, schema version 9: republications found by containment as well as
-- similarity, and document numbers compared without spaces, dash variants or diacritics.

-- The sampled shingle hashes of each text (portalwatch/storage/similarity.py). Rows of the
-- earlier method have none: the next load fingerprints those versions again.
ALTER TABLE text_fingerprints ADD COLUMN IF NOT EXISTS sample UBIGINT[];

-- number_key is now the number without spaces, with ASCII hyphens, without diacritics,
-- upper case (portalwatch.parse.documents.number_key): "296 – KL/TU" and "123/QD-UBND"
-- find "296-KL/TU" and "123/QĐ-UBND". References left unresolved get another chance.
UPDATE documents
SET number_key = upper(strip_accents(translate(regexp_replace(nfc_normalize(number), '\s+', '', 'g'), 'đĐ–—', 'dD--')));
UPDATE document_references
SET number_key = upper(strip_accents(translate(regexp_replace(nfc_normalize(number), '\s+', '', 'g'), 'đĐ–—', 'dD--')));

-- Pairs of articles on different portals that carry the same text, in one of three ways:
-- the same words (text_hash); near-duplicates (estimated Jaccard similarity of five-word
-- shingles >= 0.7); or the shorter text contained in the longer (>= 85% of the smaller
-- shingle sample in the other, and >= 16 sampled shingles in common), which is how a copy
-- trimmed to its first paragraphs shows. Unrelated articles built from the same stock
-- phrases reach a similarity of 0.48 and, sharing 16 sampled shingles or more, a
-- containment of 0.78; docs/warehouse.md has the measured trade-off.
-- Candidates come from MinHash bands (32 bands of 4 values), from equal text hashes, and
-- from each version's eight rarest sampled shingles that another portal's texts share, when
-- a pair shares two of them (a copy's rarest shingles are its original's). Only those last
-- candidates are scored on their samples: list_intersect is the costly part. Every version
-- of each article takes part; a pair keeps its best-matching versions.
CREATE OR REPLACE VIEW text_matches AS
WITH bands AS (
    SELECT
        f.article_id, f.version, f.source_id, f.method, b.band,
        hash(f.minhash[b.band * (len(f.minhash) // 32) + 1 : (b.band + 1) * (len(f.minhash) // 32)]) AS band_key
    FROM text_fingerprints AS f
    CROSS JOIN range(32) AS b(band)
),
samples AS (
    SELECT f.article_id, f.version, f.source_id, f.method, unnest(f.sample) AS shingle
    FROM text_fingerprints AS f
),
rarity AS (
    SELECT method, shingle, count(DISTINCT article_id) AS texts
    FROM samples
    GROUP BY method, shingle
    HAVING count(DISTINCT source_id) >= 2
),
rarest AS (
    SELECT s.article_id, s.version, s.source_id, s.method, s.shingle
    FROM samples AS s
    JOIN rarity AS r ON r.method = s.method AND r.shingle = s.shingle
    QUALIFY row_number() OVER (PARTITION BY s.article_id, s.version ORDER BY r.texts, s.shingle) <= 8
),
shared AS (
    SELECT x.article_id AS a_id, x.version AS a_version, y.article_id AS b_id, y.version AS b_version
    FROM rarest AS x
    JOIN samples AS y ON x.method = y.method AND x.shingle = y.shingle AND x.source_id <> y.source_id
    GROUP BY ALL
    HAVING count(*) >= 2
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
near AS (
    SELECT
        c.a_id, c.b_id,
        fx.text_hash = fy.text_hash AS same_text,
        CASE WHEN fx.text_hash = fy.text_hash THEN 1.0
             ELSE list_sum(list_transform(list_zip(fx.minhash, fy.minhash), lambda p: CAST(p[1] = p[2] AS INTEGER)))
                  / len(fx.minhash)
        END AS similarity,
        CASE WHEN fx.text_hash = fy.text_hash THEN 1.0 END AS containment,
        0 AS shared_sample
    FROM candidates AS c
    JOIN text_fingerprints AS fx ON fx.article_id = c.a_id AND fx.version = c.a_version
    JOIN text_fingerprints AS fy ON fy.article_id = c.b_id AND fy.version = c.b_version
    WHERE fx.method = fy.method
),
contained AS (
    SELECT
        c.a_id, c.b_id,
        fx.text_hash = fy.text_hash AS same_text,
        list_sum(list_transform(list_zip(fx.minhash, fy.minhash), lambda p: CAST(p[1] = p[2] AS INTEGER)))
            / len(fx.minhash) AS similarity,
        len(list_intersect(fx.sample, fy.sample)) / greatest(least(len(fx.sample), len(fy.sample)), 1) AS containment,
        len(list_intersect(fx.sample, fy.sample)) AS shared_sample
    FROM (SELECT a_id, a_version, b_id, b_version FROM shared
          UNION SELECT b_id, b_version, a_id, a_version FROM shared) AS c
    JOIN text_fingerprints AS fx ON fx.article_id = c.a_id AND fx.version = c.a_version
    JOIN text_fingerprints AS fy ON fy.article_id = c.b_id AND fy.version = c.b_version
),
scored AS (
    SELECT * FROM near
    UNION ALL
    SELECT * FROM contained
)
SELECT
    a_id AS article_id,
    b_id AS matched_article_id,
    max(similarity) AS similarity,
    max(containment) FILTER (WHERE same_text OR shared_sample >= 16) AS containment,
    bool_or(same_text) AS same_text
FROM scored
GROUP BY a_id, b_id
HAVING bool_or(same_text OR similarity >= 0.7 OR (containment >= 0.85 AND shared_sample >= 16));

-- Republication: each copy of a text with the portal that published it first and the
-- copy's lag behind it. First means the earliest posting day (local time); within a day, the
-- higher level (province, then district, then commune), then the earliest posting time, then
-- the earliest seen. Text moves down the hierarchy, and the day comes first because some
-- portals give a date without a time (midnight) or a time in the wrong zone: a commune's copy
-- dated 00:00 is not the source of the province's article posted at 14:00 the same day.
CREATE OR REPLACE VIEW republications AS
WITH matches AS MATERIALIZED (
    SELECT * FROM text_matches
),
members AS (
    SELECT article_id, matched_article_id AS member_id FROM matches
    UNION
    SELECT article_id, article_id FROM matches
),
originals AS (
    SELECT
        m.article_id,
        arg_min(m.member_id, (
            CAST(a.published_at AT TIME ZONE 'Asia/Ho_Chi_Minh' AS DATE),
            CASE s.level WHEN 'province' THEN 0 WHEN 'district' THEN 1 WHEN 'commune' THEN 2 ELSE 3 END,
            a.published_at,
            a.first_seen,
            m.member_id
        )) AS original_id
    FROM members AS m
    JOIN articles AS a ON a.article_id = m.member_id
    LEFT JOIN sources AS s ON s.source_id = a.source_id
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
    t.containment,
    t.same_text,
    NOT EXISTS (
        SELECT 1 FROM article_versions AS ov WHERE ov.article_id = o.article_id AND ov.title = r.title
    ) AS title_changed  -- the copy's heading is none the original ever had
FROM originals AS f
JOIN articles AS o ON o.article_id = f.original_id
JOIN articles AS r ON r.article_id = f.article_id
JOIN matches AS t ON t.article_id = f.article_id AND t.matched_article_id = f.original_id
LEFT JOIN sources AS so ON so.source_id = o.source_id
LEFT JOIN sources AS sr ON sr.source_id = r.source_id
WHERE f.original_id <> f.article_id;

-- portalwatch warehouse, schema version 13: documents the portals took down are counted
-- beside articles, in their own view and in each portal's freshness.

-- Official documents the portals took down and have not published again, with their last version.
CREATE OR REPLACE VIEW removed_documents AS
SELECT
    s.document_id,
    s.source_id,
    s.url,
    d.number,
    d.kind,
    d.title,
    d.subject,
    d.issued_date,
    d.version AS versions,
    d.valid_from AS last_version_at,
    s.removed_at
FROM document_state AS s
JOIN documents AS d ON d.document_id = s.document_id
WHERE s.removed_at IS NOT NULL
QUALIFY d.version = max(d.version) OVER (PARTITION BY d.document_id);

-- source_freshness as before (schema 2), with the portal's documents, live and removed, at the end.
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
document_stats AS (
    SELECT
        d.source_id,
        count(DISTINCT d.document_id) FILTER (WHERE s.removed_at IS NULL) AS live_documents,
        count(DISTINCT d.document_id) FILTER (WHERE s.removed_at IS NOT NULL) AS removed_documents
    FROM documents AS d
    LEFT JOIN document_state AS s ON s.document_id = d.document_id
    GROUP BY d.source_id
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
    coalesce(l.failed_fetches, 0) AS last_run_failed_fetches,
    coalesce(d.live_documents, 0) AS live_documents,
    coalesce(d.removed_documents, 0) AS removed_documents
FROM sources AS s
LEFT JOIN article_stats AS a ON a.source_id = s.source_id
LEFT JOIN document_stats AS d ON d.source_id = s.source_id
LEFT JOIN fetch_stats AS f ON f.source_id = s.source_id
LEFT JOIN last_run AS l ON l.source_id = s.source_id;

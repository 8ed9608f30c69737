-- Schema version 10: the lifecycle of portals, and pages recovered from web archives.

-- A portal's lifecycle, as its sources file said at its last load.
ALTER TABLE sources ADD COLUMN IF NOT EXISTS status VARCHAR DEFAULT 'active';  -- active | frozen | closed
ALTER TABLE sources ADD COLUMN IF NOT EXISTS active_from DATE;
ALTER TABLE sources ADD COLUMN IF NOT EXISTS active_until DATE;                 -- frozen or closed on this day
ALTER TABLE sources ADD COLUMN IF NOT EXISTS successors VARCHAR[];              -- source ids that took over

-- Where a fetched page came from: the portal itself, or a web archive's capture of it.
ALTER TABLE fetches ADD COLUMN IF NOT EXISTS via VARCHAR DEFAULT 'live';        -- live | archive | warc
ALTER TABLE fetches ADD COLUMN IF NOT EXISTS archive VARCHAR;                   -- archive name (or WARC file) when not live
ALTER TABLE fetches ADD COLUMN IF NOT EXISTS capture_timestamp VARCHAR;         -- the archive's 14-digit capture timestamp
ALTER TABLE fetches ADD COLUMN IF NOT EXISTS payload_digest VARCHAR;            -- sha1:BASE32 of the body, for archive and WARC captures

"""The version of the extraction engine, stored with every record it reads."""

from __future__ import annotations

# Bumped when the extraction engine (not a profile) changes its output.
# 2: updated_at, photographer, attribution, attachments, links and breadcrumb
#    joined the hashed record; the author is split out of the byline.
PARSER_VERSION = "2"

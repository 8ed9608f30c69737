"""History from outside the portals: web archives (CDX + replay) and WARC files, in and out."""

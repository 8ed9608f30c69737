"""The content-addressed raw store: every fetched body once, named by its hash.

A body is stored gzip-compressed at ``<root>/<first two hex>/<sha256>.gz``.
The hash is of the decoded body (after transfer and content encodings), so the
same page served compressed or not is one file. Writes go to a temporary file
that is renamed into place, so a crash never leaves a half-written page under
a real name.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import tempfile
import zlib
from pathlib import Path

from portalwatch.errors import StorageError


class RawStore:
    def __init__(self, root: str | Path):
        self.root = Path(root)

    def path_for(self, raw_hash: str) -> Path:
        return self.root / raw_hash[:2] / f"{raw_hash}.gz"

    def __contains__(self, raw_hash: str) -> bool:
        return self.path_for(raw_hash).exists()

    def put(self, body: bytes) -> tuple[str, bool]:
        """Store a body; returns its hash and whether it was new."""
        raw_hash = hashlib.sha256(body).hexdigest()
        path = self.path_for(raw_hash)
        if path.exists():
            return raw_hash, False
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(gzip.compress(body, compresslevel=5, mtime=0))
                os.replace(tmp, path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        except OSError as exc:
            raise StorageError(path, f"cannot store raw page: {exc}") from None
        return raw_hash, True

    def get(self, raw_hash: str) -> bytes:
        path = self.path_for(raw_hash)
        try:
            return gzip.decompress(path.read_bytes())
        except FileNotFoundError:
            raise StorageError(path, "raw page not in the store") from None
        except (OSError, EOFError, zlib.error) as exc:
            raise StorageError(path, f"raw page unreadable: {exc}") from None

"""The exception hierarchy: callers catch at the level they can act on.

A fetch error is not a parse error is not a storage error; each carries the
URL or file it is about so that a log line says what to look at next.
"""

from __future__ import annotations


class PortalwatchError(Exception):
    """Base of every error portalwatch raises on purpose.

    Errors cross process boundaries whole (a page worker's error comes back to the crawl
    as itself): pickling keeps the class and its attributes, whatever the ``__init__`` takes.
    """

    def __reduce__(self):
        return _rebuilt, (type(self), self.args, self.__dict__)


class ConfigError(PortalwatchError):
    """A sources or profile file is missing, unreadable or invalid.

    The message names the file, the source (when there is one) and the field.
    """

    def __init__(self, path: object, message: str, *, source: str | None = None, field: str | None = None):
        self.path = str(path)
        self.source = source
        self.field = field
        where = self.path
        if source:
            where += f": source '{source}'"
        if field:
            where += f": field '{field}'"
        super().__init__(f"{where}: {message}")


class ExtractionError(PortalwatchError):
    """A fetched page is not an article we can record (error page, missing fields).

    Such a page is recorded as a failed extraction, never as a new version.
    """

    def __init__(self, url: str, reason: str):
        self.url = url
        self.reason = reason
        super().__init__(f"{url}: {reason}")


class WrongPage(ExtractionError):
    """A page that answered 200 but is not the page asked for: a maintenance notice, a
    soft-404, an error page reached by redirect, an empty body, a page cut short.

    Such an answer is a failed fetch, tried again later: never a version, never a removal.
    """


class StorageError(PortalwatchError):
    """The raw store or the warehouse refused a read or a write."""

    def __init__(self, path: object, message: str):
        self.path = str(path)
        super().__init__(f"{self.path}: {message}")


def _rebuilt(cls: type[PortalwatchError], args: tuple, state: dict) -> PortalwatchError:
    """An error unpickled: built without its ``__init__`` (whose arguments differ from
    ``Exception.args``), then given its message and attributes back."""
    error = cls.__new__(cls)
    error.args = args
    error.__dict__.update(state)
    return error

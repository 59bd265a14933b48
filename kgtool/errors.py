"""The one root of the errors that mean the user (or the data) must change something.

`kgtool.cli.main` catches `KgtoolError` (and OSError: a file that cannot be read or written)
and reports it as `kgtool: error: <message>`, one line per line of the message, exit 2, with
no traceback; any other exception is a bug and keeps its traceback. Each module raises its
own subclass (SourceError, StoreError, QueryError, ...) so a caller can catch one concern;
nothing here imports anything, so every module may import it."""


class KgtoolError(Exception):
    """A user error, reported as `kgtool: error: ...` with exit status 2."""

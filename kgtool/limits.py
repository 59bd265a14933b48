"""What one SPARQL query may take on `kgtool serve`: a module of its own, with nothing
heavy to import, so that the command line can show the defaults in its help.
docs/safety.md states each limit, why it is there, and the option that sets it."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Limits:
    """What one query may take (docs/safety.md states each limit and its option).

    Many workers, each small: a slow query holds a process, not the server, so a quick
    query that comes after twenty slow ones still runs at once (the operating system shares
    the cores among them) instead of waiting for a free slot."""

    timeout: float = 10.0          # seconds of evaluation, then the worker is killed (503)
    max_rows: int = 10_000         # rows of an answer, then it is cut (X-Kgtool-Truncated)
    workers: int = 32              # queries evaluated at once, each in its own process
    queue: int = 256               # queries waiting for a worker, then 503 at once
    queue_wait: float = 30.0       # seconds a query may wait for a worker, then 503
    memory_mb: int = 512           # MiB a worker may allocate, then it is stopped (503)
    max_query_bytes: int = 65_536  # length of a query, then 413 unread
    max_nesting: int = 64          # depth of nested brackets, then 400 unparsed
    allowed_services: list[str] = field(default_factory=list)

"""Everything that talks to another server, over one HTTP client.

- `client.py`: the HTTP client (keep-alive connections, digest and basic authentication,
  bounded answers, timeouts), its one sorting of failures into `Transient` and
  `RemoteError`, and `retrying`, the one backoff loop.
- `query.py`: a store's endpoints (`Endpoint`) and `kgtool query --endpoint`: a query run
  there, its answer as pyoxigraph query results.
- `load.py`: `kgtool load`: the release's graphs pushed into a store (staged and swapped,
  or Oxigraph's one-transaction path), and the check that the store's default graph is the
  union of its named graphs.
- `polite.py`: the policy for public endpoints such as Wikidata's (User-Agent with a
  contact URL, pacing, backoff), on the same client.

This package may import `kgtool.errors`, `kgtool.namespaces`, `kgtool.store` and `kgtool.query`, nothing
else of kgtool; inside it, each module imports only those listed before it."""

from .client import Client, RemoteError
from .load import LOADING, check_union_default_graph, push
from .polite import PublicEndpoint
from .query import Endpoint, run, select

__all__ = ["LOADING", "Client", "Endpoint", "PublicEndpoint", "RemoteError", "check_union_default_graph",
           "push", "run", "select"]

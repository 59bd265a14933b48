"""`kgtool link`: links from our entities to another dataset's items, proposed by the tool
and accepted by a person.

- `wikidata.py`: Wikidata's side: which Wikidata classes fit each of our classes, the
  candidate query, the score of a candidate.
- `review.py`: our unlinked entities, the review file of their candidates (asked of the
  endpoint through `kgtool.remote.PublicEndpoint`), and the links file a reviewed file
  becomes.

This package may import `kgtool.remote`, `kgtool.store`, `kgtool.sources` and
`kgtool.namespaces`, nothing else of kgtool; `review.py` imports `wikidata.py`, not the
other way round."""

from .review import LinkError, accept, candidates
from .wikidata import DEFAULT_ENDPOINT

__all__ = ["DEFAULT_ENDPOINT", "LinkError", "accept", "candidates"]

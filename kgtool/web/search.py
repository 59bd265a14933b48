"""Finding a resource by name, for the search box on every page and the choices of a form.

The graph is small and does not change while served, so every name (labels, alternative
names and titles, in every language) is read once into memory and matched there: a case-
and width-insensitive substring match works for English and for Chinese alike (Chinese is
written without spaces, so word-based full-text search would miss 药明 in 药明康德).

Ranking, best first: the whole name matches, then the name starts with the text, then a
word of it does, then the text is somewhere inside; a resource's own name before an
alternative name; then shorter names first (a closer fit), then the name itself."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import pyoxigraph as ox

from ..query import internal_query, run

WORD_START = re.compile(r"(?:^|[\s\-–—/(（,，.·:：;；'\"“”‘’])")


def fold(text: str) -> str:
    """What a match compares: NFKC (full-width letters and digits become ASCII), case-folded."""
    return unicodedata.normalize("NFKC", text).casefold()


@dataclass(frozen=True)
class Name:
    iri: str
    text: str
    lang: str
    rank: int  # 0: its name, 1: an alternative name
    folded: str


@dataclass(frozen=True)
class Hit:
    iri: str
    name: str   # the name that matched
    lang: str


class Names:
    """Every name of every resource whose IRI starts with one of `namespaces`."""

    def __init__(self, names: list[Name]):
        self.names = names

    @classmethod
    def read(cls, store: ox.Store, namespaces: tuple[str, ...]) -> "Names":
        names = [Name(row["s"].value, row["name"].value, row["name"].language or "", int(row["rank"].value),
                      fold(row["name"].value))
                 for row in run(store, internal_query("names"), {}) if row["s"].value.startswith(namespaces)]
        return cls(names)

    def search(self, text: str, limit: int = 50) -> list[Hit]:
        """The resources with a name containing `text`, best match first, each once."""
        wanted = fold(text.strip())
        if not wanted:
            return []
        scored = []
        for name in self.names:
            at = name.folded.find(wanted)
            if at < 0:
                continue
            if name.folded == wanted:
                fit = 0
            elif at == 0:
                fit = 1
            elif any(m.end() == at for m in WORD_START.finditer(name.folded)):
                fit = 2
            else:
                fit = 3
            scored.append(((fit, name.rank, len(name.folded), name.folded, name.iri), name))
        hits, seen = [], set()
        for _, name in sorted(scored, key=lambda pair: pair[0]):
            if name.iri not in seen:
                seen.add(name.iri)
                hits.append(Hit(name.iri, name.text, name.lang))
        return hits[:limit]

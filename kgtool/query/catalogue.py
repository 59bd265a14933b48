"""Saved queries: the catalogue (the `#+` headers of queries/*.rq and of the internal
queries in kgtool/sparql/), and parameters checked and bound as RDF terms."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pyoxigraph as ox

from ..derive import SPARQL as INTERNAL_QUERIES
from ..errors import KgtoolError
from ..namespaces import PREFIXES, XSD



class QueryError(KgtoolError):
    """A user error: unknown query or parameter, a value of the wrong type, a bad query."""


@dataclass(frozen=True)
class Param:
    name: str
    type: str
    default: str | None
    description: str
    cls: str | None = None  # an iri parameter's class (`class=bpo:Country`): the forms offer its instances
    optional: bool = False  # `optional`: may be left out on purpose, the query then answers for every value

    @property
    def required(self) -> bool:
        """A parameter without a default must be given, unless the header says `optional`
        (or names it in a `one-of` line: SavedQuery.required)."""
        return self.default is None and not self.optional

    def label(self, lang: str) -> str:
        """The description in a page's language: `English | 中文` gives each its part."""
        en, sep, zh = self.description.partition(" | ")
        return (zh if lang == "zh" and sep else en).strip() or self.name


@dataclass
class SavedQuery:
    name: str
    path: Path
    text: str
    header: dict[str, str] = field(default_factory=dict)
    params: list[Param] = field(default_factory=list)
    columns: dict[str, dict[str, str]] = field(default_factory=dict)  # column -> {lang: title}
    hidden: dict[str, str | None] = field(default_factory=dict)      # IRI column -> the column it links
    values: dict[str, dict[str, dict[str, str]]] = field(default_factory=dict)  # column -> code -> {lang: text}
    one_of: list[tuple[str, ...]] = field(default_factory=list)  # `#+ one-of: a b`: give a or b (or both)
    examples: list[dict[str, str]] = field(default_factory=list)  # `#+ example: a=x b=y`: values that answer

    def required(self) -> list[tuple[str, ...]]:
        """What a run must be given: each tuple lists parameters of which at least one needs
        a value (a required parameter alone, or the names of a `one-of` line)."""
        grouped = {name for group in self.one_of for name in group}
        return [(p.name,) for p in self.params if p.required and p.name not in grouped] + self.one_of

    @property
    def title(self) -> str:
        return self.header.get("title", self.name)

    def title_in(self, lang: str) -> str:
        """The title in a page's language when the header has it (`#+ title_zh:`), else `title`."""
        return self.header.get(f"title_{lang}") or self.title

    def column_title(self, column: str, lang: str) -> str:
        """A column's title in `lang` from its `#+ column:` line; the variable name only for
        a query that declares none (a query file given by path)."""
        return self.columns.get(column, {}).get(lang) or column

    def linked_column(self, column: str) -> str | None:
        """The shown column whose values a hidden IRI column links (`measure` -> `measure_label`)."""
        if column not in self.hidden:
            return None
        return self.hidden[column] or f"{column}_label"


# Catalogue -----------------------------------------------------------------------------

def parse_param(line: str, path: Path) -> Param:
    """`NAME TYPE [default=VALUE] [class=CLASS] [optional] description` (conventions.md, "Saved queries")."""
    words = line.split(None, 2)
    if len(words) < 2 or words[1] not in CONVERTERS:
        raise QueryError(f"{path}: bad param line {line!r}: want `NAME TYPE [default=VALUE] [class=CLASS] [optional] "
                         f"description` with TYPE one of {', '.join(CONVERTERS)}")
    rest = words[2] if len(words) == 3 else ""
    options = {}
    while rest.startswith(("default=", "class=", "optional ")) or rest == "optional":
        key, _, rest = rest.partition(" ")
        name, _, options[name] = key.partition("=")
        rest = rest.lstrip()
    cls = options.get("class")
    if cls is not None:
        try:
            cls = to_iri(cls).value
        except ValueError as error:
            raise QueryError(f"{path}: param {words[0]}: class={cls}: {error}") from None
    return Param(words[0].lstrip("?"), words[1], options.get("default"), rest.strip(), cls, "optional" in options)


def bilingual(text: str, where: str) -> dict[str, str]:
    """`English | 中文` as {"en": ..., "zh": ...} (conventions.md, "Saved queries")."""
    en, sep, zh = text.partition("|")
    if not sep or not en.strip() or not zh.strip():
        raise QueryError(f"{where}: want `English | 中文`, got {text!r}")
    return {"en": en.strip(), "zh": zh.strip()}


def read_column_line(query: SavedQuery, key: str, value: str, where: str) -> None:
    """`column: NAME  English | 中文`, `hidden: NAME[=SHOWN] ...`, `value: NAME CODE = English | 中文`."""
    if key == "column":
        name, _, titles = value.partition(" ")
        query.columns[name.lstrip("?")] = bilingual(titles, where)
    elif key == "hidden":
        for word in value.split():
            name, _, shown = word.partition("=")
            query.hidden[name.lstrip("?")] = shown.lstrip("?") or None
    else:
        name, _, rest = value.partition(" ")
        code, sep, titles = rest.partition(" = ")
        if not sep:
            raise QueryError(f"{where}: want `value: COLUMN CODE = English | 中文`, got {value!r}")
        query.values.setdefault(name.lstrip("?"), {})[code.strip()] = bilingual(titles, where)


def read_query(path: Path) -> SavedQuery:
    """A query file and its `#+ key: value` header lines."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise QueryError(f"cannot read {path}: {error}") from None
    query = SavedQuery(Path(path).stem, Path(path), text)
    for number, line in enumerate(text.splitlines(), 1):
        if not line.startswith("#+"):
            continue
        key, _, value = line[2:].partition(":")
        key, value = key.strip(), value.strip()
        if key == "param":
            query.params.append(parse_param(value, path))
        elif key in ("column", "hidden", "value"):
            read_column_line(query, key, value, f"{path}:{number}")
        elif key == "one-of":
            query.one_of.append(tuple(name.lstrip("?") for name in value.split()))
        elif key == "example":
            query.examples.append(parse_assignments(value.split(), f"{path}:{number}: example"))
        else:
            query.header[key] = value
    check_header(query)
    return query


def check_header(query: SavedQuery) -> None:
    """A `one-of` line names parameters without a default; an example names parameters."""
    declared = {p.name: p for p in query.params}
    for group in query.one_of:
        if len(group) < 2 or not all(name in declared and declared[name].required for name in group):
            raise QueryError(f"{query.path}: `one-of: {' '.join(group)}` wants two or more of its parameters "
                             "that have neither a default nor `optional`")
    for example in query.examples:
        unknown = sorted(set(example) - set(declared))
        if unknown:
            raise QueryError(f"{query.path}: the example names {', '.join(unknown)}, not a parameter of the query")


def internal_query(name: str) -> SavedQuery:
    """A query that the pages, docs or release need, kept as a file beside the code
    (kgtool/sparql) so its parameters are declared and bound exactly like a saved query's."""
    return read_query(INTERNAL_QUERIES / f"{name}.rq")


def catalogue(queries_dir: Path) -> list[SavedQuery]:
    return [read_query(p) for p in sorted(Path(queries_dir).glob("*.rq"))]


def find_query(queries_dir: Path, name_or_file: str) -> SavedQuery:
    """A saved query by name (`timeline`) or any query file by path (`my.rq`); a name that
    is not one gets the closest names as a suggestion."""
    if name_or_file.endswith(".rq"):
        return read_query(Path(name_or_file))
    path = Path(queries_dir) / f"{name_or_file}.rq"
    if not path.is_file():
        names = [p.stem for p in sorted(Path(queries_dir).glob("*.rq"))]
        close = difflib.get_close_matches(name_or_file, names, n=3)
        hint = f"did you mean {' or '.join(repr(c) for c in close)}?" if close else "`kgtool queries` lists them"
        raise QueryError(f"no saved query {name_or_file!r}; {hint}")
    return read_query(path)


# Parameters ----------------------------------------------------------------------------

IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|\\^`]*")
LANGUAGES = ("en", "zh")  # the languages of the data's labels (and of the pages, render.LANGS)
INTEGER = re.compile(r"[+-]?\d+")
DECIMAL = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def to_iri(value: str) -> ox.NamedNode:
    """An absolute IRI, `<IRI>`, or a prefixed name with a known prefix (`bp:agency/x`)."""
    value = value.strip()
    if value.startswith("<") and value.endswith(">"):
        value = value[1:-1]
    prefix, _, local = value.partition(":")
    if prefix in PREFIXES and not local.startswith("//"):
        value = PREFIXES[prefix] + local
    if not IRI.fullmatch(value):
        raise ValueError("not an absolute IRI (e.g. https://w3id.org/biopolicy/id/agency/x) or a prefixed name")
    return ox.NamedNode(value)


def to_language(value: str) -> ox.Literal:
    """One of the languages the data has labels in: any other tag would only give fallbacks."""
    if value not in LANGUAGES:
        raise ValueError(f"not a language the labels are in; give {' or '.join(LANGUAGES)}")
    return ox.Literal(value)


def typed(pattern: re.Pattern, datatype: str, example: str):
    def convert(value: str) -> ox.Literal:
        if not pattern.fullmatch(value):
            raise ValueError(f"not an xsd:{datatype} (e.g. {example})")
        if datatype == "date":
            date.fromisoformat(value)  # rejects 2024-02-30
        return ox.Literal(value, datatype=ox.NamedNode(XSD + datatype))
    return convert


CONVERTERS = {
    "iri": to_iri,
    "literal": ox.Literal,
    "language": to_language,
    "integer": typed(INTEGER, "integer", "42"),
    "decimal": typed(DECIMAL, "decimal", "3.5"),
    "date": typed(DATE, "date", "2024-01-31"),
}


def parse_assignments(pairs: list[str], where: str = "--param") -> dict[str, str]:
    """`--param name=value` options (or the words of an `example` line) into a dict; the
    value may hold any character."""
    values = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise QueryError(f"{where} wants NAME=VALUE, got {pair!r}")
        values[name.lstrip("?")] = value
    return values


def bind(query: SavedQuery, values: dict[str, str]) -> dict[str, ox.NamedNode | ox.Literal]:
    """Check each value against its declared type and turn it into an RDF term. A required
    parameter left out is an error (unbound, it would match everything); an optional one
    stays unbound, and the query answers for every value."""
    declared = {p.name: p for p in query.params}
    unknown = set(values) - set(declared)
    if unknown:
        raise QueryError(f"query {query.name!r} has no parameter {', '.join(sorted(unknown))} "
                         f"(it has: {', '.join(declared) or 'none'})")
    bindings = {}
    for param in query.params:
        value = values.get(param.name, param.default)
        if value == "today" and param.type == "date":
            value = date.today().isoformat()  # `default=today`: the day the query runs
        if value is None:
            continue  # optional, or the other one of a `one-of` pair
        try:
            bindings[param.name] = CONVERTERS[param.type](value)
        except ValueError as error:
            raise QueryError(f"parameter {param.name}={value!r}: {error}") from None
    missing = [group for group in query.required() if not any(name in values for name in group)]
    if missing:
        needs = " and ".join(" or ".join(f"--param {name}=..." for name in group) for group in missing)
        raise QueryError(f"query {query.name} needs {needs}")
    return bindings

"""Saved queries: the catalogue (the `#+` headers of queries/*.rq), parameters bound as RDF
terms (never pasted into query text), and formatting of the answers."""

from __future__ import annotations

import csv
import difflib
import io
import itertools
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pyoxigraph as ox

from .export import turtle
from .namespaces import PREFIXES, compact

XSD = "http://www.w3.org/2001/XMLSchema#"
FORMATS = ("table", "csv", "tsv", "json", "xml")
RESULT_FORMATS = {
    "csv": ox.QueryResultsFormat.CSV,
    "tsv": ox.QueryResultsFormat.TSV,
    "json": ox.QueryResultsFormat.JSON,
    "xml": ox.QueryResultsFormat.XML,
}


class QueryError(Exception):
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


# VALUES form for remote endpoints ------------------------------------------------------

TOKEN = re.compile(
    r"""(?P<comment>\#[^\n]*)
      | (?P<string>'''.*?'''|\"\"\".*?\"\"\"|'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")
      | (?P<iri><[^<>"{}|^`\\\s]*>)
      | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
      | (?P<open>\{) | (?P<close>\}) | (?P<other>.)""",
    re.VERBOSE | re.DOTALL,
)


def nesting_depth(text: str) -> int:
    """How deep `{`, `(` and `[` nest, past comments, strings and IRIs."""
    depth = deepest = 0
    for match in TOKEN.finditer(text):
        kind, token = match.lastgroup, match.group()
        if kind == "open" or token in "([" and kind == "other":
            depth += 1
            deepest = max(deepest, depth)
        elif kind == "close" or token in ")]" and kind == "other":
            depth -= 1
    return deepest


def outer_group_start(text: str) -> int:
    """The offset just after the `{` that opens the outer WHERE group (skipping comments,
    strings, IRIs, and a CONSTRUCT template)."""
    depth, seen_where, construct = 0, False, False
    for match in TOKEN.finditer(text):
        kind = match.lastgroup
        if kind == "word" and depth == 0:
            word = match.group().upper()
            seen_where |= word == "WHERE"
            construct |= word == "CONSTRUCT"
        elif kind == "open":
            if depth == 0 and (seen_where or not construct):
                return match.end()
            depth += 1
        elif kind == "close":
            depth -= 1
    raise QueryError("query has no WHERE group")


def with_values_block(text: str, bindings: dict[str, ox.NamedNode | ox.Literal]) -> str:
    """The query with `VALUES (?a ?b) { (term term) }` first in its outer WHERE group; the
    terms are N-Triples terms (pyoxigraph escapes them), valid SPARQL."""
    if not bindings:
        return text
    return insert_values(text, outer_group_start(text), bindings)


def insert_values(text: str, at: int, bindings: dict[str, ox.NamedNode | ox.Literal]) -> str:
    names = " ".join(f"?{name}" for name in bindings)
    terms = " ".join(str(term) for term in bindings.values())
    return f"{text[:at]}\n  VALUES ({names}) {{ ({terms}) }}\n{text[at:]}"


# SERVICE (federated queries) -----------------------------------------------------------
#
# pyoxigraph (0.5) evaluates `SERVICE <IRI> { … }` by sending the group, as written, to
# the IRI; it passes no local bindings along (no VALUES, no bind join), and it refuses
# `SERVICE ?var` ("the variable encoding the service name is unbound") however ?var is
# bound in the query. So kgtool prepares such a query in two steps, on terms that
# `bind` has already checked: an `iri` parameter named after SERVICE becomes the IRI term
# itself, and the parameters used inside a SERVICE group are bound again by a VALUES
# block first in that group, which keeps the remote side of the query bounded.


@dataclass
class Service:
    keyword: int       # offset of SERVICE
    target: str        # `<iri>`, `?var`, or the prefixed name as written
    target_span: tuple[int, int]
    group: tuple[int, int]  # just inside the braces of its group


def significant_tokens(text: str) -> list[re.Match]:
    return [m for m in TOKEN.finditer(text) if m.lastgroup != "comment" and not m.group().isspace()]


def services(text: str) -> list[Service]:
    """Every SERVICE call in the query, found past comments, strings and IRIs."""
    tokens = significant_tokens(text)
    found = []
    for i, token in enumerate(tokens):
        if token.lastgroup != "word" or token.group().upper() != "SERVICE" or is_name_part(tokens, i):
            continue
        j = i + 1
        if j < len(tokens) and tokens[j].group().upper() == "SILENT":
            j += 1
        k = j
        while k < len(tokens) and tokens[k].lastgroup != "open":
            k += 1
        if k == len(tokens):
            raise QueryError("SERVICE without a { group }")
        target = text[tokens[j].start():tokens[k - 1].end()] if k > j else ""
        found.append(Service(token.start(), target, (tokens[j].start(), tokens[k - 1].end()),
                             (tokens[k].end(), group_end(tokens, k))))
    return found


def is_name_part(tokens: list[re.Match], i: int) -> bool:
    """A word that is part of `?service`, `$service` or `ex:service`, not the keyword."""
    before = tokens[i - 1] if i else None
    after = tokens[i + 1] if i + 1 < len(tokens) else None
    return (before is not None and before.end() == tokens[i].start() and before.group() in "?$:") or \
        (after is not None and after.start() == tokens[i].end() and after.group() == ":")


def group_end(tokens: list[re.Match], open_at: int) -> int:
    depth = 0
    for token in tokens[open_at:]:
        depth += {"open": 1, "close": -1}.get(token.lastgroup, 0)
        if depth == 0:
            return token.start()
    raise QueryError("SERVICE group is not closed")


def variables_in(text: str) -> set[str]:
    tokens = significant_tokens(text)
    return {b.group() for a, b in zip(tokens, tokens[1:])
            if a.group() in "?$" and b.lastgroup == "word" and a.end() == b.start()}


def with_service_bindings(text: str, bindings: dict[str, ox.NamedNode | ox.Literal]) -> str:
    """`SERVICE ?p` with an IRI bound to p becomes `SERVICE <that IRI>`, and each SERVICE
    group starts with a VALUES block for the bound parameters it uses. Edits go from the
    end of the text backwards, so earlier offsets stay right."""
    for service in reversed(services(text)):
        used = {n: t for n, t in bindings.items() if n in variables_in(text[service.group[0]:service.group[1]])}
        if used:
            text = insert_values(text, service.group[0], used)
        name = service.target[1:]
        if service.target[:1] in "?$" and isinstance(bindings.get(name), ox.NamedNode):
            start, end = service.target_span
            text = text[:start] + str(bindings[name]) + text[end:]
    return text


def require_service_params(query: SavedQuery, bindings: dict) -> None:
    """A parameter that a SERVICE call uses must have a value: unbound, it would leave the
    remote side of the query unbounded (pyoxigraph sends no local bindings)."""
    declared = {p.name for p in query.params}
    for service in services(query.text):
        used = variables_in(query.text[service.group[0]:service.group[1]]) | variables_in(service.target)
        missing = sorted((used & declared) - set(bindings))
        if missing:
            raise QueryError(f"query {query.name!r} uses {', '.join(missing)} in a SERVICE call; "
                             f"give {' and '.join(f'--param {m}=...' for m in missing)}")


def check_services(text: str, allowed: list[str]) -> None:
    """Refuse a SERVICE call unless its endpoint is one of `allowed` (--allow-service):
    a saved query must not make kgtool call a server the user did not name."""
    for service in services(text):
        iri = service.target[1:-1] if service.target.startswith("<") else None
        if iri is None:
            raise QueryError(f"SERVICE {service.target}: the endpoint must be an IRI, or an iri parameter "
                             "with a value (pyoxigraph cannot call SERVICE ?variable)")
        if iri not in allowed:
            raise QueryError(f"the query calls SERVICE <{iri}>; to let it, pass --allow-service {iri}")


# Read-only ---------------------------------------------------------------------------

QUERY_FORMS = ("SELECT", "CONSTRUCT", "ASK", "DESCRIBE")
UPDATE_FORMS = ("INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH")
UPDATE_OPERATIONS = {"InsertData": "INSERT DATA", "DeleteData": "DELETE DATA", "DeleteWhere": "DELETE WHERE",
                     "Modify": "DELETE/INSERT", "Load": "LOAD", "Clear": "CLEAR", "Drop": "DROP",
                     "Create": "CREATE", "Add": "ADD", "Move": "MOVE", "Copy": "COPY"}


def query_form(text: str) -> str | None:
    """The first keyword after the prologue (PREFIX and BASE declarations), upper-cased,
    found past comments, strings and IRIs; None if something else comes first."""
    skipping = False
    for token in significant_tokens(text):
        word = token.group().upper() if token.lastgroup == "word" else None
        if skipping:
            skipping = token.lastgroup != "iri"  # a declaration ends with its IRI
        elif word in ("PREFIX", "BASE"):
            skipping = True
        else:
            return word
    return None


def check_read_only(query: SavedQuery) -> None:
    """Refuse a SPARQL Update (INSERT, DELETE, DROP, CLEAR, CREATE, LOAD, COPY, MOVE, ADD)
    with a clear message. pyoxigraph's query() parses the query grammar only, and a saved
    store is opened read-only, so an update could not run anyway; this says why before
    anything else reads the text. A query form is left to pyoxigraph's parser; any other
    text is parsed with rdflib's SPARQL Update grammar (slow to load, so only then)."""
    form = query_form(query.text)
    if form is None or form in QUERY_FORMS:
        return
    from rdflib.plugins.sparql.parser import parseUpdate

    try:
        operations = [UPDATE_OPERATIONS.get(op.name, op.name) for op in parseUpdate(query.text).request]
    except Exception:  # not an update either: say what it starts with
        raise QueryError(f"{query.path}: not a SPARQL query: it starts with {form}, "
                         f"not {', '.join(QUERY_FORMS)}") from None
    raise QueryError(f"{query.path}: is a SPARQL Update ({', '.join(operations)}); "
                     "`kgtool query` only reads, and opens the store read-only")


# Running and formatting ----------------------------------------------------------------

def prepare(query: SavedQuery, bindings: dict, allowed_services: list[str] = ()) -> str:
    """The query text to run: parameters bound (SERVICE groups too), SERVICE calls allowed."""
    require_service_params(query, bindings)
    text = with_service_bindings(query.text, bindings)
    check_services(text, list(allowed_services))
    return with_values_block(text, bindings)


def run(store: ox.Store, query: SavedQuery, bindings: dict, allowed_services: list[str] = ()):
    """Run on the embedded store, the default graph being the union of all graphs.

    Parameters go in as a VALUES block first in the outer WHERE group, exactly as on a
    remote endpoint, so every store sees the same query. (pyoxigraph's `substitutions`
    would only bind variables that the SELECT clause lists.)"""
    text = prepare(query, bindings, allowed_services)
    try:
        return store.query(text, use_default_graph_as_union=True)
    except SyntaxError as error:
        raise QueryError(f"{query.path}: {syntax_message(query.text, error)}") from None


# Syntax errors -------------------------------------------------------------------------
#
# pyoxigraph's message lists every token it would have taken, Unicode ranges included
# (`error at 1:31: expected one of Prefix not found, ['%'], ['-' | '0' ..= '9' | ...`),
# and never says which prefix is missing. So kgtool looks for the undeclared prefix
# itself, and otherwise keeps the words and drops the character classes.

PREFIXED_NAME = re.compile(r"(?<![\w.\-?$:])([A-Za-z][\w.\-]*)?:")
DECLARATION = re.compile(r"\bPREFIX\s+([A-Za-z][\w.\-]*)?:", re.I)
CHARACTER_CLASS = re.compile(r"\[[^\]]*\],?\s*")
NOT_FOUND = re.compile(r"Prefix not found,?\s*")


def code_only(text: str) -> str:
    """The text with comments, strings and IRIs blanked out (offsets kept)."""
    return "".join(" " * len(m.group()) if m.lastgroup in ("comment", "string", "iri") else m.group()
                   for m in TOKEN.finditer(text))


def undeclared_prefix(text: str) -> tuple[str, int] | None:
    """The first prefix that the query uses in a prefixed name but never declares, and
    where it is used."""
    code = code_only(text)
    declared = {m.group(1) or "" for m in DECLARATION.finditer(code)}
    for match in PREFIXED_NAME.finditer(code):
        if (match.group(1) or "") not in declared:
            return (match.group(1) or ""), match.start()
    return None


def syntax_message(text: str, error: SyntaxError) -> str:
    """pyoxigraph's syntax error in one line: `line:col: what`, an undeclared prefix by
    name. The position is found again on `text` itself (the query as written: the VALUES
    block of the parameters moves the lines), parsed on an empty store; a SELECT or
    CONSTRUCT there is not evaluated until read."""
    undeclared = undeclared_prefix(text)
    if undeclared:
        prefix, at = undeclared
        line = text.count("\n", 0, at) + 1
        column = at - (text.rfind("\n", 0, at) + 1) + 1
        known = f" (add `PREFIX {prefix}: <{PREFIXES[prefix]}>`)" if prefix in PREFIXES else ""
        return f"{line}:{column}: prefix '{prefix}:' is not declared{known}"
    try:
        ox.Store().query(text)
    except SyntaxError as own:
        error = own
    where, _, what = str(error).partition(": ")
    what = NOT_FOUND.sub("", CHARACTER_CLASS.sub("", " ".join(what.split()))).strip(" ,")
    return f"{where.removeprefix('error at ')}: {what or 'syntax error'}"


# A `GROUP_CONCAT(...; separator=" | ")` and the column it makes (the next `AS ?name`).
CONCATENATION = re.compile(r'GROUP_CONCAT\s*\([^;]*;\s*separator\s*=\s*" \| "\s*\).*?\bAS\s+\?(\w+)', re.I | re.S)


def concatenated_columns(text: str) -> set[str]:
    """The columns that a query makes with `GROUP_CONCAT(...; separator=" | ")`, read from
    its text (comments skipped). Only these are sorted by `sorted_parts`: a plain literal
    may hold " | " (a title in data/ does), and the header needs no line for it."""
    code = "".join(m.group() for m in TOKEN.finditer(text) if m.lastgroup != "comment")
    return set(CONCATENATION.findall(code))


def sorted_parts(term):
    """A " | "-joined cell with its parts in code-point order, as a plain string; unbound
    when it has no parts. SPARQL's GROUP_CONCAT leaves the order of the parts to the engine,
    and its language tag and the value of an empty group too (Oxigraph keeps the tag the
    parts share and leaves an empty group unbound, Virtuoso drops the tag and writes ""), so
    they are fixed here and every store gives the same cell. A part that itself holds " | "
    is split too."""
    if not isinstance(term, ox.Literal):
        return term
    return ox.Literal(" | ".join(sorted(term.value.split(" | ")))) if term.value else None


def in_order(names: list[str], terms, concatenated: set[str]) -> list:
    """A row's terms, those of the concatenated columns with their parts sorted."""
    return [sorted_parts(term) if name in concatenated else term for name, term in zip(names, terms)]


def capped(results, max_rows: int, concatenated: set[str] = frozenset()):
    """At most `max_rows` solutions (or triples) of an answer, and whether it had more;
    only that many are ever read, so a huge answer is not held in memory. The kept
    solutions are written as SPARQL TSV (terms in N-Triples syntax, which escapes tabs and
    newlines) and read back, so every output format still comes from pyoxigraph; the
    parts of the `concatenated` columns are sorted on the way (`sorted_parts`)."""
    if isinstance(results, ox.QueryBoolean):
        return results, False
    kept = list(itertools.islice(results, max_rows + 1))
    cut = len(kept) > max_rows
    if isinstance(results, ox.QueryTriples):
        return kept[:max_rows], cut
    names = [v.value for v in results.variables]
    lines = ["\t".join(f"?{n}" for n in names)]
    lines += ["\t".join("" if term is None else str(term) for term in in_order(names, row, concatenated))
              for row in kept[:max_rows]]
    return ox.parse_query_results("\n".join(lines) + "\n", format=ox.QueryResultsFormat.TSV), cut


def display(term) -> str:
    """A cell of the table: IRIs compacted, literals as their text."""
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        return compact(term.value)
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, ox.Literal):
        return term.value
    return str(term)


def width(text: str) -> int:
    """Columns the text takes in a terminal (CJK characters take two)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def pad(text: str, columns: int) -> str:
    return text + " " * (columns - width(text))


def table(header: list[str], rows: list[list[str]]) -> str:
    rows = [[cell.replace("\n", " ") for cell in row] for row in rows]
    widths = [max([width(h)] + [width(r[i]) for r in rows]) for i, h in enumerate(header)]
    lines = ["  ".join(pad(h, w) for h, w in zip(header, widths)).rstrip(),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(pad(c, w) for c, w in zip(row, widths)).rstrip() for row in rows]
    return "\n".join(lines) + "\n"


def format_results(results, fmt: str) -> bytes:
    """SELECT/ASK answers as a table or in a SPARQL results format; CONSTRUCT and DESCRIBE
    as Turtle (export.turtle)."""
    if isinstance(results, (ox.QueryTriples, list)):  # a list: triples that `capped` kept
        return turtle(results)
    if fmt != "table":
        data = results.serialize(format=RESULT_FORMATS[fmt])
        return data if data.endswith(b"\n") else data + b"\n"
    if isinstance(results, ox.QueryBoolean):
        return f"{'true' if results else 'false'}\n".encode()
    header = [v.value for v in results.variables]
    rows = [[display(solution[name]) for name in header] for solution in results]
    return table(header, rows).encode("utf-8")

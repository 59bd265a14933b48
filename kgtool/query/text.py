"""SPARQL text handling: a saved query's text made ready to run. Parameters bound by a
VALUES block (never pasted into the text), SERVICE groups bound and checked against the
allowed endpoints, updates refused, and pyoxigraph's syntax errors made readable."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import pyoxigraph as ox

from ..namespaces import PREFIXES
from .catalogue import QueryError, SavedQuery

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


@lru_cache(maxsize=128)
def significant_tokens(text: str) -> tuple[re.Match, ...]:
    """The query's tokens past comments and spaces; kept for the texts last asked about, as
    one run reads them several times (the SERVICE checks) and a server the same few often."""
    return tuple(m for m in TOKEN.finditer(text) if m.lastgroup != "comment" and not m.group().isspace())


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


# Running -----------------------------------------------------------------------------

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

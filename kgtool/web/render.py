"""HTML shared by `kgtool docs` and `kgtool serve`: the Jinja2 templates, the two languages
of the interface, and labels that fall back to the other language.

Both pages are for people who read either English or Chinese, so every label is looked up
in the reader's language first and in the other one second, never left blank when either
exists."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import jinja2
import pyoxigraph as ox

from ..query import LANGUAGES, internal_query, run

LANGS = LANGUAGES  # the pages speak the languages the labels are in
HERE = Path(__file__).resolve().parent


def read_words(path: Path) -> dict[str, tuple[str, ...]]:
    """The interface's own words (data labels come from the graph), one line a key with its
    English and Chinese side by side, kept in a table of their own so that a translator
    edits text, not code."""
    words = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line and not line.startswith("#"):
            key, *texts = line.split("\t")
            if len(texts) != len(LANGS) or key in words:
                raise ValueError(f"{path}:{number}: want a new key and {len(LANGS)} texts, tab-separated")
            words[key] = tuple(texts)
    return words


WORDS = read_words(HERE / "words.tsv")
UI = {lang: {key: words[i] for key, words in WORDS.items()} for i, lang in enumerate(LANGS)}


def environment() -> jinja2.Environment:
    """Templates from kgtool/web/templates, HTML-escaped unless a template says otherwise."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["day"] = lambda day, lang: date_text(day.isoformat(), lang)
    return env


def pick(by_lang: dict[str, str], lang: str) -> str | None:
    """The text in `lang`, else in the other language, else an untagged one."""
    other = [code for code in LANGS if code != lang]
    for code in [lang, *other, ""]:
        if by_lang.get(code):
            return by_lang[code]
    return None


def all_labels(store: ox.Store) -> dict[str, dict[str, str]]:
    """IRI -> {language: label}, from rdfs:label and skos:prefLabel in every graph. The store
    is read-only while it is served, so this is read once."""
    labels: dict[str, dict[str, str]] = {}
    for row in run(store, internal_query("labels"), {}):
        by_lang = labels.setdefault(row["s"].value, {})
        by_lang.setdefault(row["label"].language or "", row["label"].value)
    return labels


# Values for people ---------------------------------------------------------------------

MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August",
             "September", "October", "November", "December")
DURATION = re.compile(r"P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?")
DURATION_UNITS = {"en": (("year", "years"), ("month", "months"), ("week", "weeks"), ("day", "days")),
                  "zh": (("年",) * 2, ("个月",) * 2, ("周",) * 2, ("天",) * 2)}


def date_text(value: str, lang: str) -> str:
    """An xsd:date (or the date of an xsd:dateTime) as people write it: 2023年3月11日, 11 March 2023."""
    try:
        day = date.fromisoformat(value[:10])
    except ValueError:
        return value
    if lang == "zh":
        return f"{day.year}年{day.month}月{day.day}日"
    return f"{day.day} {MONTHS_EN[day.month - 1]} {day.year}"


def duration_text(value: str, lang: str) -> str | None:
    """A duration in canonical form (P180D, P1Y6M) in words: 180 天, 1 year 6 months; None
    for anything else, which is then shown as it is."""
    match = DURATION.fullmatch(value)
    if not match or not any(match.groups()):
        return None
    parts = []
    for number, (one, many) in zip(match.groups(), DURATION_UNITS[lang]):
        if number is not None:
            parts.append(f"{int(number)} {one if int(number) == 1 else many}")
    return " ".join(parts)

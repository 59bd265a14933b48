"""HTML shared by `kgtool docs` and `kgtool serve`: the Jinja2 templates, the two languages
of the interface, and labels that fall back to the other language.

Both pages are for people who read either English or Chinese, so every label is looked up
in the reader's language first and in the other one second, never left blank when either
exists."""

from __future__ import annotations

from pathlib import Path

import jinja2
import pyoxigraph as ox

from .queries import read_query, run

LANGS = ("en", "zh")
HERE = Path(__file__).resolve().parent
INTERNAL_QUERIES = HERE / "sparql"

# The interface's own words, English and Chinese side by side; data labels come from the graph.
WORDS = {
    "home": ("Home", "首页"),
    "timeline": ("Timeline", "时间轴"),
    "sparql": ("SPARQL endpoint", "SPARQL 端点"),
    "language": ("Language", "语言"),
    "graphs": ("Triples per graph", "各命名图的三元组数"),
    "classes": ("Instances per class", "各类的实例数"),
    "queries": ("Saved queries", "预设查询"),
    "run": ("Run", "运行"),
    "rows": ("rows", "行"),
    "labels": ("Labels", "标签"),
    "types": ("Types", "类型"),
    "statements": ("Statements", "陈述"),
    "incoming": ("Links to this entity", "指向该实体的链接"),
    "external": ("Elsewhere", "外部链接"),
    "graph": ("Graph", "命名图"),
    "source": ("Source document", "来源文件"),
    "no_source": ("no source document (reference, link or computed graph)", "无来源文件（参考、链接或计算所得的图）"),
    "property": ("Property", "属性"),
    "value": ("Value", "值"),
    "from": ("From", "来自"),
    "date": ("Date", "日期"),
    "kind": ("Kind", "类别"),
    "item": ("Item", "条目"),
    "deadline": ("Deadline", "期限"),
    "undated": ("Deadlines without a due date", "无截止日期的期限"),
    "error": ("Error", "错误"),
    "truncated": ("Only the first {n} rows are shown.", "仅显示前 {n} 行。"),
    "after": ("after", "起算自"),
    "title": ("Biotechnology policy knowledge graph", "生物技术政策知识图谱"),
    "timeline_intro": (
        "Deadlines (their due dates: stated, or derived = trigger date + duration) and dated events of every "
        "document, on one time axis: a bar runs from the date a deadline counts from to its due date (red "
        "square); a blue dot is an event or a release. Each item links to its page.",
        "各文件的期限（截止日期：来源所述，或推算 = 起算日期 + 期限）和有日期的事件，显示在同一时间轴上："
        "横条从期限的起算日期延伸到截止日期（红色方块）；蓝点表示事件或发布。每个条目链接到其页面。"),
    "endpoint_intro": (
        "Read-only SPARQL 1.1 endpoint (GET or POST, results as JSON, CSV, TSV or XML by Accept header):",
        "只读 SPARQL 1.1 端点（GET 或 POST；按 Accept 头返回 JSON、CSV、TSV 或 XML）："),
}
UI = {lang: {key: words[i] for key, words in WORDS.items()} for i, lang in enumerate(LANGS)}


def environment() -> jinja2.Environment:
    """Templates from kgtool/templates, HTML-escaped unless a template says otherwise."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )


def pick(by_lang: dict[str, str], lang: str) -> str | None:
    """The text in `lang`, else in the other language, else an untagged one."""
    other = [code for code in LANGS if code != lang]
    for code in [lang, *other, ""]:
        if by_lang.get(code):
            return by_lang[code]
    return None


def internal_query(name: str):
    """A query that the pages or docs need, kept as a file beside the code (kgtool/sparql)
    so its parameters are declared and bound exactly like a saved query's."""
    return read_query(INTERNAL_QUERIES / f"{name}.rq")


def all_labels(store: ox.Store) -> dict[str, dict[str, str]]:
    """IRI -> {language: label}, from rdfs:label and skos:prefLabel in every graph. The store
    is read-only while it is served, so this is read once."""
    labels: dict[str, dict[str, str]] = {}
    for row in run(store, internal_query("labels"), {}):
        by_lang = labels.setdefault(row["s"].value, {})
        by_lang.setdefault(row["label"].language or "", row["label"].value)
    return labels

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

from ..query import internal_query, run

LANGS = ("en", "zh")
HERE = Path(__file__).resolve().parent

# The interface's own words, English and Chinese side by side; data labels come from the graph.
WORDS = {
    "home": ("Home", "首页"),
    "timeline": ("Timeline", "时间轴"),
    "sparql": ("SPARQL query editor", "SPARQL 查询编辑器"),
    "language": ("Language", "语言"),
    "search": ("Search", "搜索"),
    "search_hint": ("Name, in English or Chinese", "名称（中文或英文）"),
    "search_hits": ("{n} found for “{text}”, best match first.", "“{text}”：找到 {n} 项，最相关的在前。"),
    "search_none": ("Nothing has that name. Try part of a name, in English or Chinese (e.g. wuxi, 药明).",
                    "没有名称包含该文字的条目。请试试名称的一部分，中文或英文均可（如 wuxi、药明）。"),
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
    "no_source": ("No source document (reference data, links, or computed)", "无来源文件（参考数据、链接或计算所得）"),
    "property": ("Property", "属性"),
    "value": ("Value", "值"),
    "from": ("From", "来自"),
    "date": ("Date", "日期"),
    "kind": ("Kind", "类别"),
    "item": ("Item", "条目"),
    "deadline": ("Deadline", "期限"),
    "undated": ("Deadlines without a due date", "无截止日期的期限"),
    "error": ("Error", "错误"),
    "answer": ("Answer", "答案"),
    "no_query": ("There is no saved query “{name}”. Choose one on the home page.", "没有名为“{name}”的预设查询。请在首页选择一个查询。"),
    "no_format": ("No download as “{fmt}”: choose CSV or JSON.", "不提供“{fmt}”格式的下载：请选择 CSV 或 JSON。"),
    "bad_value": ("“{value}” is not a valid value for “{field}”: write {example}, or choose from the list, and run again.",
                  "“{value}”不是“{field}”的有效值：请填写{example}，或从列表中选择，然后重新运行。"),
    "example_iri": ("a web address such as https://w3id.org/biopolicy/id/jurisdiction/cn", "网址，如 https://w3id.org/biopolicy/id/jurisdiction/cn"),
    "example_literal": ("some text", "一段文字"),
    "example_language": ("en or zh", "en 或 zh"),
    "example_integer": ("a whole number such as 42", "整数，如 42"),
    "example_decimal": ("a number such as 3.5", "数字，如 3.5"),
    "example_date": ("a date such as 2024-01-31", "日期，如 2024-01-31"),
    "give_value": ("Fill in {field} above, then run the query.", "请在上面填写{field}，然后运行查询。"),
    "or": (" or ", "或"),
    "query_refused": ("This query could not be run with these values. Change a value above and run again.",
                      "无法用这些值运行此查询。请修改上面的值后重新运行。"),
    "too_slow": ("The query took longer than {s:g} seconds and was stopped. Choose narrower values above, or try again later.",
                 "查询超过 {s:g} 秒，已停止。请在上面选择范围更小的值，或稍后再试。"),
    "details": ("Details", "详细信息"),
    "download": ("Download", "下载"),
    "open_editor": ("Open in the query editor", "在查询编辑器中打开"),
    "about_queries": ("About the saved queries", "关于预设查询"),
    "help": ("Help", "帮助"),
    "what_sources_state": ("What the sources state", "各来源的陈述"),
    "reference": ("Reference data", "参考数据"),
    "computed": ("Computed by kgtool: class and concept closures, derived dates, the ontology's definitions",
                 "由 kgtool 计算：类与概念的闭包、推算日期、本体中的定义"),
    "as_rdf": ("As RDF", "RDF 格式"),
    "no_page": ("There is no such page. Start from the home page, or search by name above.",
                "没有这个页面。请从首页开始，或在上方按名称搜索。"),
    "no_timeline": ("The timeline needs the saved query deadline-timeline, which this server does not have. "
                    "The documents' pages on the home page show their deadlines.",
                    "时间轴需要预设查询 deadline-timeline，本服务器没有该查询。首页上各文件的页面列有其期限。"),
    "as_stated_by": ("Its tasks as another source states them", "其他来源所述的任务"),
    "stats": ("Graph counts", "图谱统计"),
    "stats_intro": ("What `kgtool stats` prints: triples in each named graph, resources of each class. The same counts, "
                    "with the graphs' vocabularies and downloads, in the dataset description:",
                    "即 `kgtool stats` 的输出：各命名图的三元组数、各类的资源数。数据集描述中也有这些数字，以及所用词汇和下载文件："),
    "documents": ("Documents", "文件"),
    "home_intro": ("US and Chinese biotechnology policy: the documents, what they require of whom and by when, and what "
                   "commentaries say about them. Open a document, search by name above, or run a saved query.",
                   "中美生物技术政策：各文件、其对谁提出了什么要求及期限，以及评论对它们的论述。请打开一份文件、在上方按名称搜索，或运行预设查询。"),
    "due_stated": ("stated", "来源所述"),
    "due_derived": ("derived", "推算"),
    "due_unknown": ("no due date: its trigger has no date", "无截止日期：起算事件无日期"),
    "deadline_text": ("{duration} · due {due} ({kind})", "{duration} · 截止 {due}（{kind}）"),
    "kind_of_document": ("Kind", "类型"),
    "issued": ("Issued", "发布日期"),
    "issuer": ("Issued by", "发布者"),
    "url": ("Web address", "网址"),
    "discussed_by": ("Discussed by", "评论文件"),
    "comments_on": ("Comments on", "所评文件"),
    "version": ("Versions", "版本"),
    "version_of": ("Version of", "所属作品"),
    "in_force_from": ("In force from", "生效日期"),
    "in_force_until": ("In force until", "失效日期"),
    "published": ("Published", "公布日期"),
    "history": ("Dates and status", "日期与状态"),
    "no_history": ("No source in the graph dates this document.", "图谱中没有来源说明此文件的日期。"),
    "effected_by": ("by", "依据"),
    "stated_in": ("stated in", "来源"),
    "contents": ("Provisions, in order", "条款（按顺序）"),
    "deadlines": ("Deadline", "期限"),
    "amounts": ("Amount", "金额"),
    "addressees": ("Addressees", "责任方"),
    "commentaries": ("What commentaries say", "评论所述"),
    "differences": ("Where a commentary and the text differ", "评论与原文的出入"),
    "no_differences": ("No commentary differs from this text on leads, consulted parties, recipients, deadlines or amounts.",
                       "在牵头方、协作方、接收方、期限或金额方面，没有评论与本文不同。"),
    "all_statements": ("Every statement about this document, by graph", "关于此文件的全部陈述（按命名图）"),
    "editor": ("SPARQL query editor", "SPARQL 查询编辑器"),
    "editor_intro": ("Write a SPARQL query and run it (▶) on this server's read-only endpoint, /sparql: the same "
                     "data, time limit and row cap as the pages. The default graph is the union of all graphs.",
                     "编写 SPARQL 查询并在本服务器的只读端点 /sparql 上运行（▶）：数据、时间限制和行数上限均与网页相同。"
                     "默认图为所有命名图的并集。"),
    "which_entity": ("Which entity? Search for it by name in the box above.", "要查看哪个实体？请在上方搜索框中按名称搜索。"),
    "no_entity": ("The graph says nothing about <{iri}>. Search for it by name in the box above.",
                  "图谱中没有关于 <{iri}> 的陈述。请在上方搜索框中按名称搜索。"),
    "no_doc": ("There is no document “{name}” in the documentation. Start from Help above.", "文档中没有“{name}”。请从上方的“帮助”开始。"),
    "yes": ("yes", "是"),
    "no": ("no", "否"),
    "truncated": ("Only the first {n} rows are shown (the limit of this server, as for /sparql).",
                  "仅显示前 {n} 行（本服务器对每次查询的行数上限，与 /sparql 相同）。"),
    "dated_by": ("dated by its {how}", "按{how}定日期"),
    "how_date": ("date", "日期"),
    "how_issued": ("issue date", "发布日期"),
    "event": ("event", "事件"),
    "deadline_note": ("{duration} after {trigger} · due date {kind}", "{trigger}后{duration} · 截止日期{kind}"),
    "moot": ("moot: the order was revoked on", "已无实际意义：命令撤销于"),
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

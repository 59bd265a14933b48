"""kgtool/web/render.py: the interface's words in English and Chinese, labels that fall
back to the other language, dates and durations as people write them, and templates that
escape what they show."""

from __future__ import annotations

import string
from datetime import date

import jinja2
import pytest

from kgtool.web.render import UI, WORDS, all_labels, date_text, duration_text, environment, pick

from conftest import BP


@pytest.mark.parametrize("value, en, zh", [
    ("P180D", "180 days", "180 天"),
    ("P1D", "1 day", "1 天"),
    ("P1Y6M", "1 year 6 months", "1 年 6 个月"),
    ("P2W", "2 weeks", "2 周"),
    ("P0D", "0 days", "0 天"),
])
def test_a_duration_is_written_in_words_in_either_language(value, en, zh):
    assert (duration_text(value, "en"), duration_text(value, "zh")) == (en, zh)


@pytest.mark.parametrize("value", ["P", "PT5H", "P1.5Y", "180 days", ""])
def test_what_is_no_duration_of_days_to_years_is_left_to_show_as_it_is(value):
    assert duration_text(value, "en") is None


def test_a_date_is_written_as_each_language_writes_it():
    assert date_text("2023-03-11", "en") == "11 March 2023"
    assert date_text("2023-03-11", "zh") == "2023年3月11日"
    assert date_text("2023-03-11T09:30:00Z", "zh") == "2023年3月11日"
    assert date_text("sometime in 2023", "en") == "sometime in 2023"


def test_a_label_falls_back_to_the_other_language_then_to_an_untagged_one():
    assert pick({"en": "Executive order", "zh": "行政命令"}, "zh") == "行政命令"
    assert pick({"zh": "行政命令"}, "en") == "行政命令"
    assert pick({"": "EO 14081", "en": ""}, "en") == "EO 14081"
    assert pick({}, "en") is None


def test_every_word_of_the_interface_is_in_both_languages_with_the_same_blanks():
    fields = lambda text: {name for _, name, _, _ in string.Formatter().parse(text) if name}  # noqa: E731
    for key, (en, zh) in WORDS.items():
        assert en.strip() and any("\u4e00" <= c <= "\u9fff" for c in zh), key
        assert fields(en) == fields(zh), key
    assert UI["zh"]["home"] == "首页" and UI["en"]["home"] == "Home"


def test_templates_escape_what_they_show_and_refuse_a_missing_name():
    env = environment()
    assert env.from_string("{{ x }}").render(x='<script>"') == "&lt;script&gt;&#34;"
    assert env.from_string("{{ d | day('zh') }}").render(d=date(2023, 3, 11)) == "2023年3月11日"
    with pytest.raises(jinja2.UndefinedError):
        env.from_string("{{ missing }}").render()


def test_labels_are_read_by_language_from_the_store(mini_store):
    labels = all_labels(mini_store)
    assert labels[BP + "agency/example-agency"] == {"en": "Example Agency", "zh": "示例机构"}


def test_a_line_of_the_words_table_without_both_texts_is_named(tmp_path):
    """words.tsv is edited by translators: a line with one text, or a key given twice, is
    an error naming the file and line, not a page with a blank."""
    from kgtool.web.render import read_words

    table = tmp_path / "words.tsv"
    table.write_text("# key, English, Chinese\nhome\tHome\t首页\nrun\tRun\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"words.tsv:3: "):
        read_words(table)
    table.write_text("home\tHome\t首页\nhome\tStart\t开始\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"words.tsv:2: "):
        read_words(table)
    table.write_text("home\tHome\t首页\n", encoding="utf-8")
    assert read_words(table) == {"home": ("Home", "首页")}

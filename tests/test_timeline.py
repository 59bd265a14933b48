"""kgtool/web/timeline.py: the timeline's layout. Month ticks at a readable step within the
span, dates read from xsd:date and xsd:dateTime, labels cut to their room, rows in date
order on one time axis."""

from __future__ import annotations

from datetime import date

import pytest

from kgtool.query import width
from kgtool.web.timeline import Item, day_of, layout, month_ticks, shorten


@pytest.mark.parametrize("lo, hi, ticks", [
    # six months: every month, from the first first-of-a-month on or after lo
    (date(2023, 1, 15), date(2023, 6, 10), [date(2023, m, 1) for m in range(2, 7)]),
    # two years: 24 months at most 12 ticks, so every other month, from January
    (date(2022, 1, 1), date(2023, 12, 31), [date(y, m, 1) for y in (2022, 2023) for m in range(1, 13, 2)]),
    # ten years: every January
    (date(2020, 3, 1), date(2029, 12, 31), [date(y, 1, 1) for y in range(2021, 2030)]),
])
def test_ticks_fall_on_first_days_at_a_step_that_keeps_them_few(lo, hi, ticks):
    assert month_ticks(lo, hi) == ticks


@pytest.mark.parametrize("lo, hi", [(date(2022, 9, 12), date(2025, 3, 14)), (date(2023, 5, 2), date(2023, 5, 30)),
                                    (date(1999, 12, 31), date(2031, 1, 1))])
def test_ticks_stay_within_the_span_and_under_the_most(lo, hi):
    ticks = month_ticks(lo, hi, most=8)
    assert ticks == sorted(ticks) and all(lo <= t <= hi and t.day == 1 for t in ticks) and len(ticks) <= 8


def test_a_date_is_read_from_a_date_or_a_datetime_and_nothing_else():
    assert day_of("2023-03-11") == day_of("2023-03-11T09:30:00Z") == date(2023, 3, 11)
    assert day_of("2023-02-29") is None and day_of("soon") is None


def test_a_label_is_cut_to_its_room_counting_chinese_characters_twice():
    assert shorten("Assess", 6) == "Assess"
    assert shorten("Assess the sector", 8) == "Assess …"
    assert shorten("评估示例行业", 7) == "评估示…"  # 6 columns and the ellipsis
    assert all(width(shorten("评估示例行业 and more", n)) <= n for n in range(2, 30))


def test_rows_come_in_date_order_on_one_axis_with_a_deadline_as_a_bar_from_its_start():
    items = [Item(date(2023, 3, 31), "due", "/id/measure/a", "deadline", start=date(2022, 9, 12)),
             Item(date(2022, 9, 14), "summit", "/id/event/s", "event"),
             Item(date(2024, 1, 1), "revoked", "/id/event/r", "event")]
    chart = layout(items, width=960, margin=16)
    assert [row.item.label for row in chart.rows] == ["summit", "due", "revoked"]
    assert [row.y for row in chart.rows] == sorted(row.y for row in chart.rows)
    xs = [row.x for row in chart.rows]
    assert 16 < xs[0] < xs[1] < xs[2] < 960 - 16
    [bar] = [row for row in chart.rows if row.x0 is not None]
    assert 16 < bar.x0 < bar.x and bar.x0 < chart.rows[0].x  # the signing is before the summit
    assert chart.rows[2].anchor == "end" and chart.rows[0].anchor == "start"  # the label on the side with more room
    assert all(16 <= x <= 960 - 16 for x, _ in chart.ticks)
    assert chart.height > chart.rows[-1].y

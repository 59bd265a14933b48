"""The timeline page's drawing: dated items on one time axis, laid out as server-side SVG.

Drawn on the server so the page needs no script and no front-end build, and reads the same
in a browser, a screenshot and a test. One row per item, in date order: a deadline is a bar
from the date it counts from to its due date, an event is a dot. Labels go on the side with
more room and are shortened to fit (the full text is in the SVG title)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ..derive import Duration, add_duration, parse_date
from ..query import width as text_units

CHAR_PX = 6.6          # average width of one text unit at the font size the template uses
MONTH_STEPS = (1, 2, 3, 6, 12, 24, 60)
ONE_MONTH = Duration(months=1)


@dataclass
class Item:
    when: date
    label: str
    href: str
    kind: str                  # "deadline", or the kind of event or document
    start: date | None = None  # a deadline's trigger date
    note: str = ""
    moot: bool = False         # a task of a revoked order, not due before the revocation


@dataclass
class Row:
    item: Item
    y: float
    x: float
    x0: float | None
    text: str
    text_x: float
    anchor: str


@dataclass
class Chart:
    width: int
    height: int
    axis_y: float
    ticks: list[tuple[float, str]]
    rows: list[Row]


def day_of(value: str) -> date | None:
    """The day of an xsd:date or xsd:dateTime lexical form, or None: a row without a
    readable date is left off the timeline, not an error."""
    try:
        return parse_date(value[:10])
    except ValueError:
        return None


def month_ticks(lo: date, hi: date, most: int = 12) -> list[date]:
    """First days of months between lo and hi, every 1, 2, 3, 6, 12… months, at most `most`."""
    span = (hi.year - lo.year) * 12 + hi.month - lo.month + 1
    step = next((s for s in MONTH_STEPS if span / s <= most), MONTH_STEPS[-1])
    ticks, day = [], date(lo.year, 1, 1)
    while day <= hi:
        if day >= lo and ((day.year * 12 + day.month - 1) % step == 0):
            ticks.append(day)
        day = add_duration(day, ONE_MONTH)
    return ticks


def shorten(text: str, units: float) -> str:
    """The text cut to at most `units` width units (CJK counts two), with … when cut."""
    if text_units(text) <= units:
        return text
    out = ""
    for char in text:
        if text_units(out + char + "…") > units:
            break
        out += char
    return out + "…"


def layout(items: list[Item], width: int = 960, row_height: int = 26, margin: int = 16) -> Chart:
    """Rows, ticks and coordinates for the items, earliest first."""
    items = sorted(items, key=lambda i: (i.when, i.label))
    dates = [i.when for i in items] + [i.start for i in items if i.start]
    lo, hi = min(dates), max(dates)
    pad = max(15, (hi - lo).days // 20)
    lo, hi = date.fromordinal(lo.toordinal() - pad), date.fromordinal(hi.toordinal() + pad)
    plot = width - 2 * margin

    def x_of(day: date) -> float:
        return round(margin + (day - lo).days / max(1, (hi - lo).days) * plot, 1)

    axis_y = 34
    rows = []
    for n, item in enumerate(items):
        x = x_of(item.when)
        x0 = x_of(item.start) if item.start else None
        right_room = width - margin - (x + 8)
        left_room = (x0 if x0 is not None else x) - 8 - margin
        full = f"{item.when.isoformat()}  {item.label}"
        if right_room >= left_room:
            text, text_x, anchor = shorten(full, right_room / CHAR_PX), x + 8, "start"
        else:
            text, text_x, anchor = shorten(full, left_room / CHAR_PX), (x0 if x0 is not None else x) - 8, "end"
        rows.append(Row(item, axis_y + 22 + n * row_height, x, x0, text, text_x, anchor))
    ticks = [(x_of(d), str(d.year) if d.month == 1 else f"{d.year}-{d.month:02d}") for d in month_ticks(lo, hi)]
    height = int(axis_y + 22 + len(items) * row_height + 10)
    return Chart(width, height, axis_y, ticks, rows)

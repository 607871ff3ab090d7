"""Server-side SVG charts for the admin (no JavaScript, no CDN): pure functions.

``stacked_columns`` draws one column per time slot, its outcomes stacked. Every bar
carries its numbers (``data-outcome``, ``data-slot``, ``data-count``) and a ``<title>``
tooltip, so the chart can be read by people and checked by tests alike.
"""

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

# Outcome colours; anything unnamed is grey.
COLOURS = {
    "success": "#2e7d32",
    "failure": "#c62828",
    "timeout": "#ef6c00",
    "error": "#6a1b9a",
    "blocked": "#455a64",
    "interrupted": "#f9a825",
}
OTHER = "#9e9e9e"
WIDTH, HEIGHT, AXIS = 960, 220, 30


def stacked_columns(
    counts: Mapping[str, Sequence[int]],
    *,
    start: datetime,
    slot: timedelta,
    label: str,
) -> SafeString:
    """An SVG of ``counts[outcome][slot]`` as stacked columns, with hour ticks and a legend."""
    slots = max((len(series) for series in counts.values()), default=0)
    peak = max((sum(column) for column in zip(*counts.values(), strict=True)), default=0)
    plot_height = HEIGHT - AXIS
    column_width = (WIDTH / slots) if slots else WIDTH
    bars = []
    for index in range(slots):
        base = 0
        for outcome, series in counts.items():
            count = series[index]
            if not count:
                continue
            height = plot_height * count / peak
            top = plot_height - (base + height)
            base += height
            moment = timezone.localtime(start + slot * index)
            bars.append((outcome, index, count, f"{column_width * index:.2f}", f"{top:.2f}",
                         f"{max(column_width, 1):.2f}", f"{height:.2f}", _colour(outcome),
                         f"{moment:%H:%M}: {count} {outcome}"))  # fmt: skip
    rects = format_html_join(
        "",
        '<rect class="bar" data-outcome="{}" data-slot="{}" data-count="{}" x="{}" y="{}" '
        'width="{}" height="{}" fill="{}"><title>{}</title></rect>',
        bars,
    )
    ticks = format_html_join(
        "",
        '<line x1="{0}" y1="{1}" x2="{0}" y2="{2}" stroke="#999"/>'
        '<text x="{0}" y="{3}" font-size="11" text-anchor="middle">{4}</text>',
        _hour_ticks(start, slot, slots, column_width, plot_height),
    )
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" class="hub-chart" role="img" '
        'aria-label="{}" viewBox="0 0 {} {}" width="100%" preserveAspectRatio="none">'
        '<line x1="0" y1="{}" x2="{}" y2="{}" stroke="#666"/>{}{}'
        '<text x="4" y="12" font-size="11">peak {} per slot</text></svg>',
        label, WIDTH, HEIGHT, plot_height, WIDTH, plot_height, rects, ticks, peak,
    )  # fmt: skip


def legend(totals: Mapping[str, int]) -> SafeString:
    """The outcomes with their colour and total, e.g. ``success 12``."""
    if not totals:
        return mark_safe("")
    return format_html_join(
        " ",
        '<span class="legend" data-outcome="{0}" data-total="{1}">'
        '<svg width="10" height="10"><rect width="10" height="10" fill="{2}"/></svg> '
        "{0} {1}</span>",
        ((outcome, total, _colour(outcome)) for outcome, total in totals.items()),
    )


def _colour(outcome: str) -> str:
    return COLOURS.get(outcome, OTHER)


def _hour_ticks(start: datetime, slot: timedelta, slots: int, width: float, bottom: float):
    for index in range(slots):
        moment = timezone.localtime(start + slot * index)
        if moment.minute == 0 and moment.hour % 3 == 0:
            x = f"{width * index:.2f}"
            yield x, f"{bottom:.0f}", f"{bottom + 5:.0f}", f"{bottom + 18:.0f}", f"{moment:%H:%M}"

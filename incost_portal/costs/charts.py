"""Spend per day stacked by media source, as SVG geometry computed here and drawn by the template.

Server-side so the page needs no chart library and no CDN, and reads fine without JavaScript.
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from html import escape

from django.utils.safestring import SafeString, mark_safe

WIDTH, HEIGHT = 960, 240
LEFT, RIGHT, BOTTOM, TOP = 64, 28, 24, 8
# Past this many media sources the smallest are drawn together as "other".
MAX_SERIES = 8
# A longer range is drawn from its first to its last day with cost (see spend_chart).
CLAMP_DAYS = 120
ZERO = Decimal(0)
PALETTE = ("#2457d6", "#2f9e57", "#f0a030", "#c0262d", "#7a4fd0", "#1a9ea8", "#b0597a", "#7d8a2a", "#98a2b3")


@dataclass(slots=True)
class Segment:
    y: float
    height: float
    color: str
    title: str


@dataclass(slots=True)
class Bar:
    x: float
    width: float
    day: datetime.date
    total: Decimal
    segments: list[Segment] = field(default_factory=list)


@dataclass(slots=True)
class Tick:
    y: float
    label: str


@dataclass
class SpendChart:
    currency: str
    bars: list[Bar]
    ticks: list[Tick]
    legend: list[tuple[str, str]]
    x_labels: list[tuple[float, str]]
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    plot_bottom: int = HEIGHT - BOTTOM
    plot_right: int = WIDTH - RIGHT
    # The bars as SVG markup, written while the bars are laid out (see `bars_svg`).
    rects: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not any(bar.total for bar in self.bars)

    @property
    def bars_svg(self) -> SafeString:
        """The stacked bars as SVG markup: hundreds of rects, built in Python because a template
        loop over them costs more than the rest of the Costs page. Only the titles hold text
        (escaped, by the stdlib: Django's escape is the same plus a lazy-string check per call);
        the rest are numbers and the palette's colours."""
        return mark_safe("".join(self.rects))  # noqa: S308 (numbers, palette colours and escaped titles only)

    @property
    def ticks_svg(self) -> SafeString:
        """The spend axis: a grid line and its label a tick (labels are numbers; see bars_svg)."""
        left, right, label_x = self.left, self.plot_right, self.left - 6
        return mark_safe(  # noqa: S308 (numbers only)
            "".join(
                f'<line x1="{left}" x2="{right}" y1="{tick.y}" y2="{tick.y}" class="grid-line"/>'
                f'<text x="{label_x}" y="{tick.y}" class="axis" text-anchor="end" dominant-baseline="middle">'
                f"{escape(tick.label)}</text>"
                for tick in self.ticks
            )
        )

    @property
    def x_labels_svg(self) -> SafeString:
        """The date axis's labels (see bars_svg)."""
        y = self.height - 6
        return mark_safe(  # noqa: S308 (numbers and dates only)
            "".join(
                f'<text x="{x}" y="{y}" class="axis" text-anchor="middle">{escape(label)}</text>'
                for x, label in self.x_labels
            )
        )

    @property
    def legend_html(self) -> SafeString:
        """A colour key and the media source's name a series (names escaped; see bars_svg)."""
        return mark_safe(  # noqa: S308 (palette colours and escaped names only)
            "".join(
                f'<svg class="key" viewBox="0 0 1 1" aria-hidden="true"><rect width="1" height="1" '
                f'fill="{color}"/></svg>{escape(source)} '
                for source, color in self.legend
            )
        )


def _nice_ceiling(value: Decimal) -> Decimal:
    """1, 2, 2.5 or 5 times a power of ten, at or above the value: readable axis steps."""
    if value <= 0:
        return Decimal(1)
    exponent = value.adjusted()
    for factor in (1, 2, Decimal("2.5"), 5, 10):
        candidate = Decimal(factor).scaleb(exponent)
        if candidate >= value:
            return candidate
    return Decimal(10).scaleb(exponent)


def _short(amount: Decimal) -> str:
    if amount >= 1_000_000:
        return f"{amount / 1_000_000:.1f}M".replace(".0M", "M")
    if amount >= 1_000:
        return f"{amount / 1_000:.1f}k".replace(".0k", "k")
    return f"{amount:.0f}" if amount == amount.to_integral() else f"{amount:.1f}"


def spend_chart(
    *,
    points: Iterable[tuple[datetime.date, str, Decimal]],
    date_from: datetime.date,
    date_to: datetime.date,
    currency: str,
) -> SpendChart:
    """Bars for the days from `date_from` to `date_to` that have cost, stacked by media source, on
    an axis of every day (a gap shows as a gap). A range longer than CLAMP_DAYS is narrowed to the
    days that have cost: work and memory follow the data, never the range asked for."""
    per_day: dict[datetime.date, dict[str, Decimal]] = {}
    per_source: dict[str, Decimal] = defaultdict(Decimal)
    for day, source, spend in points:
        if not date_from <= day <= date_to:
            continue
        spend = spend or ZERO
        spends = per_day.get(day)
        if spends is None:
            spends = per_day[day] = {}
        spends[source] = spends.get(source, ZERO) + spend
        per_source[source] += spend
    if (date_to - date_from).days >= CLAMP_DAYS:
        if per_day:
            date_from, date_to = min(per_day), max(per_day)
        else:
            date_from = date_to - datetime.timedelta(days=CLAMP_DAYS - 1)
    ranked = sorted(per_source, key=lambda source: (-per_source[source], source))
    shown = ranked if len(ranked) <= MAX_SERIES else ranked[: MAX_SERIES - 1]
    colors = {source: PALETTE[index] for index, source in enumerate(shown)}
    other = "other" if len(shown) < len(ranked) else ""
    days = (date_to - date_from).days + 1
    top = _nice_ceiling(max((sum(v.values(), ZERO) for v in per_day.values()), default=ZERO))
    plot_height = HEIGHT - BOTTOM - TOP
    # Pixels only: floats (a Decimal division a segment cost more than the rest of the chart).
    scale = plot_height / float(top)
    slot = (WIDTH - LEFT - RIGHT) / max(days, 1)
    width = max(slot * 0.8, 0.5)
    # Each title's source and currency, escaped once (they repeat on every bar).
    names = {source: escape(source) for source in (*shown, other)}
    money = escape(currency)
    bars: list[Bar] = []
    rects: list[str] = []
    for day in sorted(per_day):
        x = LEFT + (day - date_from).days * slot + slot * 0.1
        spends = per_day[day]
        bar = Bar(x=x, width=width, day=day, total=ZERO)
        stacked = [(source, spends[source]) for source in shown if spends.get(source)]
        if len(spends) > len(stacked):
            rest = sum((v for s, v in spends.items() if s not in colors), ZERO)
            if rest:
                stacked.append((other, rest))
        base = float(HEIGHT - BOTTOM)
        bar_start = f'<rect x="{x:.2f}" y="'
        bar_width = f'" width="{width:.2f}" height="'
        iso = day.isoformat()
        for source, amount in stacked:
            height = float(amount) * scale
            base -= height
            color = colors.get(source, PALETTE[-1])
            text = f"{amount.normalize():f}"
            title = f"{iso} · {source}: {text} {currency}"
            bar.segments.append(Segment(y=base, height=height, color=color, title=title))
            rects.append(
                f'{bar_start}{base:.2f}{bar_width}{height:.2f}" fill="{color}"><title>{iso} · '
                f"{names[source]}: {text} {money}</title></rect>"
            )
            bar.total += amount
        bars.append(bar)
    ticks = [
        Tick(y=round(HEIGHT - BOTTOM - plot_height * step / 4, 2), label=_short(top * step / 4))
        for step in range(5)
    ]
    every = max(days // 6, 1)
    x_labels = [
        (
            round(LEFT + index * slot + slot / 2, 2),
            (date_from + datetime.timedelta(days=index)).strftime("%b %d"),
        )
        for index in range(0, days, every)
    ]
    legend = [(source, colors[source]) for source in shown]
    if other:
        legend.append((other, PALETTE[-1]))
    return SpendChart(
        currency=currency, bars=bars, ticks=ticks, legend=legend, x_labels=x_labels, rects=rects
    )

import datetime as dt
from decimal import Decimal

from incost_portal.costs.charts import HEIGHT, MAX_SERIES, spend_chart

START = dt.date(2026, 3, 1)


def test_bars_stack_by_media_source_and_empty_days_stay_gaps() -> None:
    points = [
        (START, "a_int", Decimal("30")),
        (START, "b_int", Decimal("10")),
        (START + dt.timedelta(days=2), "a_int", Decimal("20")),
    ]
    chart = spend_chart(points=points, date_from=START, date_to=START + dt.timedelta(days=2), currency="USD")
    # One bar a day with cost; the day without stays a gap on the axis, a slot wide.
    assert [(bar.day, bar.total) for bar in chart.bars] == [(START, 40), (START + dt.timedelta(days=2), 20)]
    first = chart.bars[0]
    assert abs((chart.bars[1].x - first.x) - 2 * (chart.plot_right - chart.left) / 3) < 0.01
    assert [segment.color for segment in first.segments] == [chart.legend[0][1], chart.legend[1][1]]
    # Stacked: the second segment sits on the first, and the top of the scale is a round 50.
    assert first.segments[1].y + first.segments[1].height == first.segments[0].y
    assert chart.ticks[-1].label == "50" and chart.ticks[0].y == HEIGHT - 24
    assert first.segments[0].title == "2026-03-01 · a_int: 30 USD"
    assert not chart.empty


def test_small_media_sources_are_drawn_together_as_other() -> None:
    points = [(START, f"s{n}_int", Decimal(100 - n)) for n in range(MAX_SERIES + 3)]
    chart = spend_chart(points=points, date_from=START, date_to=START, currency="EUR")
    assert len(chart.legend) == MAX_SERIES and chart.legend[-1][0] == "other"
    assert len(chart.bars[0].segments) == MAX_SERIES
    assert chart.bars[0].total == sum(p[2] for p in points)


def test_no_spend_is_an_empty_chart() -> None:
    chart = spend_chart(points=[], date_from=START, date_to=START + dt.timedelta(days=89), currency="USD")
    assert chart.empty and chart.bars == [] and chart.x_labels[0][1] == "Mar 01"


def test_a_range_of_decades_is_drawn_over_the_days_with_cost() -> None:
    points = [(START + dt.timedelta(days=n), "a_int", Decimal(n + 1)) for n in range(10)]
    chart = spend_chart(
        points=points, date_from=dt.date(2000, 1, 1), date_to=dt.date(2027, 12, 31), currency="USD"
    )
    assert [bar.day for bar in chart.bars] == [p[0] for p in points]
    assert chart.x_labels[0][1] == "Mar 01" and len(chart.x_labels) <= 10
    assert chart.bars[0].width > 50  # ten days across the plot, not ten thousand
    nothing = spend_chart(
        points=[], date_from=dt.date(2000, 1, 1), date_to=dt.date(2027, 12, 31), currency="USD"
    )
    assert nothing.empty and len(nothing.x_labels) <= 10


def test_the_bars_are_drawn_as_svg_with_names_escaped() -> None:
    points = [(START, "a_int", Decimal("30")), (START, "<b>&x", Decimal("10"))]
    chart = spend_chart(points=points, date_from=START, date_to=START + dt.timedelta(days=1), currency="USD")
    svg = str(chart.bars_svg)
    assert svg.count("<rect ") == 2 and svg.count("</title></rect>") == 2
    first = chart.bars[0].segments[0]
    assert f'y="{first.y:.2f}"' in svg and f'height="{first.height:.2f}"' in svg
    assert f'fill="{first.color}"' in svg
    assert "&lt;b&gt;&amp;x: 10 USD" in svg and "<b>" not in svg

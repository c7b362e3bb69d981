"""The pure SVG chart builders: escaping, scaling, zeros, many bars, accessibility."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from lms.tracking import charts
from lms.tracking.charts import Bar, Series

SVG = "{http://www.w3.org/2000/svg}"
EVIL = '<script>alert("x")</script> & "Unit" \'A\''


def parse(chart: charts.Chart) -> ET.Element:
    """The SVG must be well-formed XML (it is parsed, so a broken escape fails here)."""
    return ET.fromstring(str(chart.svg))


def rects(root: ET.Element) -> list[ET.Element]:
    return root.findall(f".//{SVG}rect")


def common(**extra):
    return {
        "chart_id": "c1",
        "title": "Completions",
        "description": "Per month",
        "label_heading": "Month",
        "value_heading": "Count",
        **extra,
    }


def months(values):
    return [Bar(f"M{index}", value) for index, value in enumerate(values)]


# --- accessibility and CSP ------------------------------------------------------------------


@pytest.mark.parametrize(
    "build",
    [
        lambda: charts.vertical_bar_chart(months([1, 2, 3]), **common()),
        lambda: charts.horizontal_bar_chart(months([10, 20]), **common()),
        lambda: charts.comparison_chart(
            [Series("P", (Bar("PER", 40), Bar("PAN", 60)))],
            chart_id="c1",
            title="Completions",
            description="Per month",
            label_heading="Administration",
        ),
        lambda: charts.small_multiples(
            [Series("PER", tuple(months([1, 0, 2])))],
            chart_id="c1",
            title="Completions",
            description="Per month",
            label_heading="Administration",
            total_heading="Total",
        ),
    ],
)
def test_every_chart_is_an_image_with_a_title_a_description_and_no_style(build):
    chart = build()
    # Both drawings (wide and phone), each with its own ids: both are in the page.
    for markup, prefix in ((str(chart.svg), "c1"), (str(chart.narrow), "c1-narrow")):
        root = ET.fromstring(markup)
        assert root.get("role") == "img"
        assert root.get("aria-labelledby") == f"{prefix}-title {prefix}-desc"
        assert root.find(f"{SVG}title").text == "Completions"
        assert root.find(f"{SVG}title").get("id") == f"{prefix}-title"
        assert root.find(f"{SVG}desc").text == "Per month"
        assert "style" not in markup  # no style attribute, no <style> element (CSP)
        assert "fill=" not in markup  # colours come from charts.css
        assert "<script" not in markup
    assert chart.table.rows  # the numbers follow the chart


# --- escaping --------------------------------------------------------------------------------


def test_labels_titles_and_values_are_escaped():
    chart = charts.horizontal_bar_chart(
        [Bar(EVIL, 50, text="<b>50</b>")],
        **common(title="T <i>", description='D "&"'),
    )
    markup = str(chart.svg)
    assert "<script>" not in markup and "<b>" not in markup and "<i>" not in markup
    assert "&lt;script&gt;" in markup
    narrow = str(chart.narrow)
    assert "<script>" not in narrow and "<b>" not in narrow and "&lt;script&gt;" in narrow
    ET.fromstring(narrow)
    root = parse(chart)  # still well-formed
    assert root.find(f"{SVG}title").text == "T <i>"
    texts = ["".join(node.itertext()) for node in root.iter(f"{SVG}text")]
    assert any("<b>50</b>" in text for text in texts)
    # The table keeps the raw label: the template escapes it (autoescape).
    assert chart.table.rows[0][0] == EVIL


def test_comparison_and_multiples_escape_group_and_member_labels():
    comparison = charts.comparison_chart(
        [Series(EVIL, (Bar(EVIL, 40),))],
        chart_id="c",
        title="t",
        description="d",
        label_heading="A",
    )
    multiples = charts.small_multiples(
        [Series(EVIL, (Bar(EVIL, 3),))],
        chart_id="c",
        title="t",
        description="d",
        label_heading="A",
        total_heading="T",
    )
    for chart in (comparison, multiples):
        assert "<script>" not in str(chart.svg)
        assert "<script>" not in str(chart.narrow)
        parse(chart)
        ET.fromstring(str(chart.narrow))


def test_long_labels_are_cut_in_the_svg_with_the_full_label_as_tooltip():
    label = "Intendencia de Aduana Marítima del Callao – Terminal Norte Multipropósito"
    root = parse(charts.horizontal_bar_chart([Bar(label, 40)], **common()))
    label_node = next(
        node for node in root.iter(f"{SVG}text") if node.get("class") == "chart-label"
    )
    assert label_node.find(f"{SVG}title").text == label
    assert label_node.text is None or len("".join(label_node.itertext())) > len(label)
    shown = "".join(label_node.itertext()).replace(label, "")
    assert shown.endswith("…") and len(shown) <= charts.LABEL_CHARS


def test_coordinates_never_use_a_decimal_comma():
    from django.utils import translation

    with translation.override("es"):
        markup = str(charts.vertical_bar_chart(months([1, 7, 3]), **common()).svg)
    numbers = re.findall(r'\s(?:x|y|x1|x2|y1|y2|width|height)="([^"]*)"', markup)
    assert numbers and all(re.fullmatch(r"-?\d+(\.\d)?", number) for number in numbers)


# --- scaling ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("maximum", "top", "ticks"),
    [
        (3, 3, [0, 1, 2, 3]),
        (1, 1, [0, 1]),
        (30, 30, [0, 10, 20, 30]),
        (37, 40, [0, 10, 20, 30, 40]),
        (100, 100, [0, 25, 50, 75, 100]),
        (101, 150, [0, 50, 100, 150]),
        (0, 1, [0, 1]),
    ],
)
def test_axis_ends_on_a_round_number(maximum, top, ticks):
    assert charts.axis(maximum) == (top, ticks)


def test_vertical_bars_are_proportional_to_their_values():
    root = parse(charts.vertical_bar_chart(months([10, 20, 40, 0]), **common()))
    heights = [float(rect.get("height")) for rect in rects(root)]
    assert len(heights) == 3  # no bar drawn for zero
    assert heights[1] == pytest.approx(2 * heights[0], abs=0.2)
    assert heights[2] == pytest.approx(4 * heights[0], abs=0.2)
    # bars stand on the same baseline
    bottoms = {round(float(r.get("y")) + float(r.get("height")), 1) for r in rects(root)}
    assert len(bottoms) == 1


def test_percentage_bars_use_a_fixed_0_to_100_scale_and_clamp():
    root = parse(charts.horizontal_bar_chart(months([50, 100, 150, -5]), **common()))
    widths = [float(rect.get("width")) for rect in rects(root)]
    assert len(widths) == 3  # the negative value draws nothing
    assert widths[1] == pytest.approx(2 * widths[0], abs=0.2)
    assert widths[2] == widths[1]  # 150 % is drawn as 100 %
    ticks = [n.text for n in root.iter(f"{SVG}text") if n.get("class") == "chart-tick"]
    assert ticks == ["0 %", "25 %", "50 %", "75 %", "100 %"]


def test_values_are_written_as_the_caller_formats_them():
    chart = charts.horizontal_bar_chart([Bar("A", 33.3, "33,3 %")], **common())
    assert "33,3 %" in str(chart.svg)
    assert chart.table.rows == (("A", "33,3 %"),)


# --- zeros, empty, many ------------------------------------------------------------------------


@pytest.mark.parametrize("values", [[], [0, 0, 0]])
def test_nothing_to_draw_gives_no_svg(values):
    for chart in (
        charts.vertical_bar_chart(months(values), **common()),
        charts.horizontal_bar_chart(months(values), **common()),
    ):
        assert chart.empty
        assert str(chart.svg) == ""
        assert len(chart.table.rows) == len(values)
    assert charts.comparison_chart(
        [Series("P", tuple(months(values)))],
        chart_id="c",
        title="t",
        description="d",
        label_heading="A",
    ).empty
    assert charts.small_multiples(
        [], chart_id="c", title="t", description="d", label_heading="A", total_heading="T"
    ).empty


def test_many_bars_each_get_a_row_and_the_chart_grows():
    few = parse(charts.horizontal_bar_chart(months(range(1, 4)), **common()))
    many = parse(charts.horizontal_bar_chart(months(range(1, 61)), **common()))
    assert len(rects(many)) == 60
    height = float(many.get("viewBox").split()[3])
    assert height > float(few.get("viewBox").split()[3]) * 10
    ys = [float(rect.get("y")) for rect in rects(many)]
    assert ys == sorted(ys) and len(set(ys)) == 60  # no two bars overlap


def test_lowest_picks_the_lowest_values_lowest_first():
    bars = [Bar(f"U{index:02}", value) for index, value in enumerate([50, 10, 90, 10, 0, 70])]
    assert [bar.label for bar in charts.lowest(bars, 3)] == ["U04", "U01", "U03"]


def test_a_custom_table_replaces_the_default_one():
    table = charts.Table("All", ("Unit", "Officers", "Coverage"), (("A", "3", "10 %"),), "All (1)")
    chart = charts.horizontal_bar_chart([Bar("A", 10)], table=table, **common())
    assert chart.table is table


def test_comparison_sorts_each_group_highest_first_and_marks_the_median():
    chart = charts.comparison_chart(
        [
            Series("Alpha", (Bar("PAN", 20), Bar("PER", 80), Bar("BES", 50))),
            Series("Beta", (Bar("PAN", 10), Bar("PER", 0), Bar("BES", 30))),
        ],
        chart_id="c",
        title="t",
        description="d",
        label_heading="Administration",
    )
    root = parse(chart)
    labels = [
        "".join(node.itertext())
        for node in root.iter(f"{SVG}text")
        if node.get("class") == "chart-label"
    ]
    assert labels == ["PER", "BES", "PAN", "BES", "PAN", "PER"]
    medians = root.findall(f".//{SVG}line[@class='chart-median']")
    assert len(medians) == 2
    assert "50 %" in "".join(medians[0].itertext())
    assert chart.table.head == ("Administration", "Alpha", "Beta")
    assert chart.table.rows == (("BES", "50", "30"), ("PAN", "20", "10"), ("PER", "80", "0"))


def test_small_multiples_share_one_scale():
    chart = charts.small_multiples(
        [Series("PER", tuple(months([10, 0]))), Series("PAN", tuple(months([5, 20])))],
        chart_id="c",
        title="t",
        description="d",
        label_heading="Administration",
        total_heading="Total",
    )
    heights = [float(rect.get("height")) for rect in rects(parse(chart))]
    assert len(heights) == 3  # 10, 5 and 20 (no bar for zero)
    assert heights[0] == pytest.approx(2 * heights[1], abs=0.2)  # across panels
    assert heights[2] == pytest.approx(4 * heights[1], abs=0.2)
    assert chart.table.rows == (("PER", "10", "0", "10"), ("PAN", "5", "20", "25"))


def test_median():
    assert charts.median([]) is None
    assert charts.median([3, 1, 2]) == 2
    assert charts.median([1, 2, 3, 4]) == 2.5


def test_month_labels_break_onto_two_lines_under_narrow_bars():
    chart = charts.vertical_bar_chart(
        [Bar("Dec 2025", 1), Bar("Jan & <2026>", 2), Bar("Single", 0)], **common()
    )
    labels = [n for n in parse(chart).iter(f"{SVG}text") if n.get("class") == "chart-label"]
    assert [[t.text for t in n.findall(f"{SVG}tspan")] for n in labels] == [
        ["Dec", "2025"],
        ["Jan &", "<2026>"],
        [],
    ]
    assert labels[2].text == "Single"  # a label without a space stays on one line


# --- the phone's drawing ----------------------------------------------------------------------


def across(root: ET.Element) -> list[str]:
    """Every across coordinate and width of the drawing (x, x1, x2, width)."""
    return [
        node.get(name)
        for node in root.iter()
        for name in ("x", "x1", "x2", "width")
        if node.get(name) is not None
    ]


@pytest.mark.parametrize(
    "build",
    [
        lambda: charts.vertical_bar_chart(months(range(12)), **common()),
        lambda: charts.horizontal_bar_chart(months([10, 20, 100]), **common()),
        lambda: charts.comparison_chart(
            [Series("P", (Bar("PER", 40), Bar("PAN", 60)))],
            chart_id="c1",
            title="t",
            description="d",
            label_heading="A",
        ),
        lambda: charts.small_multiples(
            [Series(f"A{n}", tuple(months([1, 0, 2]))) for n in range(3)],
            chart_id="c1",
            title="t",
            description="d",
            label_heading="A",
            total_heading="T",
        ),
    ],
)
def test_the_phone_drawing_is_laid_out_in_percentages_and_never_scaled(build):
    """No viewBox (a unit is a CSS pixel: labels keep their CSS size); everything across
    is a percentage of the container, within 0-100 %; a fixed height in pixels."""
    root = ET.fromstring(str(build().narrow))
    assert root.get("viewBox") is None
    assert root.get("width") == "100%"
    assert float(root.get("height")) > 0
    assert "chart-narrow" in root.get("class")
    values = across(root)
    assert values
    for value in values:
        assert value.endswith("%") or value == "0", value
        assert 0 <= float(value.rstrip("%")) <= 100, value


def test_the_phone_drawing_labels_every_second_month_the_newest_always():
    chart = charts.vertical_bar_chart([Bar(f"M{n} 2026", n + 1) for n in range(12)], **common())
    root = ET.fromstring(str(chart.narrow))
    labels = [
        node.find(f"{SVG}title").text
        for node in root.iter(f"{SVG}text")
        if node.get("class") == "chart-label"
    ]
    assert labels == [f"M{n} 2026" for n in range(1, 12, 2)]
    # ...on two lines, month over year.
    label = next(n for n in root.iter(f"{SVG}text") if n.get("class") == "chart-label")
    assert [t.text for t in label.iter(f"{SVG}tspan")] == ["M1", "2026"]


def test_the_phone_drawing_puts_labels_above_horizontal_bars():
    chart = charts.horizontal_bar_chart([Bar("Callao", 25, "25 %")], **common())
    root = ET.fromstring(str(chart.narrow))
    label = next(n for n in root.iter(f"{SVG}text") if n.get("class") == "chart-label")
    value = next(n for n in root.iter(f"{SVG}text") if n.get("class") == "chart-value")
    bar = next(n for n in root.iter(f"{SVG}rect") if n.get("class") == "chart-bar")
    assert label.text == "Callao" and label.get("x") == "0%"
    assert value.text == "25 %" and value.get("text-anchor") == "end"
    assert float(label.get("y")) < float(bar.get("y"))  # the label is above its bar
    assert bar.get("x") == "0" and bar.get("width") == "25%"  # the whole width is 100 %


def test_nothing_to_draw_gives_no_phone_drawing_either():
    chart = charts.horizontal_bar_chart(months([0, 0]), **common())
    assert chart.empty and str(chart.narrow) == ""

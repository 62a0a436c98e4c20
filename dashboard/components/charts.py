"""The one chart style of the product (Plotly, as a plain dict figure — cheaper than `go.Figure`).

    bar_chart(["Nairobi", "Rift"], [("Sell-in", [sell_in...]), ("Sell-through", [through...])])
    trend_figure(["2026-11-20", "2026-11-21"], [("Nakuru Factory", [good...])], money=False)   # lines over days
    bar_figure(categories, series, stacked=True)                                           # e.g. ageing buckets

- Names, not codes, on the category axis; categories listed top to bottom in the order given (horizontal bars keep
  long names readable on a phone).
- Money axes read `KES 1.2M`; hovering a bar shows the exact figure as the business writes it (`KES 12,345.00`),
  formatted here from the Decimal, so the chart never shows a rounded float as a figure.
- The brand's colours, the page's font, a transparent background (light and dark mode), the legend on top, no
  mode bar, responsive width and a height that grows with the number of categories.
Decimals become floats only as bar lengths, never as text.

A page that shows the same figure to many viewers (the live dashboard) serialises it once (`serialised(figure)`) and
hands the JSON to `Plot`: NiceGUI then neither wraps the figure's dicts and lists in observables for each viewer nor
walks them again to send them, and every viewer holds the same bytes.
"""

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import orjson
from nicegui import ui

from domain.config import get_settings
from domain.formatting import format_money, format_quantity

COLOURS = ["#8a4b12", "#d8a25e", "#2f6f4e", "#5b7fa6", "#9c6fb0", "#c53030"]  # crust brown first, as the header
_ROW_PX, _MIN_PX, _EXTRA_PX = 22, 180, 70


def chart_layout(*, money: bool, categories: int = 0, series: int = 1) -> dict[str, Any]:
    """The layout every chart uses (money: a currency value axis)."""
    height = max(_MIN_PX, _EXTRA_PX + categories * max(series, 1) * _ROW_PX)
    return {
        "height": height,
        "autosize": True,
        "margin": {"l": 8, "r": 16, "t": 8, "b": 8, "pad": 4},
        "font": {"family": "Roboto, -apple-system, Helvetica Neue, Arial, sans-serif", "size": 13, "color": "#616161"},
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
        "colorway": COLOURS,
        "separators": ".,",
        "barmode": "group",
        "bargap": 0.25,
        "legend": {"orientation": "h", "x": 0, "xanchor": "left", "y": 1.0, "yanchor": "bottom"},
        "hoverlabel": {"font": {"size": 13}},
        "xaxis": {"tickprefix": f"{get_settings().currency} " if money else "", "tickformat": "~s",
                  "gridcolor": "rgba(128,128,128,0.2)", "zeroline": False, "automargin": True, "fixedrange": True},
        "yaxis": {"autorange": "reversed", "automargin": True, "fixedrange": True},
    }


def bar_figure(categories: Sequence[str], series: Sequence[tuple[str, Sequence[Decimal]]], *,
               money: bool = True, stacked: bool = False) -> dict[str, Any]:
    """Grouped (or stacked) horizontal bars: one bar per series (name, values) for each category, exact figures on
    hover."""
    shown = format_money if money else format_quantity
    data = [{
        "type": "bar", "orientation": "h", "name": name, "y": list(categories),
        "x": [float(value) for value in values],
        "customdata": [shown(value) for value in values],
        "hovertemplate": "%{y} · " + name + ": %{customdata}<extra></extra>",
    } for name, values in series]
    layout = chart_layout(money=money, categories=len(categories), series=1 if stacked else len(series))
    if stacked:
        layout["barmode"] = "stack"
    return {"data": data, "layout": layout, "config": {"displayModeBar": False, "responsive": True}}


def trend_figure(days: Sequence[str], series: Sequence[tuple[str, Sequence[Decimal]]], *,
                 money: bool = True) -> dict[str, Any]:
    """One line per series over ISO dates (the business's date on hover, exact figures), in the same style."""
    shown = format_money if money else format_quantity
    data = [{
        "type": "scatter", "mode": "lines+markers" if len(days) <= 31 else "lines", "name": name, "x": list(days),
        "y": [float(value) for value in values], "customdata": [shown(value) for value in values],
        "line": {"width": 2}, "marker": {"size": 5},
        "hovertemplate": "%{x|%-d %b %Y} · " + name + ": %{customdata}<extra></extra>",
    } for name, values in series]
    layout = chart_layout(money=money)
    layout["height"] = 260
    layout["hovermode"] = "closest"
    value_axis = layout.pop("xaxis") | {"rangemode": "tozero"}
    layout["xaxis"] = {"type": "date", "tickformat": "%-d %b", "gridcolor": "rgba(128,128,128,0.2)",
                       "automargin": True, "fixedrange": True}
    layout["yaxis"] = value_axis
    return {"data": data, "layout": layout, "config": {"displayModeBar": False, "responsive": True}}


def bar_chart(categories: Sequence[str], series: Sequence[tuple[str, Sequence[Decimal]]], *,
              money: bool = True) -> ui.plotly:
    """The chart element, full width; `.update_figure(bar_figure(...))` redraws it with new figures."""
    return ui.plotly(bar_figure(categories, series, money=money)).classes("w-full")


def serialised(figure: dict[str, Any]) -> orjson.Fragment:
    """The figure as JSON, made once and shared by every `Plot` that shows it."""
    return orjson.Fragment(orjson.dumps(figure))


class Plot(ui.plotly):
    """`ui.plotly` that also takes a `serialised` figure (sent as it is; `update_figure` takes one too)."""

    def _get_figure_json(self) -> Any:
        if isinstance(self.figure, orjson.Fragment):
            return self.figure
        return super()._get_figure_json()

"""Vega-Lite specifications of the pages' charts, built from small frames (the browser draws them).

Three kinds: the selected series over time (line or bar, with a confidence band where the data
have bounds), a horizontal bar chart comparing areas, and a horizontal bar chart of an offence
profile. Colours are the Tableau 10 palette, readable in print.
"""

from __future__ import annotations

import math

import pandas as pd

#: shared look: system fonts, readable sizes, no border
CONFIG = {
    "font": "system-ui, -apple-system, 'Segoe UI', 'Noto Sans KR', sans-serif",
    "view": {"stroke": None},
    "axis": {"labelFontSize": 12, "titleFontSize": 12, "titleFontWeight": "normal", "gridColor": "#e6e6e6"},
    "legend": {"labelFontSize": 12, "titleFontSize": 12, "orient": "bottom", "labelLimit": 420, "columns": 2},
    "range": {"category": {"scheme": "tableau10"}},
}


def _records(frame: pd.DataFrame) -> list[dict]:
    """Rows as JSON-ready dicts (NaN -> null); the frames are small (one chart's points)."""
    cols = list(frame.columns)
    return [{c: (None if isinstance(v, float) and math.isnan(v) else v) for c, v in zip(cols, row, strict=True)}
            for row in frame.itertuples(index=False, name=None)]


def series_chart(data: pd.DataFrame, *, kind: str, unit: str, bands: bool, height: int = 340) -> dict:
    """Series over time: ``data`` has ``series``, ``time``, ``value`` and, with ``bands``, ``lower``/``upper``."""
    x = {"field": "time", "type": "ordinal", "title": None, "axis": {"labelAngle": 0, "labelOverlap": "greedy"}}
    y = {"field": "value", "type": "quantitative", "title": unit}
    color: dict = {"field": "series", "type": "nominal", "title": None}
    if data["series"].nunique() <= 1:
        color["legend"] = None  # one series: its name is the chart's heading
    tooltip = [{"field": "series", "title": "Series"}, {"field": "time", "title": "Period"},
               {"field": "value", "title": unit, "format": ",.4~r"}]
    layers: list[dict] = []
    if bands:
        tooltip += [{"field": "lower", "title": "Lower bound", "format": ",.4~r"},
                    {"field": "upper", "title": "Upper bound", "format": ",.4~r"}]
        layers.append({"mark": {"type": "area", "opacity": 0.2}, "transform": [{"filter": "isValid(datum.lower)"}],
                       "encoding": {"x": x, "y": {"field": "lower", "type": "quantitative", "title": unit},
                                    "y2": {"field": "upper"}, "color": color},
                       "name": "bounds"})
    if kind == "bar":
        layers.append({"mark": {"type": "bar", "tooltip": True},
                       "encoding": {"x": x, "xOffset": {"field": "series"}, "y": y, "color": color,
                                    "tooltip": tooltip}, "name": "bars"})
    else:
        layers.append({"mark": {"type": "line", "point": {"size": 45, "filled": True}, "strokeWidth": 2},
                       "encoding": {"x": x, "y": y, "color": color, "tooltip": tooltip}, "name": "lines"})
    return {"width": "container", "height": height, "data": {"values": _records(data)}, "layer": layers,
            "config": CONFIG}


def bars(data: pd.DataFrame, *, unit: str, highlight: str | None = None, height_per_bar: int = 22) -> dict:
    """Horizontal bars: ``data`` has ``label`` and ``value`` (and ``note`` for the tooltip); ``highlight``
    is the label drawn in the accent colour (the country among its region)."""
    color: dict = {"value": "#4e79a7"}
    if highlight is not None:
        color = {"condition": {"test": f"datum.label === {_js(highlight)}", "value": "#e15759"}, "value": "#9db4cc"}
    tooltip = [{"field": "label", "title": "Area"}, {"field": "value", "title": unit, "format": ",.4~r"}]
    if "note" in data.columns:
        tooltip.append({"field": "note", "title": "Period"})
    return {"width": "container", "height": max(60, height_per_bar * len(data)), "data": {"values": _records(data)},
            "mark": {"type": "bar", "tooltip": True},
            "encoding": {"y": {"field": "label", "type": "nominal", "sort": None, "title": None,
                               "axis": {"labelLimit": 360}},
                         "x": {"field": "value", "type": "quantitative", "title": unit},
                         "color": color, "tooltip": tooltip},
            "config": CONFIG}


def _js(text: str) -> str:
    """A JavaScript string literal for a Vega expression."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"

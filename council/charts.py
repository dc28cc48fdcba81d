"""Charts drawn on the server as inline SVG, so a reader can look rather than read.

This module only does the geometry; the template `council/_bars.svg.html` draws it, so every label
passes through Django's autoescaping. No script, no external asset: the page works anywhere.
"""

from __future__ import annotations

from dataclasses import dataclass

LABEL_WIDTH = 260
BAR_AREA = 320
ROW_HEIGHT = 28
BAR_HEIGHT = 18
TOP = 8


@dataclass(frozen=True)
class Bar:
    label: str
    text: str
    y: int
    width: float
    text_x: float
    missing: bool


@dataclass(frozen=True)
class BarChart:
    """Horizontal bars on a 0-100 % scale, one per row."""

    title: str
    description: str
    bars: list[Bar]
    width: int
    height: int
    label_width: int = LABEL_WIDTH
    bar_area: int = BAR_AREA
    bar_height: int = BAR_HEIGHT

    @property
    def ticks(self) -> list[tuple[float, str]]:
        return [(self.label_width + self.bar_area * share, f"{int(share * 100)} %") for share in (0, 0.5, 1)]

    @property
    def axis_y(self) -> int:
        return self.height - 14


def percent_bars(
    title: str, rows: list[tuple[str, float | None]], *, missing_text: str = "no data"
) -> BarChart:
    """`rows`: (label, share from 0 to 1, or None when there is nothing to show)."""
    bars = []
    for index, (label, value) in enumerate(rows):
        share = min(max(value, 0.0), 1.0) if value is not None else 0.0
        width = round(BAR_AREA * share, 1)
        bars.append(
            Bar(
                label=label if len(label) <= 38 else label[:37] + "…",
                text=f"{share * 100:.1f} %" if value is not None else missing_text,
                y=TOP + index * ROW_HEIGHT,
                width=width,
                text_x=LABEL_WIDTH + width + 6,
                missing=value is None,
            )
        )
    summary = "; ".join(f"{label}: {bar.text}" for (label, _), bar in zip(rows, bars, strict=True))
    return BarChart(
        title=title,
        description=f"{title}. {summary}." if rows else f"{title}: nothing to show.",
        bars=bars,
        width=LABEL_WIDTH + BAR_AREA + 80,
        height=TOP + max(len(rows), 1) * ROW_HEIGHT + 24,
    )


def on_time_chart(metrics: dict) -> BarChart:
    rows = [
        (row["authority"]["name"], row["on_time_share"])
        for row in metrics.get("applications", {}).get("by_authority", [])
    ]
    return percent_bars("Applications decided on time, by authority", rows, missing_text="no deadline")


def goals_chart(metrics: dict) -> BarChart:
    rows = [
        (goal["title"], goal["progress_percent"] / 100 if goal["progress_percent"] is not None else None)
        for goal in metrics.get("goals", [])
    ]
    return percent_bars("Progress towards the council's goals", rows)

"""The report's figures, drawn with matplotlib and embedded as inline SVG.

SVG keeps the figures sharp at any zoom and small (text stays text:
``svg.fonttype = none``); no date or random ids are written, so the same
counts give the same bytes.  Each function takes plain counts, not tables, so
it draws the same thing whatever the size of the output folder.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping, Sequence

import matplotlib

matplotlib.use("Agg")  # no display: figures are only ever written to SVG
import matplotlib.pyplot as plt

#: The palette of the report: entity labels and relation types keep one colour everywhere.
COLORS = {
    "CHEMICAL": "#4e9ec7",
    "DISEASE": "#d9825b",
    "drug_adverse_event": "#d1495b",
    "drug_treats_disease": "#2e9e6b",
    "disease_manifestation": "#8c6bb1",
}
_STYLE = {
    "svg.fonttype": "none",
    "svg.hashsalt": "biomed-extract",
    "font.size": 9,
    "font.family": "sans-serif",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 10,
    "axes.titleweight": "bold",
}
FIGSIZE = (4.2, 2.6)


def _svg(fig) -> str:
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    plt.close(fig)
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg") :]  # drop the XML declaration and doctype: the SVG sits inside HTML
    return re.sub(r"\s*<metadata>.*?</metadata>", "", svg, count=1, flags=re.S)


def _empty(ax, message: str) -> None:
    ax.text(0.5, 0.5, message, ha="center", va="center", transform=ax.transAxes, color="#777")
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)


def entities_by_label(counts: Mapping[str, int]) -> str:
    """Horizontal bars: entity mentions per label (negated ones shown as a lighter part of the bar)."""
    with plt.rc_context(_STYLE):
        fig, ax = plt.subplots(figsize=FIGSIZE, layout="constrained")
        ax.set_title("Entities by label")
        if not counts:
            _empty(ax, "no entities")
        else:
            labels = list(counts)
            values = [counts[label] for label in labels]
            bars = ax.barh(labels, values, color=[COLORS.get(label, "#999") for label in labels])
            ax.bar_label(bars, labels=[f"{v:,}" for v in values], padding=3)
            ax.invert_yaxis()
            ax.set_xlabel("mentions")
            ax.margins(x=0.18)
        return _svg(fig)


def relations_by_type_and_score(scores: Mapping[str, Sequence[float]]) -> str:
    """Stacked histogram of relation scores, one colour per relation type."""
    with plt.rc_context(_STYLE):
        fig, ax = plt.subplots(figsize=FIGSIZE, layout="constrained")
        ax.set_title("Relations by type and score")
        kinds = [k for k in scores if len(scores[k])]
        if not kinds:
            _empty(ax, "no relations")
        else:
            ax.hist(
                [list(scores[k]) for k in kinds],
                bins=[i / 20 for i in range(21)],
                stacked=True,
                color=[COLORS.get(k, "#999") for k in kinds],
                label=[f"{k.replace('_', ' ')} ({len(scores[k]):,})" for k in kinds],
            )
            ax.set_xlim(0, 1)
            ax.set_xlabel("score")
            ax.set_ylabel("relations")
            ax.legend(frameon=False, fontsize=7, loc="upper left")
        return _svg(fig)


def documents_by_year(counts: Mapping[int | None, int]) -> str:
    """Bars: documents per publication year; documents without a year are counted in the title."""
    with plt.rc_context(_STYLE):
        fig, ax = plt.subplots(figsize=FIGSIZE, layout="constrained")
        unknown = counts.get(None, 0)
        years = sorted(y for y in counts if y is not None)
        ax.set_title("Documents by year" + (f" ({unknown:,} without a year)" if unknown else ""))
        if not years:
            _empty(ax, "no publication years")
        else:
            if years[-1] - years[0] < 25:  # a bar per year of the range, empty years included
                ax.bar(years, [counts[y] for y in years], color="#5b7db1", width=0.8)
                ax.xaxis.get_major_locator().set_params(integer=True)
            else:  # a long range: one bar per year found, evenly spaced and labelled
                ax.bar([str(y) for y in years], [counts[y] for y in years], color="#5b7db1", width=0.8)
                step = max(1, len(years) // 12)
                ax.set_xticks(range(0, len(years), step), [str(y) for y in years[::step]], rotation=45)
            ax.set_xlabel("publication year")
            ax.set_ylabel("documents")
            ax.yaxis.get_major_locator().set_params(integer=True)
        return _svg(fig)

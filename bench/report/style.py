"""The one figure style of every report (paper, pipeline, science): a colour per method, 8 pt text, sizes that fit
a two-column paper (7 in full width, 3.4 in one column), the rcParams to draw under (`styled`), and figures saved as
PNG and PDF whose bytes depend only on what is drawn. No other module sets rcParams or calls savefig."""

from __future__ import annotations

import io
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import matplotlib
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from sr_train.artifacts.files import atomic_write_bytes

PALETTE: dict[str, str] = {
    "dpo": "#1f77b4", "ipo": "#2ca02c", "sr-dpo": "#d62728", "sr-ipo": "#ff7f0e",
    "hinge": "#9467bd", "robust": "#8c564b", "cdpo": "#e377c2", "simpo": "#17becf", "odpo": "#bcbd22",
    "sft": "#7f7f7f", "base": "#222222",
}
_EXTRA_COLOURS = ("#393b79", "#637939", "#8c6d31", "#843c39", "#7b4173", "#3182bd", "#e6550d", "#31a354")
STYLE = {
    "font.size": 8, "axes.titlesize": 8.5, "axes.labelsize": 8, "xtick.labelsize": 7, "ytick.labelsize": 7,
    "legend.fontsize": 7, "lines.linewidth": 1.4, "lines.markersize": 4, "axes.grid": True, "grid.alpha": 0.3,
    "pdf.fonttype": 42, "svg.hashsalt": "sr-align",
}
FULL_WIDTH, COLUMN_WIDTH = 7.0, 3.4
HALF_WIDTH = FULL_WIDTH / 2
ROW_HEIGHT = 2.4
"""The height of a figure with one row of panels."""
DPI = 200
REFERENCE_LINE = {"color": "#888888", "linewidth": 0.8, "linestyle": ":"}
"""A line that marks a reference value (50 % win rate, strength 0), not a series."""


def colour(method: str | None) -> str:
    """The method's colour; unknown methods get a stable colour from their name."""
    m = method or "?"
    return PALETTE.get(m) or _EXTRA_COLOURS[zlib.crc32(m.encode()) % len(_EXTRA_COLOURS)]


@contextmanager
def styled() -> Iterator[None]:
    """Draw under the style's rcParams (text sizes, line widths, grid): wrap the calls that add artists."""
    with matplotlib.rc_context(STYLE):
        yield


def new_figure(width: float, height: float) -> Figure:
    """An empty figure of `width` x `height` inches (constrained layout) on an Agg canvas."""
    with styled():
        fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def new_axes(width: float, height: float = ROW_HEIGHT) -> tuple[Figure, Axes]:
    """A figure with one panel, and the panel."""
    fig = new_figure(width, height)
    return fig, fig.subplots()


def save_figure(fig: Figure, out_dir: str | Path, name: str) -> list[Path]:
    """Write <name>.png (DPI dots per inch) and <name>.pdf (no creation date: same bytes on re-runs)."""
    paths = []
    for fmt, kwargs in (("png", {"dpi": DPI, "metadata": {"Software": None}}),
                        ("pdf", {"metadata": {"CreationDate": None, "Producer": None}})):
        buf = io.BytesIO()
        with styled():
            fig.savefig(buf, format=fmt, **kwargs)
        path = Path(out_dir) / f"{name}.{fmt}"
        atomic_write_bytes(path, buf.getvalue())
        paths.append(path)
    return paths

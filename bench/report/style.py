"""One look for every figure: a colour per method, 8 pt text, sizes that fit a two-column paper (7 in full width,
3.4 in one column), and figures saved as PNG and PDF whose bytes depend only on what is drawn."""

from __future__ import annotations

import io
import zlib
from pathlib import Path

import matplotlib
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
DPI = 200


def colour(method: str | None) -> str:
    """The method's colour; unknown methods get a stable colour from their name."""
    m = method or "?"
    return PALETTE.get(m) or _EXTRA_COLOURS[zlib.crc32(m.encode()) % len(_EXTRA_COLOURS)]


def new_figure(width: float, height: float) -> Figure:
    with matplotlib.rc_context(STYLE):
        fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def save_figure(fig: Figure, out_dir: str | Path, name: str) -> list[Path]:
    """Write <name>.png (DPI dots per inch) and <name>.pdf (no creation date: same bytes on re-runs)."""
    paths = []
    for fmt, kwargs in (("png", {"dpi": DPI, "metadata": {"Software": None}}),
                        ("pdf", {"metadata": {"CreationDate": None, "Producer": None}})):
        buf = io.BytesIO()
        with matplotlib.rc_context(STYLE):
            fig.savefig(buf, format=fmt, **kwargs)
        path = Path(out_dir) / f"{name}.{fmt}"
        atomic_write_bytes(path, buf.getvalue())
        paths.append(path)
    return paths

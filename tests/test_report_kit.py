"""The report kit (bench/report/fmt.py, bench/report/style.py): the strings the paper, pipeline and science reports
print, and one owner of the figure style (no other module sets rcParams or saves a figure)."""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib
import pytest

from bench.report import fmt
from bench.report.style import STYLE, new_figure, save_figure, styled
from bench.science.render import claim_ci, claim_number

ROOT = Path(__file__).resolve().parents[1]


def test_numbers_and_percentages():
    assert fmt.pct(0.4567) == "45.7" and fmt.pct(0.4567, 0) == "46" and fmt.pct(0.99166, 2) == "99.17"
    assert fmt.pct(0.05, signed=True) == "+5.0" and fmt.pct(-0.017, signed=True) == "-1.7"
    assert fmt.pct(None) == "–" and fmt.number(None) == "–" and fmt.number(None, missing=fmt.EM_DASH) == "—"
    assert fmt.number(0.5, 4, signed=True) == "+0.5000" and fmt.number(-0.0625, 4, signed=True) == "-0.0625"
    assert fmt.number(63.186) == "63.19" and fmt.number(1234.5, 0) == "1234"
    assert fmt.plus_minus(63.19, 0.15) == "63.19±0.15" and fmt.plus_minus(20.8, None, 1) == "20.8"


def test_intervals_in_the_units_the_reports_print():
    assert fmt.ci(0.1, 0.2) == "[10.0, 20.0]" and fmt.ci(None, 0.2) == "[–, 20.0]"  # a record without its low bound
    assert fmt.ci(-0.5, 0.25, lambda v: fmt.number(v, 2, signed=True)) == "[-0.50, +0.25]"  # BT strengths
    assert claim_number("C1", 0.12) == "+12.0 pp" and claim_number("C1", 0.049, signed=False) == "4.9 pp"
    assert claim_number("C4", 0.0123) == "+0.012"  # correlation differences stay raw
    assert claim_ci("C1", -0.017333, 0.013333) == "[-1.7 pp, +1.3 pp]"


def test_markdown_tables_and_documents():
    assert fmt.md_table(["model", "win %", "95 % CI"], [["dpo", "45.0", "[40.0, 50.0]"]], "lrl") == [
        "| model | win % | 95 % CI |", "| --- | ---: | --- |", "| dpo | 45.0 | [40.0, 50.0] |"]
    assert fmt.md_row(["a", ""]) == "| a |  |"
    assert fmt.figure_links("Fig. 1", "fig1") == ["![Fig. 1](fig1.png)", "", "[PDF](fig1.pdf)", ""]
    assert fmt.image("science_lambda", "figures/science_lambda.png") == "![science_lambda](figures/science_lambda.png)"
    assert fmt.document(["# T", "", "text", "", ""]) == "# T\n\ntext\n"


def drawn():
    fig = new_figure(2, 1)
    with styled():
        fig.subplots().plot([0, 1], [0, 1], label="a")
    return fig


def test_styled_draws_under_the_style_and_restores_the_defaults(tmp_path):
    before = matplotlib.rcParams["font.size"]
    with styled():
        assert matplotlib.rcParams["font.size"] == STYLE["font.size"] == 8
    assert matplotlib.rcParams["font.size"] == before
    png, pdf = save_figure(drawn(), tmp_path / "a", "x")
    assert png.read_bytes()[:4] == b"\x89PNG" and pdf.read_bytes()[:5] == b"%PDF-"
    again = save_figure(drawn(), tmp_path / "b", "x")
    assert [p.read_bytes() for p in again] == [png.read_bytes(), pdf.read_bytes()]  # the same drawing, the same bytes


@pytest.mark.parametrize("pattern", [r"rc_context\(", r"rcParams", r"\.savefig\("])
def test_the_figure_style_has_one_owner(pattern):
    owners = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "bench").rglob("*.py")
                    if re.search(pattern, p.read_text(encoding="utf-8")))
    assert owners == ["bench/report/style.py"], pattern

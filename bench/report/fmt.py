"""The report kit's text helpers, shared by the paper, pipeline and science reports: numbers, percentages,
intervals, Markdown tables and figure links. A missing value prints as DASH (the paper tables print EM_DASH)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

DASH = "–"
EM_DASH = "—"


def number(value: float | None, digits: int = 2, signed: bool = False, missing: str = DASH) -> str:
    """`value` with `digits` decimals, a leading + on positive values when `signed`; `missing` for None."""
    if value is None:
        return missing
    return f"{value:+.{digits}f}" if signed else f"{value:.{digits}f}"


def pct(value: float | None, digits: int = 1, signed: bool = False, missing: str = DASH) -> str:
    """A fraction in percent, without the % sign: 0.4567 -> '45.7'; `missing` for None."""
    return missing if value is None else number(100 * value, digits, signed)


def ci(low: float | None, high: float | None, show: Callable[[float | None], str] = pct) -> str:
    """An interval as `[low, high]`, each bound written by `show` (default: pct, so fractions print in percent)."""
    return f"[{show(low)}, {show(high)}]"


def plus_minus(mean: float, std: float | None, digits: int = 2) -> str:
    """`mean±std` (just the mean when std is None)."""
    return number(mean, digits) if std is None else f"{number(mean, digits)}±{number(std, digits)}"


def md_row(cells: Iterable[str]) -> str:
    """One Markdown table row: `| a | b |`."""
    return "| " + " | ".join(cells) + " |"


def md_rule(align: str) -> str:
    """The rule under a Markdown table's header, one letter per column: l (---) or r (---:, right-aligned)."""
    return md_row("---:" if a == "r" else "---" for a in align)


def md_table(columns: Sequence[str], rows: Iterable[Sequence[str]], align: str) -> list[str]:
    """A Markdown table's lines: header, rule, rows."""
    return [md_row(columns), md_rule(align), *(md_row(r) for r in rows)]


def image(caption: str, path: str) -> str:
    """A Markdown image: `![caption](path)`."""
    return f"![{caption}]({path})"


def figure_links(caption: str, name: str) -> list[str]:
    """A figure in a README beside its files: the PNG shown, the PDF linked, each followed by a blank line."""
    return [image(caption, f"{name}.png"), "", f"[PDF]({name}.pdf)", ""]


def document(lines: Iterable[str]) -> str:
    """Lines joined into a file's text that ends in exactly one newline."""
    return "\n".join(lines).rstrip("\n") + "\n"

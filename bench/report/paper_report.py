"""The paper's figures and tables rebuilt from stored records, ours beside the paper's (`sr-bench report`).

    sr-bench report --results results/paper results/<exp> runs/<exp> --out reports/<exp>

--results takes record folders or files (results/<experiment>/, results/paper/) and training run folders
(metrics.jsonl + run_config.json, converted by bench.report.train_logs). Writes into --out:
fig1/fig2a/fig2b/fig3 as PNG and PDF, table2/table3/table4-revised/table4-v1/table5 as Markdown (.md) and
LaTeX (.tex), and README.md showing them all. Series the records lack are skipped with a note in README.md.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from bench.report.figures import build_plots
from bench.report.fmt import document, figure_links, md_table
from bench.report.style import save_figure
from bench.report.tables import build_tables
from sr_train.artifacts.files import atomic_write_text


def render(records: list[dict], out: str | Path, winrate_task: str = "vicuna-bench",
           input_notes: list[str] | None = None, title: str | None = None) -> dict[str, list[Path]]:
    """Write every figure and table for `records` into `out`; returns {name: files written}."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written: dict[str, list[Path]] = {}
    plots = build_plots(records, winrate_task)
    for plot in plots:
        if plot.figure is not None:
            written[plot.name] = save_figure(plot.figure, out, plot.name)
            plot.figure.clear()
    tables = build_tables(records)
    for table in tables:
        md, tex = out / f"{table.name}.md", out / f"{table.name}.tex"
        atomic_write_text(md, table.markdown())
        atomic_write_text(tex, table.latex())
        written[table.name] = [md, tex]
    readme = out / "README.md"
    atomic_write_text(readme, readme_text(records, plots, tables, input_notes or [], title or out.name))
    written["README"] = [readme]
    return written


def readme_text(records: list[dict], plots, tables, input_notes: list[str], title: str) -> str:
    """README.md: what went in, every figure (PNG shown, PDF linked), every table, and what was skipped."""
    counts = Counter((r["experiment"], r.get("source") or r["task"]) for r in records)
    lines = [f"# Report: {title}", "",
             "Rebuilt by `sr-bench report` from stored records (bench/report/paper_report.py); the paper is Yu et al. 2024, "
             "arXiv 2405.21040. Paper series are dashed, ours solid; one colour per method throughout.", "",
             "## Inputs", ""]
    lines += md_table(["experiment", "source / task", "records"],
                      [[exp, src, str(n)] for (exp, src), n in sorted(counts.items())], "llr")
    lines += [""] + [f"- {n}" for n in input_notes] + ([""] if input_notes else [])
    lines += ["## Figures", ""]
    for plot in plots:
        lines.append(f"### {plot.title}")
        lines.append("")
        if plot.figure is not None:
            lines += figure_links(plot.title, plot.name)
        else:
            lines += ["Not drawn: the records hold none of its series.", ""]
        lines += [f"- {n}" for n in plot.notes] + ([""] if plot.notes else [])
    lines += ["## Tables", ""]
    for table in tables:
        lines += [table.markdown(), f"LaTeX: [{table.name}.tex]({table.name}.tex)", ""]
    return document(lines)

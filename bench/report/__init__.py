"""The paper's figures and tables from stored records: what goes in (inputs, train_logs), how records are picked
and grouped (selection), mean/std and Welch tests over seeds (seeds), the report kit that every report (paper,
pipeline, science) uses (fmt: numbers, CIs, Markdown tables; style: the one figure style), figures, tables, the
paper's own numbers (paper_numbers), the rendered report (paper_report) and v1 Table 4's correlations (marginals)."""

"""results/paper/: the paper's numbers as records, checked against our own transcription of the paper
(Yu et al., "Direct Alignment of Language Models via Quality-Aware Self-Refinement", arXiv 2405.21040).

The numbers below are typed here from the paper's tables, independently of bench/paper_numbers.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.records import load_records

REPO = Path(__file__).resolve().parents[1]
COMMITTED = REPO / "results" / "paper"

# Table 2: (method, opponent) -> task -> (win, tie, lose) in %.
T2 = {
    ("sr-dpo", "dpo"): {"mt-bench": (45.62, 33.76, 20.62), "vicuna-bench": (63.75, 13.75, 22.50)},
    ("sr-ipo", "ipo"): {"mt-bench": (38.75, 25.00, 26.25), "vicuna-bench": (60.00, 8.75, 31.25)},
    ("sr-dpo", "ipo"): {"mt-bench": (42.50, 21.25, 36.25), "vicuna-bench": (66.25, 11.50, 26.25)},
    ("sr-ipo", "dpo"): {"mt-bench": (38.61, 28.89, 32.50), "vicuna-bench": (61.25, 5.00, 33.75)},
}
# The two printed rows that do not sum to 100.
T2_BAD_ROWS = {("sr-ipo", "ipo", "mt-bench"), ("sr-dpo", "ipo", "vicuna-bench")}
TASKS = ("arc", "hellaswag", "winogrande", "mmlu", "truthfulqa", "gsm8k", "average")
# Table 3 (revised): method -> seven "mean±std" strings (with "*" marks) as printed.
T3_REV = {
    "sft": "60.41 82.85 74.19 60.92 43.73 26.76 58.14",
    "dpo": "62.54±0.51 84.54±0.35 79.28±0.75 60.95±0.49 59.85±0.55 31.99±0.98 63.19±0.15",
    "ipo": "61.95±0.09 82.76±0.05 79.48±0.24 61.20±0.35 46.07±0.04 36.63±0.72 61.35±0.11",
    "sr-dpo": "64.55±0.72 85.39±0.13 80.74±0.08 61.64±0.01 60.33±0.03 33.78±0.41 64.40±0.08*",
    "sr-ipo": "62.50±0.04* 83.24±0.09* 79.44±0.12 61.90±0.10 48.38±0.51* 39.58±0.22* 62.51±0.11*",
}
T3_V1 = {
    "dpo": "63.05 84.89 78.53 61.44 59.30 31.01 63.04",
    "ipo": "61.86 82.80 79.24 61.55 46.03 35.91 6.23",
    "sr-dpo": "65.27 85.52 80.82 61.63 60.30 33.36 64.48",
    "sr-ipo": "62.46 83.15 79.32 61.80 47.87 39.80 62.40",
}
T4_REV = {"proposed": (45.62, 33.76, 20.62), "ratings-1-10": (44.38, 33.75, 21.87),
          "naive-delta": (38.75, 41.88, 19.37)}
T4_V1 = {"dpo": (0.21, 0.14, 0.10), "ipo": (0.11, 0.05, 0.03), "sr-dpo": (0.26, 0.20, 0.14),
         "sr-ipo": (0.13, 0.08, 0.05)}
T5 = {"dpo": 16.8, "ipo": 16.8, "sr-dpo": 20.8, "sr-ipo": 20.8}
F2A = {"sr-dpo": [(0, 0), (0.1, 38.75), (0.3, 60.5), (0.5, 63.75), (1, 48.75)],
       "sr-ipo": [(0, 0), (0.1, 47.5), (0.3, 60.6), (0.5, 60.0), (1, 48)]}
F2B = {"sr-dpo": [26.25, 56.25, 58.75, 61.25, 63.75], "sr-ipo": [31.25, 51.25, 60.0, 57.5, 60.0]}


def parse_cell(cell: str) -> tuple[float, float | None, bool]:
    marked = cell.endswith("*")
    cell = cell.rstrip("*")
    mean, _, std = cell.partition("±")
    return float(mean), float(std) if std else None, marked


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    from bench.report.paper_numbers import main

    out = tmp_path_factory.mktemp("paper")
    assert main(["--out", str(out)]) == 0
    return out


@pytest.fixture(scope="module")
def records(generated) -> list[dict]:
    return load_records(generated)


def find(records, **want) -> list[dict]:
    out = []
    for r in records:
        if all((r.get("extra") or {}).get(k[6:]) == v if k.startswith("extra_") else r.get(k) == v
               for k, v in want.items()):
            out.append(r)
    return out


def one(records, **want) -> dict:
    hits = find(records, **want)
    assert len(hits) == 1, (want, hits)
    return hits[0]


def test_committed_files_are_what_the_script_writes(generated):
    names = sorted(p.name for p in generated.glob("*.jsonl"))
    assert names == sorted(p.name for p in COMMITTED.glob("*.jsonl"))
    for name in names:
        assert (generated / name).read_bytes() == (COMMITTED / name).read_bytes(), name
    assert not list(generated.glob(".*")), "temporary files left behind"


def test_every_record_is_the_papers_and_names_its_source(records):
    assert all(r["experiment"] == "paper" and r.get("source") for r in records)
    assert len(records) == 24 + 5 * 7 + 4 * 7 + 3 * 3 + 4 * 3 + 4 + 10 + 10


def test_table2_values_and_flags(records):
    for (method, opp), cells in T2.items():
        for task, triple in cells.items():
            for metric, value in zip(("win", "tie", "lose"), triple):
                r = one(records, source="Table 2 (revised)", method=method, extra_opponent=opp, task=task,
                        metric=metric)
                assert r["value"] == value and r["unit"] == "percent" and r["judge"] == "openai:gpt-4"
                assert r["n"] == {"mt-bench": 160, "vicuna-bench": 80}[task]
                flagged = bool(r.get("flags"))
                assert flagged == ((method, opp, task) in T2_BAD_ROWS), (method, opp, task, r.get("flags"))
                if flagged:
                    assert "does not sum to 100" in r["flags"][0]


def test_table3_both_versions(records):
    for method, row in T3_REV.items():
        for task, cell in zip(TASKS, row.split()):
            mean, std, marked = parse_cell(cell)
            r = one(records, source="Table 3 (revised)", method=method, task=task)
            assert r["value"] == mean and r["extra"].get("std") == std, (method, task)
            assert (r["extra"]["paper_mark"] == "*") == marked, (method, task)
            assert not r.get("flags")
    for method, row in T3_V1.items():
        for task, cell in zip(TASKS, row.split()):
            r = one(records, source="Table 3 (v1)", method=method, task=task)
            assert r["value"] == float(cell)
            assert bool(r.get("flags")) == (method == "ipo" and task == "average"), (method, task)
    ipo_avg = one(records, source="Table 3 (v1)", method="ipo", task="average")
    assert ipo_avg["value"] == 6.23 and "61.23" in ipo_avg["flags"][0]
    assert one(records, source="Table 3 (revised)", method="sft", task="arc")["extra"]["model"] == "zephyr-7b-sft-full"
    metrics = {r["task"]: r["metric"] for r in find(records, source="Table 3 (v1)", method="dpo")}
    assert metrics == {"arc": "acc_norm", "hellaswag": "acc_norm", "winogrande": "acc", "mmlu": "acc",
                       "truthfulqa": "mc2", "gsm8k": "exact_match", "average": "average"}


def test_table4_both_versions_and_table5(records):
    for variant, triple in T4_REV.items():
        for metric, value in zip(("win", "tie", "lose"), triple):
            r = one(records, source="Table 4 (revised)", extra_variant=variant, metric=metric)
            assert r["value"] == value and r["task"] == "mt-bench" and r["method"] == "sr-dpo"
    for method, triple in T4_V1.items():
        for metric, value in zip(("pearson", "spearman", "kendall"), triple):
            r = one(records, source="Table 4 (v1)", method=method, metric=metric)
            assert r["value"] == value and r["n"] == 200 and r["unit"] == "raw"
    for method, hours in T5.items():
        r = one(records, source="Table 5 (v1)", method=method)
        assert r["value"] == hours and r["unit"] == "hours" and r["metric"] == "gpu_hours"


def test_figure_readings(records):
    for method, points in F2A.items():
        got = sorted((r["lambda"], r["value"]) for r in find(records, source="Fig. 2a (read off)", method=method))
        assert got == [(float(lam), float(v)) for lam, v in points]
    for method, values in F2B.items():
        got = sorted((r["extra"]["checkpoint"], r["value"]) for r in find(records, source="Fig. 2b (read off)",
                                                                           method=method))
        assert got == list(enumerate(values, 1))
        assert all(r.get("tuples_seen") is None for r in find(records, source="Fig. 2b (read off)"))

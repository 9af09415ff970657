"""The layer rule of README.md ("Layout"): imports only go down, and no import cycle.

Every module of sr_train/, bench/ and benchmarks/ is parsed (imports inside functions included) and each internal
import is checked against the importing module's layer. A planted violation and a planted cycle show the check
fails when it should.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
INTERNAL = ("sr_train", "bench")
EVERYTHING = ("sr_train", "bench")
# importer prefix -> prefixes it may import (the longest matching importer prefix decides)
LAYERS: dict[str, tuple[str, ...]] = {
    "sr_train.artifacts": ("sr_train.artifacts",),
    "sr_train": ("sr_train",),
    "bench.records": ("sr_train.artifacts", "bench.records"),
    "bench.leaderboard": ("sr_train.artifacts", "bench.records", "bench.leaderboard"),
    "bench.winrate": ("sr_train.artifacts", "bench.records", "bench.winrate"),
    "bench.report": ("sr_train.artifacts", "bench.records", "bench.leaderboard.tasks", "bench.report"),
    "bench.science": ("sr_train", "bench.records", "bench.winrate", "bench.leaderboard", "bench.report.train_logs",
                      "bench.report.style", "bench.report.fmt", "bench.science"),
    "bench.pipeline": EVERYTHING,
    "bench.cli": EVERYTHING,
    "benchmarks": EVERYTHING,
    "bench": (),  # the package's own __init__ (this layer holds no other module)
}
EXACT = ("bench",)
ENTRY_POINTS = ("bench.cli",)  # only the CLI itself imports bench.cli


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def sources(root: Path) -> dict[str, str]:
    files = [p for top in (*INTERNAL, "benchmarks") for p in sorted((root / top).rglob("*.py"))]
    return {module_name(p, root): p.read_text(encoding="utf-8") for p in files}


def internal_imports(source: str, modules: set[str]) -> list[tuple[int, str]]:
    """(line, module) of every import of ours in `source`, at any depth; `from pkg import mod` resolves to the
    module pkg.mod when there is one."""
    out = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [f"{node.module}.{a.name}" for a in node.names]
            out += [(node.lineno, n if n in modules else node.module) for n in names]
    return [(line, m) for line, m in out if m.split(".")[0] in INTERNAL]


def under(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def layer_of(module: str) -> str | None:
    matches = [p for p in LAYERS if module == p or (under(module, p) and p not in EXACT)]
    return max(matches, key=len) if matches else None


def violations(srcs: dict[str, str]) -> list[str]:
    modules = set(srcs)
    found = []
    for module, source in srcs.items():
        layer = layer_of(module)
        if layer is None:
            found.append(f"{module}: in no layer of the design")
            continue
        for line, target in internal_imports(source, modules):
            if not any(under(target, p) for p in LAYERS[layer]):
                found.append(f"{module}:{line} imports {target} ({layer} may import {', '.join(LAYERS[layer])})")
            if under(target, "bench.cli") and not any(under(module, e) for e in ENTRY_POINTS):
                found.append(f"{module}:{line} imports {target}: only the entry points import bench.cli")
    return found


def cycles(srcs: dict[str, str]) -> list[list[str]]:
    """Import cycles between our modules (each found once, from its first module in sorted order)."""
    modules = set(srcs)
    graph = {m: sorted({t for _, t in internal_imports(s, modules) if t in modules and t != m})
             for m, s in srcs.items()}
    found, state = [], {}

    def visit(m: str, stack: list[str]) -> None:
        state[m] = "open"
        for t in graph[m]:
            if state.get(t) == "open":
                found.append(stack[stack.index(t):] + [t])
            elif t not in state:
                visit(t, stack + [t])
        state[m] = "done"

    for m in sorted(graph):
        if m not in state:
            visit(m, [m])
    return found


def test_imports_only_go_down():
    srcs = sources(ROOT)
    assert {"sr_train.artifacts.runs", "bench.leaderboard.tasks", "bench.cli"} <= set(srcs)  # the walk sees them
    assert violations(srcs) == []


def test_no_import_cycle():
    assert cycles(sources(ROOT)) == []


def test_training_never_imports_bench():
    srcs = sources(ROOT)
    offenders = [m for m, s in srcs.items() if m.startswith("sr_train")
                 and any(t.startswith("bench") for _, t in internal_imports(s, set(srcs)))]
    assert offenders == []


def test_the_checks_catch_a_planted_violation_and_cycle():
    srcs = {
        "sr_train.artifacts.files": "import json\n",
        "sr_train.recipe": "def f():\n    from bench.records import make_record\n",  # upward, inside a function
        "bench.records": "from sr_train.artifacts import files\n",
        "bench.winrate.generate": "from bench.leaderboard.tasks import LABELS\n",  # sideways
        "bench.leaderboard.tasks": "",
        "bench.report.tables": "from bench.cli import main\n",
        "bench.cli": "from bench.report import tables\n",
        "bench.extra": "",
    }
    found = violations(srcs)
    assert any("sr_train.recipe:2 imports bench.records" in v for v in found)
    assert any("bench.winrate.generate:1 imports bench.leaderboard.tasks" in v for v in found)
    assert any("bench.report.tables:1 imports bench.cli: only the entry points" in v for v in found)
    assert any(v == "bench.extra: in no layer of the design" for v in found)
    assert not any(v.startswith("bench.records") for v in found)
    assert cycles(srcs) == [["bench.cli", "bench.report.tables", "bench.cli"]]

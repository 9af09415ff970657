"""Read and check the sr-pref items in items/<category>.yaml (a YAML list, one entry per item).

Fields of an item:
    prompt, chosen, rejected          non-empty text, no leading or trailing whitespace
    score_chosen, score_rejected      1 to 10 in steps of 0.5, chosen above rejected
    expr, answer                      math: a Python expression and its value as written in `chosen` (quoted text)
    rejected_wrong                    math: true if `rejected` must not state the answer
    tests                             coding: asserts run against the first ```python block of `chosen`
    rejected_fails                    coding: true if the ```python block of `rejected` must fail the tests

The code in `chosen` / `rejected` / `tests` is run (exec), so review it like code.

    python -m sr_train.prefdata.check [DIR]    # check every item; exit 2 with one line per problem
"""

from __future__ import annotations

import math
import re
import sys
from fractions import Fraction
from pathlib import Path
from typing import Any

import yaml

from sr_train.artifacts.errors import UserError, report

ITEMS_DIR = Path(__file__).resolve().parent / "items"
CATEGORIES = ("advice", "explanation", "writing", "coding", "math", "reasoning", "factual_qa", "summarising",
              "refusal")
# (name, lowest gap, highest gap): every gap chosen - rejected falls in exactly one bucket.
GAP_BUCKETS = (("near-tie", 0.5, 1.0), ("small", 1.5, 2.5), ("medium", 3.0, 4.5), ("clear", 5.0, 9.0))
MAX_PROXY_TOKENS = 300
TOKENS_PER_WORD = 1.5
REQUIRED = {"prompt": str, "chosen": str, "rejected": str, "score_chosen": (int, float),
            "score_rejected": (int, float)}
OPTIONAL = {"expr": str, "answer": str, "rejected_wrong": bool, "tests": str, "rejected_fails": bool}
_CODE = re.compile(r"```python\n(.*?)```", re.S)


class BuildError(UserError):
    """A malformed or failing item; the message names its file, line and category."""


def item(prompt: str, chosen: str, rejected: str, score_chosen: float, score_rejected: float, *,
         expr: str | None = None, answer: str | None = None, rejected_wrong: bool = False,
         tests: str | None = None, rejected_fails: bool = False) -> dict[str, Any]:
    """One preference item as the checks see it (every field present, scores as floats)."""
    return {"prompt": prompt, "chosen": chosen, "rejected": rejected, "score_chosen": float(score_chosen),
            "score_rejected": float(score_rejected), "expr": expr, "answer": answer,
            "rejected_wrong": rejected_wrong, "tests": tests, "rejected_fails": rejected_fails}


def proxy_tokens(*texts: str) -> float:
    """The token-count proxy used by the checks: whitespace words x 1.5."""
    return TOKENS_PER_WORD * sum(len(t.split()) for t in texts)


def gap_bucket(gap: float) -> str:
    """The name of the GAP_BUCKETS entry holding `gap`."""
    for name, lo, hi in GAP_BUCKETS:
        if lo <= gap <= hi:
            return name
    raise ValueError(f"gap {gap} is in no bucket {GAP_BUCKETS}")


def norm(text: str) -> str:
    """Lower case, single spaces: the form compared for duplicates."""
    return " ".join(text.lower().split())


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _fields(rec: Any, node: yaml.Node, where: str) -> dict[str, Any]:
    """The item's fields, type-checked; BuildError naming the line of the bad field."""
    line = node.start_mark.line + 1
    if not isinstance(rec, dict) or not isinstance(node, yaml.MappingNode):
        raise BuildError(f"{where}:{line}: an item must be a mapping of fields, not {type(rec).__name__}")
    key_lines: dict[Any, int] = {}
    for key_node, _ in node.value:
        if key_node.value in key_lines:
            raise BuildError(f"{where}:{key_node.start_mark.line + 1}: field {key_node.value!r} given twice")
        key_lines[key_node.value] = key_node.start_mark.line + 1
    kinds = {**REQUIRED, **OPTIONAL}
    for key, value in rec.items():
        at = f"{where}:{key_lines.get(key, line)}"
        if key not in kinds:
            raise BuildError(f"{at}: unknown field {key!r} (fields: {', '.join(kinds)})")
        if isinstance(value, bool) is not (kinds[key] is bool) or not isinstance(value, kinds[key]):
            want = {str: "text", bool: "true or false"}.get(kinds[key], "a number")
            raise BuildError(f"{at}: {key} must be {want}, not {value!r}")
    missing = [k for k in REQUIRED if k not in rec]
    if missing:
        raise BuildError(f"{where}:{line}: item lacks {', '.join(missing)}")
    return rec


def load_file(path: Path) -> list[tuple[dict[str, Any], str]]:
    """(item, 'file:line') for each entry of one YAML file; BuildError naming file:line if one is malformed."""
    shown, data = _shown(path), path.read_bytes()
    try:
        loader = yaml.SafeLoader(data.decode("utf-8"))
        try:
            root = loader.get_single_node()
            records = loader.construct_document(root) if root is not None else None
        finally:
            loader.dispose()
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        raise BuildError(f"{shown}:{line}: not UTF-8 text ({e.reason})") from None
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        where = f"{shown}:{mark.line + 1}" if mark is not None else shown
        context = f" ({e.context}, line {e.context_mark.line + 1})" if e.context and e.context_mark else ""
        raise BuildError(f"{where}: not valid YAML: {e.problem or e.context}{context}") from None
    except yaml.YAMLError as e:
        raise BuildError(f"{shown}: not valid YAML: {' '.join(str(e).split())}") from None
    if not isinstance(records, list) or not records:
        raise BuildError(f"{shown}:1: expected a non-empty list of items")
    return [(item(**_fields(rec, node, shown)), f"{shown}:{node.start_mark.line + 1}")
            for rec, node in zip(records, root.value)]


def _run_code(text: str, tests: str) -> None:
    """Exec the first ```python block of `text`, then `tests`, in a fresh namespace (raises on failure)."""
    blocks = _CODE.findall(text)
    if not blocks:
        raise BuildError("no ```python block to test")
    ns: dict[str, Any] = {"__name__": "prefdata_check"}
    exec(compile(blocks[0], "<response>", "exec"), ns)  # code from our own, reviewed data files
    exec(compile(tests, "<tests>", "exec"), ns)


def _eval_math(expr: str) -> Any:
    env = {"__builtins__": {}, "math": math, "Fraction": Fraction, "round": round, "abs": abs, "sum": sum,
           "range": range, "min": min, "max": max}
    return eval(expr, env)  # an expression from our own, reviewed data files


def check_item(it: dict[str, Any], where: str) -> None:
    """All per-item checks; raises BuildError naming `where`."""
    def fail(msg: str) -> BuildError:
        return BuildError(f"{where} ({it['prompt'][:50]!r}...): {msg}")

    for key in ("prompt", "chosen", "rejected"):
        if not isinstance(it[key], str) or not it[key].strip():
            raise fail(f"empty {key}")
        if it[key] != it[key].strip():
            raise fail(f"{key} has leading or trailing whitespace")
    if norm(it["chosen"]) == norm(it["rejected"]):
        raise fail("chosen and rejected are the same text")
    sc, sr = it["score_chosen"], it["score_rejected"]
    for name, s in (("score_chosen", sc), ("score_rejected", sr)):
        if not 1 <= s <= 10 or (2 * s) != int(2 * s):
            raise fail(f"{name}={s} must be in [1, 10] in steps of 0.5")
    if not sc > sr:
        raise fail(f"score_chosen {sc} must be above score_rejected {sr}")
    gap_bucket(sc - sr)
    for side in ("chosen", "rejected"):
        n = proxy_tokens(it["prompt"], it[side])
        if n > MAX_PROXY_TOKENS:
            raise fail(f"prompt+{side} is {n:.0f} proxy tokens (> {MAX_PROXY_TOKENS})")
    if it["expr"] is not None:
        value = _eval_math(it["expr"])
        if it["answer"] is None:
            raise fail("a math item with `expr` needs `answer`")
        if abs(float(value) - float(Fraction(it["answer"].replace(",", "")))) > 1e-9:
            raise fail(f"answer {it['answer']} but {it['expr']} = {value}")
        if it["answer"] not in it["chosen"]:
            raise fail(f"the chosen text does not state the answer {it['answer']}")
        if it["rejected_wrong"] and re.search(rf"(?<![\d.,]){re.escape(it['answer'])}(?![\d,]|\.\d)",
                                              it["rejected"]):
            raise fail(f"rejected is marked wrong but states the answer {it['answer']}")
    if it["tests"] is not None:
        try:
            _run_code(it["chosen"], it["tests"])
        except Exception as e:
            raise fail(f"chosen code fails its tests: {type(e).__name__}{f': {e}' if str(e) else ''}") from None
        if it["rejected_fails"]:
            try:
                _run_code(it["rejected"], it["tests"])
            except Exception:
                pass
            else:
                raise fail("rejected code is marked wrong but passes the tests")


def checked_items(folder: Path = ITEMS_DIR) -> list[tuple[str, dict[str, Any]]]:
    """(category, item) for every item, in CATEGORIES then file order; BuildError with one line per problem."""
    unknown = sorted(p.name for p in folder.glob("*.yaml") if p.stem not in CATEGORIES)
    if unknown:
        raise BuildError(f"{_shown(folder)}: {unknown} name no category (known: {', '.join(CATEGORIES)})")
    out: list[tuple[str, dict[str, Any]]] = []
    problems: list[str] = []
    seen: dict[str, str] = {}
    for category in CATEGORIES:
        path = folder / f"{category}.yaml"
        if not path.is_file():
            raise BuildError(f"{_shown(path)}: missing (category {category!r} has no items)")
        for i, (it, at) in enumerate(load_file(path), 1):
            where = f"{at}: {category} item {i}"
            try:
                check_item(it, where)
            except BuildError as e:
                problems.append(str(e))
            key = norm(it["prompt"])
            if key in seen:
                problems.append(f"{where}: duplicate prompt (first in {seen[key]}): {it['prompt'][:60]!r}")
            seen.setdefault(key, where)
            out.append((category, it))
    if problems:
        raise BuildError("\n".join(problems))
    return out


def main(argv: list[str] | None = None) -> int:
    """Check the items in DIR (default: the shipped items/); print a count, or the problems and exit 2."""
    args = sys.argv[1:] if argv is None else argv
    folder = Path(args[0]) if args and not args[0].startswith("-") else ITEMS_DIR
    try:
        items = checked_items(folder)
    except BuildError as e:
        return report("check", e, args)
    print(f"{len(items)} items in {_shown(folder)}: all checks pass")
    return 0


if __name__ == "__main__":
    sys.exit(main())

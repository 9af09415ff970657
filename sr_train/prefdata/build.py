"""Build the sr-align preference set (train.jsonl, test.jsonl) from the items in items/<category>.yaml.

The items were written by the sr-align team for the offline demo and the tests: a prompt, a better
("chosen") and a worse ("rejected") response, and a 1-10 quality score for each (integers or halves).
This script checks every item (check.py), splits them by a fixed rule and writes the two JSONL files
byte-for-byte deterministically:

    python sr_train/prefdata/build.py                # writes train.jsonl / test.jsonl here, refreshes DATA_CARD.md
    python sr_train/prefdata/build.py --out DIR      # writes into DIR only (the card is left alone)
    python sr_train/prefdata/build.py --check        # exit 1 if the shipped files differ from a fresh build
    python sr_train/prefdata/build.py --items DIR    # reads the items from DIR instead of items/

Ids srp-0001, ... follow the categories in CATEGORIES, then the order of the items in each file.
Split: within each category, items sorted by the SHA-256 of their prompt; the first round(15%) go to test.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from sr_train.artifacts.errors import report
from sr_train.artifacts.files import atomic_write_text
from sr_train.prefdata.check import (
    CATEGORIES,
    GAP_BUCKETS,
    ITEMS_DIR,
    MAX_PROXY_TOKENS,
    TOKENS_PER_WORD,
    BuildError,
    checked_items,
    gap_bucket,
    proxy_tokens,
)

HERE = Path(__file__).resolve().parent
TEST_FRACTION = 0.15
CARD_START, CARD_END = "<!-- build.py stats: start -->", "<!-- build.py stats: end -->"
FIELDS = ("id", "category", "prompt", "chosen", "rejected", "score_chosen", "score_rejected")


def all_items(items: Path = ITEMS_DIR) -> list[dict[str, Any]]:
    """Every item, checked, as a row with its id and category (ids srp-0001, ...)."""
    rows: list[dict[str, Any]] = []
    for category, it in checked_items(items):
        rows.append({"id": f"srp-{len(rows) + 1:04d}", "category": category, "prompt": it["prompt"],
                     "chosen": it["chosen"], "rejected": it["rejected"], "score_chosen": it["score_chosen"],
                     "score_rejected": it["score_rejected"]})
    return rows


def split(rows: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(train, test): per category, the round(15%) items with the smallest SHA-256(prompt) go to test."""
    test_ids: set[str] = set()
    for category in CATEGORIES:
        group = [r for r in rows if r["category"] == category]
        group.sort(key=lambda r: hashlib.sha256(r["prompt"].encode("utf-8")).hexdigest())
        test_ids.update(r["id"] for r in group[: round(TEST_FRACTION * len(group))])
    return [r for r in rows if r["id"] not in test_ids], [r for r in rows if r["id"] in test_ids]


def to_jsonl(rows: list[dict[str, Any]]) -> str:
    return "".join(json.dumps({k: r[k] for k in FIELDS}, ensure_ascii=False) + "\n" for r in rows)


def stats_markdown(train: list[dict[str, Any]], test: list[dict[str, Any]]) -> str:
    """The tables in DATA_CARD.md: counts per category and split, gap buckets, scores, lengths."""
    lines = ["| category | train | test | total |", "|---|---:|---:|---:|"]
    tr, te = Counter(r["category"] for r in train), Counter(r["category"] for r in test)
    for c in CATEGORIES:
        lines.append(f"| {c} | {tr[c]} | {te[c]} | {tr[c] + te[c]} |")
    lines.append(f"| **all** | {len(train)} | {len(test)} | {len(train) + len(test)} |")
    lines += ["", "| gap (chosen - rejected) | range | train | test | share of all |", "|---|---|---:|---:|---:|"]
    gtr = Counter(gap_bucket(r["score_chosen"] - r["score_rejected"]) for r in train)
    gte = Counter(gap_bucket(r["score_chosen"] - r["score_rejected"]) for r in test)
    total = len(train) + len(test)
    for name, lo, hi in GAP_BUCKETS:
        n = gtr[name] + gte[name]
        lines.append(f"| {name} | {lo:g}-{hi:g} | {gtr[name]} | {gte[name]} | {100 * n / total:.1f}% |")
    rows = train + test
    lines += ["", "| gap bucket | " + " | ".join(CATEGORIES) + " |", "|---|" + "---:|" * len(CATEGORIES)]
    for name, _, _ in GAP_BUCKETS:
        counts = Counter(r["category"] for r in rows if gap_bucket(r["score_chosen"] - r["score_rejected"]) == name)
        lines.append(f"| {name} | " + " | ".join(str(counts[c]) for c in CATEGORIES) + " |")

    def mean(xs: list[float]) -> float:
        return sum(xs) / len(xs)

    def words(key: str) -> list[float]:
        return [float(len(r[key].split())) for r in rows]

    sc, sr = [r["score_chosen"] for r in rows], [r["score_rejected"] for r in rows]
    longest = max(proxy_tokens(r["prompt"], r[k]) for r in rows for k in ("chosen", "rejected"))
    lines += ["", "| measure | chosen | rejected |", "|---|---:|---:|",
              f"| score, mean | {mean(sc):.2f} | {mean(sr):.2f} |",
              f"| score, min-max | {min(sc):g}-{max(sc):g} | {min(sr):g}-{max(sr):g} |",
              f"| words, mean | {mean(words('chosen')):.1f} | {mean(words('rejected')):.1f} |",
              f"| words, min-max | {min(words('chosen')):.0f}-{max(words('chosen')):.0f} "
              f"| {min(words('rejected')):.0f}-{max(words('rejected')):.0f} |",
              "", f"Prompt words, mean: {mean(words('prompt')):.1f}. Longest prompt+response: {longest:.0f} "
              f"proxy tokens (whitespace words x {TOKENS_PER_WORD:g}; limit {MAX_PROXY_TOKENS})."]
    return "\n".join(lines) + "\n"


def refresh_card(card: Path, stats: str) -> str:
    """The card's text with the block between the stats markers replaced by `stats`."""
    text = card.read_text(encoding="utf-8")
    start, end = text.find(CARD_START), text.find(CARD_END)
    if start < 0 or end < start:
        raise BuildError(f"{card}: missing the markers {CARD_START!r} ... {CARD_END!r}")
    return text[: start + len(CARD_START)] + "\n" + stats + text[end:]


def build(items: Path = ITEMS_DIR) -> dict[str, str]:
    """File name -> text for train.jsonl and test.jsonl (and the stats block under 'stats')."""
    rows = all_items(items)
    train, test = split(rows)
    return {"train.jsonl": to_jsonl(train), "test.jsonl": to_jsonl(test), "stats": stats_markdown(train, test)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--items", type=Path, default=ITEMS_DIR, help="folder of <category>.yaml items (default: items/)")
    ap.add_argument("--out", type=Path, default=HERE, help="folder for train.jsonl / test.jsonl (default: here)")
    ap.add_argument("--card", type=Path, default=None,
                    help="DATA_CARD.md whose stats block to refresh (default: the one here, when --out is here)")
    ap.add_argument("--check", action="store_true", help="write nothing; exit 1 if the files in --out are stale")
    args = ap.parse_args(argv)
    try:
        files = build(args.items)
        card = args.card if args.card is not None else (HERE / "DATA_CARD.md" if args.out.resolve() == HERE else None)
        outputs = {args.out / name: files[name] for name in ("train.jsonl", "test.jsonl")}
        if card is not None and card.exists():
            outputs[card] = refresh_card(card, files["stats"])
    except BuildError as e:
        return report("build.py", e, argv)
    if args.check:
        stale = [str(p) for p, text in outputs.items() if not p.exists() or p.read_text(encoding="utf-8") != text]
        for p in stale:
            print(f"build.py: {p} is stale; run python sr_train/prefdata/build.py", file=sys.stderr)
        return 1 if stale else 0
    for path, text in outputs.items():
        atomic_write_text(path, text)
    print(files["stats"], end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())

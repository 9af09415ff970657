"""configs/science.yaml holds the training runs PREREGISTRATION.md fixes, with the settings it states, and the
analysis section that names which of them each claim compares."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from bench.pipeline.config import load_config
from bench.science.claims import Results, beta_star
from bench.science.design import load_design
from sr_train.refine import QUALITY_PROMPT, QUALITY_PROMPT_1_TO_10

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "configs" / "science.yaml"


def test_science_config_matches_the_preregistration():
    cfg = load_config(CONFIG)
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
    star, _ = beta_star(Results(ROOT / "results" / "science", load_design(CONFIG)))
    assert star is not None and star != 0.1
    assert [(r.loss, r.beta, r.seed) for r in tuned] == [("dpo", star, 1), ("dpo", star, 2)]


def test_analysis_section_names_runs_with_the_settings_their_roles_need():
    """Each run the claims compare is a configured run whose settings fit its role: the β grid's runs train DPO at
    that β, the λ curve's Sr-DPO at that λ with the paper's prompt, the families three seeds of one setting."""
    runs, design = load_config(CONFIG).methods, load_design(CONFIG)
    assert design.seeds == (0, 1, 2) and design.readme == "reports/science/README.md"
    assert design.runs("sr") == ["sr-dpo-s0", "sr-dpo-s1", "sr-dpo-s2"]
    assert design.runs("tuned") == ["dpo-tuned-s1", "dpo-tuned-s2"]  # the first seed is beta*'s grid run
    for role, (loss, refine) in {"sr": ("sr-dpo", "prompt"), "dpo": ("dpo", "prompt"), "naive": ("sr-dpo", "naive"),
                                 "sr_ipo": ("sr-ipo", "prompt"), "ipo": ("ipo", "prompt")}.items():
        family = [runs[r] for r in design.runs(role)]
        assert [r.seed for r in family] == list(design.seeds), role
        assert {(r.loss, r.refine, r.beta) for r in family} == {(loss, refine, 0.1)}, role
    assert sorted(design.beta_grid) == [0.025, 0.05, 0.1, 0.2, 0.4]
    for beta, run in design.beta_grid.items():
        assert (runs[run].loss, runs[run].beta, runs[run].seed) == ("dpo", beta, 0), run
    assert design.beta_grid[0.1] == design.run("dpo")
    assert sorted(design.lambda_grid) == [0.1, 0.3, 0.5, 1.0] and design.lambda_grid[0.5] == design.run("sr")
    for lam, run in design.lambda_grid.items():
        r = runs[run]
        assert (r.loss, r.lam, r.beta, r.seed, r.quality_prompt) == ("sr-dpo", lam, 0.1, 0, QUALITY_PROMPT), run
    assert runs[design.prompt_ablation].quality_prompt == QUALITY_PROMPT_1_TO_10
    assert runs[design.gold_margins].loss == "odpo"
    assert design.winrates == design.curves == ("dpo-s0", "sr-dpo-s0") and design.checkpoints == (16, 32)

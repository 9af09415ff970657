"""Resuming a run: where to resume from, whether the run in `output_dir` was made with the same settings, and what
an earlier run leaves behind (`resume: never` clears it; a finished run drops its optimizer state)."""

from __future__ import annotations

import shutil
from pathlib import Path

from sr_train.artifacts.errors import UserError
from sr_train.artifacts.files import atomic_write_jsonl, content_sha256, read_jsonl
from sr_train.artifacts.runs import (
    DATA_SHA256,
    FINAL,
    METRICS,
    QUALITY_PROMPT_USED,
    RUN_CONFIG,
    checkpoint_dirs,
    checkpoint_step,
    final_dir,
    is_complete,
    is_trained,
    last_checkpoint,
    optimizer_state_files,
    read_run_config,
)
from sr_train.artifacts.settings import ALL, differing
from sr_train.config import TrainConfig, training_settings


class ResumeError(UserError):
    """A run cannot be resumed as asked; the message says why and what to do."""


class RunMismatch(ResumeError):
    """output_dir holds a run made with other training settings (resuming would mix the two)."""


def checked_resume_path(path: str | Path) -> Path:
    """An explicit --resume: a complete checkpoint-N folder, else a clear error."""
    path = Path(path)
    if not is_complete(path):
        raise ResumeError(f"resume {path}: not a complete checkpoint-N folder (one with trainer_state.json); "
                          "use auto, never, or such a folder")
    return path


def run_dir_to_check(cfg: TrainConfig) -> Path:
    """The run whose settings a resume must match: output_dir, or the run of an explicit checkpoint."""
    return Path(cfg.output_dir) if cfg.resume == "auto" else checked_resume_path(cfg.resume).parent


def changed_settings(stored: dict, cfg: TrainConfig) -> dict[str, tuple]:
    """{field: (stored, now)} for the fields that shape what is trained (all but the `resume_safe` ones: output,
    logging, memory and kernel choices) where `stored` (a run's run_config.json) and `cfg` differ; fields the
    stored file lacks are not checked."""
    changed = differing(stored, training_settings(cfg), added_later=ALL)
    if "bf16_autocast" not in stored:  # files before it was a fact of its own stored the resolved bool as `bf16`
        changed.pop("bf16", None)
    return changed


def content_facts(cfg: TrainConfig) -> dict[str, str | None]:
    """What a run was trained on, by content: the data's sha256 (None for a hub id) and p's text as used."""
    return {DATA_SHA256: content_sha256(cfg.data), QUALITY_PROMPT_USED: cfg.quality_prompt_text()}


def run_changes(stored: dict, cfg: TrainConfig) -> dict[str, tuple]:
    """{setting: (stored, now)} where `cfg` (as given, before `builtin:` names are resolved) differs from a run's
    run_config.json in what shapes training. `model` / `data` match when either the resolved path or the name as
    given is the stored one (a moved clone or another cache folder is the same run). Where the run recorded them,
    the data and the quality prompt are compared by content, not by path: a copied or moved file with the same
    bytes is the same run, an edited file at the same path is not."""
    resolved = cfg.resolved()
    changed = changed_settings(stored, resolved)
    for key in ("model", "data"):
        if key in changed and stored.get(f"{key}_given") == getattr(cfg, key):
            del changed[key]
    now = content_facts(resolved)
    for fact, path_field in ((DATA_SHA256, "data"), (QUALITY_PROMPT_USED, "quality_prompt_file")):
        if stored.get(fact) is not None and now[fact] is not None:
            changed.pop(path_field, None)
            if stored[fact] != now[fact]:
                changed[fact] = (stored[fact], now[fact])
    return changed


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 90 else text[:60] + "..." + text[-20:]


def settings_mismatch(cfg: TrainConfig, out_dir: str | Path) -> str | None:
    """Why `cfg` (as given) cannot resume the run in `out_dir`, or None: its run_changes. Only checked where there is
    something to resume from (a complete checkpoint or final/)."""
    out_dir = Path(out_dir)
    if not (out_dir / RUN_CONFIG).is_file() or not (last_checkpoint(out_dir) or final_dir(out_dir).is_dir()):
        return None
    changed = run_changes(read_run_config(out_dir), cfg)
    if not changed:
        return None
    lines = "\n".join(f"  - {k}: {_shown(old)} there, {_shown(new)} now" for k, (old, new) in changed.items())
    return (f"{out_dir} holds a run trained with other settings ({out_dir / RUN_CONFIG}):\n{lines}\n"
            f"Resuming would mix the two. Use another output_dir, or resume: never to train it again from the start.")


RUN_LENGTH = ("max_steps", "num_epochs")


def finished_run(cfg: TrainConfig) -> str | None:
    """For `resume: auto`: a message when output_dir holds a finished run (final/ saved) made with these training
    settings, so there is nothing to do and no file is touched; None otherwise. A finished run asked to run for
    another length (max_steps / num_epochs) is a RunMismatch saying what that would take; other differences are
    left to settings_mismatch."""
    out_dir = Path(cfg.output_dir)
    if not is_trained(final_dir(out_dir)) or not (out_dir / RUN_CONFIG).is_file():
        return None
    changed = run_changes(read_run_config(out_dir), cfg)
    last = last_checkpoint(out_dir)
    at = f"step {checkpoint_step(last)}" if last is not None else "its end"
    if not changed:
        return (f"{out_dir} holds this run, finished at {at} ({final_dir(out_dir)}); nothing to do, no file "
                "changed (--resume never trains it again from the start)")
    if set(changed) <= set(RUN_LENGTH):
        lines = ", ".join(f"{k} {old!r} there, {new!r} now" for k, (old, new) in changed.items())
        raise RunMismatch(
            f"{out_dir} holds a finished run ({lines}); sr-train does not extend a finished run: its schedule "
            f"(warm-up, learning rate) was planned for the old length and its optimizer state is "
            f"{'kept' if last is not None and optimizer_state_files(last) else 'dropped'}. Nothing was changed. "
            f"Use another --output-dir, or --resume never to train the new length from the start")
    return None


def resume_point(cfg: TrainConfig) -> Path | None:
    """The checkpoint to resume from (None: start fresh); an error when its optimizer state was dropped."""
    out_dir = Path(cfg.output_dir)
    resume_from = None
    if cfg.resume == "auto":
        resume_from = last_checkpoint(out_dir)
    elif cfg.resume != "never":
        resume_from = Path(cfg.resume)
    if resume_from is not None and not optimizer_state_files(resume_from):
        finished = final_dir(out_dir).is_dir() and resume_from.resolve() == last_checkpoint(out_dir).resolve()
        if not finished:  # a finished run resumed from its last checkpoint has 0 steps left: no state needed
            raise ResumeError(f"resume {resume_from}: its optimizer state was dropped when the run finished "
                              "(--keep-optimizer-state true keeps it); resume from the last checkpoint, or start "
                              "again with --resume never")
    return resume_from


def truncate_metrics(out_dir: Path, resume_from: Path | None) -> None:
    """Drop logged steps after the checkpoint we resume from (they will be logged again); all of them on a fresh
    start (no rows of an earlier run in its log)."""
    path = out_dir / METRICS
    step = checkpoint_step(resume_from) if resume_from is not None else 0
    if path.exists():
        atomic_write_jsonl(path, [r for r in read_jsonl(path) if r.get("step", 0) <= step])


def drop_optimizer_states(out_dir: Path) -> int:
    """A finished run: delete each checkpoint-N's optimizer state (model weights stay, for evaluation along
    training); returns the bytes freed."""
    freed = 0
    for checkpoint in checkpoint_dirs(out_dir):
        for path in optimizer_state_files(checkpoint):
            files = [path] if path.is_file() else [f for f in path.rglob("*") if f.is_file()]
            freed += sum(f.stat().st_size for f in files)
            path.unlink() if path.is_file() else shutil.rmtree(path)
    return freed


def clear_earlier_run(out_dir: Path) -> None:
    """resume: never in a folder holding an earlier run: its checkpoints and final model go (a later `auto` would
    otherwise resume from them, under this run's run_config.json), and so does its metrics log."""
    final = out_dir / FINAL
    for path in checkpoint_dirs(out_dir) + ([final] if final.is_dir() else []):
        print(f"resume never: removing {path} of an earlier run")
        shutil.rmtree(path)

"""Which runs the science experiment's analysis compares, and where its report goes: the `analysis:` section of
its config (configs/science.yaml). Every run the section names must be one of the config's `methods`: a run is
named in the config, and checked here."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sr_train.artifacts.errors import UserError
from sr_train.artifacts.files import read_yaml_mapping

DEFAULT_CONFIG = "configs/science.yaml"
FAMILY_ROLES = ("sr", "dpo", "naive", "tuned", "sr_ipo", "ipo")
"""sr: Sr-DPO (C1-C3, C6; C4 on its margins); dpo: DPO at the base β (C1, C6; C5 on its margins); naive: the naive
Δ ablation (C3); tuned: DPO at β*, its seeds after the first (C2; the first is β*'s grid run); sr_ipo, ipo: the
secondary Sr-IPO against IPO."""


class DesignError(UserError):
    """The config's analysis section is missing, malformed or names a run the config does not train."""


@dataclass(frozen=True)
class Design:
    """The analysis section, read: run names are the config's, families are `<family>-s<seed>`."""

    readme: str
    seeds: tuple[int, ...]
    families: dict[str, str]
    beta_grid: dict[float, str]
    lambda_grid: dict[float, str]
    prompt_ablation: str
    gold_margins: str
    winrates: tuple[str, ...]
    curves: tuple[str, ...]
    checkpoints: tuple[int, ...]

    def run(self, role: str, seed: int | None = None) -> str:
        """The run of a family (by its role) at `seed` (default: the first seed)."""
        return f"{self.families[role]}-s{self.seeds[0] if seed is None else seed}"

    def runs(self, role: str) -> list[str]:
        """The family's runs, one per seed (the tuned family: the seeds after the first)."""
        seeds = self.seeds[1:] if role == "tuned" else self.seeds
        return [self.run(role, s) for s in seeds]

    def named_runs(self) -> list[str]:
        """Every run the section names (to check against the config's methods)."""
        return [*(r for role in FAMILY_ROLES for r in self.runs(role)), *self.beta_grid.values(),
                *self.lambda_grid.values(), self.prompt_ablation, self.gold_margins, *self.winrates, *self.curves]


def _field(section: dict[str, Any], key: str, kind: type, where: str) -> Any:
    if not isinstance(section.get(key), kind):
        raise DesignError(f"{where}: analysis.{key} must be a {kind.__name__}, got {section.get(key)!r}")
    return section[key]


def _ints(section: dict[str, Any], key: str, where: str) -> tuple[int, ...]:
    values = _field(section, key, list, where)
    if not values or not all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        raise DesignError(f"{where}: analysis.{key} must be a list of whole numbers, got {values!r}")
    return tuple(values)


def _names(section: dict[str, Any], key: str, where: str) -> tuple[str, ...]:
    values = _field(section, key, list, where)
    if not all(isinstance(v, str) for v in values):
        raise DesignError(f"{where}: analysis.{key} must be a list of run names, got {values!r}")
    return tuple(values)


def _grid(section: dict[str, Any], key: str, where: str) -> dict[float, str]:
    grid = _field(section, key, dict, where)
    if not all(isinstance(k, (int, float)) and isinstance(v, str) for k, v in grid.items()):
        raise DesignError(f"{where}: analysis.{key} maps a number to a run name, got {grid!r}")
    return {float(k): v for k, v in grid.items()}


def load_design(path: str | Path = DEFAULT_CONFIG) -> Design:
    """Read and check the config's analysis section (its run names against the config's `methods`)."""
    where = str(path)
    raw = read_yaml_mapping(path, "science config", DesignError)
    section = raw.get("analysis")
    if not isinstance(section, dict):
        raise DesignError(f"{where}: needs an 'analysis:' section, a mapping (which runs each claim compares)")
    families = _field(section, "families", dict, where)
    if sorted(families) != sorted(FAMILY_ROLES):
        raise DesignError(f"{where}: analysis.families names a family for each of {', '.join(FAMILY_ROLES)}, "
                          f"got {', '.join(map(str, families)) or 'none'}")
    design = Design(
        readme=_field(section, "readme", str, where),
        seeds=_ints(section, "seeds", where), families={k: str(v) for k, v in families.items()},
        beta_grid=_grid(section, "beta_grid", where), lambda_grid=_grid(section, "lambda_grid", where),
        prompt_ablation=_field(section, "prompt_ablation", str, where),
        gold_margins=_field(section, "gold_margins", str, where),
        winrates=_names(section, "winrates", where), curves=_names(section, "curves", where),
        checkpoints=_ints(section, "checkpoints", where))
    methods = raw.get("methods") or {}
    if unknown := [r for r in dict.fromkeys(design.named_runs()) if r not in methods]:
        raise DesignError(f"{where}: analysis names run(s) that 'methods' does not train: {', '.join(unknown)}")
    return design

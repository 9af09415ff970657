"""Token and cost ledger for API judges, with a configurable price table ($ per 1M tokens).

A price file is JSON or YAML: `{model: {input: <$ per 1M input tokens>, output: <$ per 1M output tokens>}}`.
A model is priced by its exact name, else by the longest table entry it starts with followed by '-'
(`gpt-4o-mini-2024-07-18` -> `gpt-4o-mini`; `gpt-4.1` is not `gpt-4`). Unpriced models get tokens counted and cost `null`.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

import yaml

from sr_train.artifacts.errors import UserError

# OpenAI list prices in $ per 1M tokens as published in 2024 (check before trusting a bill; override with --prices).
DEFAULT_PRICES: dict[str, dict[str, float]] = {
    "gpt-4": {"input": 30.0, "output": 60.0},
    "gpt-4-32k": {"input": 60.0, "output": 120.0},
    "gpt-4-turbo": {"input": 10.0, "output": 30.0},
    "gpt-4o": {"input": 2.5, "output": 10.0},
    "gpt-4o-mini": {"input": 0.15, "output": 0.6},
    "gpt-3.5-turbo": {"input": 0.5, "output": 1.5},
}


def load_prices(path: str | os.PathLike | None) -> dict[str, dict[str, float]]:
    """The default table, updated by the entries of a JSON/YAML price file when given."""
    prices = {k: dict(v) for k, v in DEFAULT_PRICES.items()}
    if path is None:
        return prices
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    if path.suffix in (".yaml", ".yml"):
        try:
            table = yaml.safe_load(text)
        except yaml.YAMLError as e:
            raise UserError(f"{path}: not valid YAML ({e})") from e
    else:
        try:
            table = json.loads(text)
        except json.JSONDecodeError as e:
            raise UserError(f"{path}:{e.lineno}: not valid JSON ({e.msg})") from None
    if not isinstance(table, dict):
        raise UserError(f"{path}: a price table must map model names to {{input, output}}")
    for model, entry in table.items():
        if not isinstance(entry, dict) or set(entry) != {"input", "output"} or not all(
            isinstance(entry[k], int | float) and not isinstance(entry[k], bool) and entry[k] >= 0
            for k in ("input", "output")
        ):
            raise UserError(f"{path}: entry {model!r} must be {{input: $/1M tokens, output: $/1M tokens}}, "
                             f"got {entry!r}")
        prices[str(model)] = {"input": float(entry["input"]), "output": float(entry["output"])}
    return prices


def price_for(model: str, prices: dict[str, dict[str, float]]) -> dict[str, float] | None:
    if model in prices:
        return prices[model]
    matches = [k for k in prices if model.startswith(k + "-")]  # a dated or variant name: gpt-4-0613, not gpt-4.1
    return prices[max(matches, key=len)] if matches else None


@dataclass
class Ledger:
    model: str
    prices: dict[str, dict[str, float]] = field(default_factory=lambda: load_prices(None), repr=False)
    calls: int = 0
    """Completed API calls made by this run (each one billed)."""
    cached_calls: int = 0
    """Calls answered from the cache (free)."""
    failed_attempts: int = 0
    """Attempts that ended in 429 / 5xx / timeout / connection errors and were retried or given up."""
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_prompt_tokens: int = 0
    cached_completion_tokens: int = 0

    def add(self, prompt_tokens: int, completion_tokens: int, cached: bool) -> None:
        if cached:
            self.cached_calls += 1
            self.cached_prompt_tokens += prompt_tokens
            self.cached_completion_tokens += completion_tokens
        else:
            self.calls += 1
            self.prompt_tokens += prompt_tokens
            self.completion_tokens += completion_tokens

    def _cost(self, inp: int, out: int) -> float | None:
        price = price_for(self.model, self.prices)
        return None if price is None else (inp * price["input"] + out * price["output"]) / 1e6

    @property
    def cost_usd(self) -> float | None:
        return self._cost(self.prompt_tokens, self.completion_tokens)

    @property
    def saved_usd(self) -> float | None:
        return self._cost(self.cached_prompt_tokens, self.cached_completion_tokens)

    def as_dict(self) -> dict:
        out = {k: v for k, v in asdict(self).items() if k != "prices"}
        out.update(price_per_1m=price_for(self.model, self.prices), cost_usd=self.cost_usd, saved_usd=self.saved_usd)
        return out

    def summary_line(self) -> str:
        cost = "unpriced model" if self.cost_usd is None else f"${self.cost_usd:.4f}"
        saved = "" if self.saved_usd is None else f" (${self.saved_usd:.4f} saved)"
        return (f"judge {self.model}: {self.calls} calls, {self.prompt_tokens} in / {self.completion_tokens} out "
                f"tokens, {cost}; {self.cached_calls} cached calls{saved}; {self.failed_attempts} failed attempts")

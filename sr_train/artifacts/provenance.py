"""Provenance stamped on every stored output: installed package versions and a UTC timestamp."""

from __future__ import annotations

import datetime as _dt
from importlib.metadata import PackageNotFoundError, version

DEFAULT_PACKAGES = ("sr-align", "torch", "transformers", "trl", "lm-eval", "datasets", "openai")


def now_iso() -> str:
    return _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat()


def package_versions(*names: str) -> dict[str, str]:
    """Installed versions of the named distributions (those not installed are left out)."""
    out = {}
    for name in names or DEFAULT_PACKAGES:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            pass
    return out

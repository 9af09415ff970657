"""The one check that a stored output was made with the current settings.

Every stage that keeps an output (a training run, a leaderboard task, an answers file, a judged pair) stores the
settings that shaped it beside it and, before re-using it, asks `differing(stored, current, keys)`.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from typing import Any

ALL = "all"
"""`added_later=ALL`: any key missing from the stored settings is not checked."""


def differing(stored: Mapping[str, Any], current: Mapping[str, Any], keys: Iterable[str] | None = None,
              added_later: Collection[str] | str = (), before: Mapping[str, Any] | None = None,
              ) -> dict[str, tuple[Any, Any]]:
    """{key: (stored value, current value)} for each of `keys` (default: every key of `current`) whose values
    differ. A key missing from `stored` reads as `before[key]` when `before` has it (a setting recorded only by
    later versions, whose value every earlier output had), else as None, except a key in `added_later` (settings
    recorded only by later versions, value unknown; `ALL` for every key), which then counts as equal."""
    stored = {**(before or {}), **stored}
    out = {}
    for key in current if keys is None else keys:
        if key not in stored and (added_later == ALL or key in added_later):
            continue
        if stored.get(key) != current[key]:
            out[key] = (stored.get(key), current[key])
    return out

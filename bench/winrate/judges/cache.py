"""SQLite cache of judge calls: a re-run with the same judge, prompt version, settings and texts costs nothing.

The key is a SHA-256 of the judge model, prompt version, decoding settings, the exact messages sent
(which hold the question and answer texts in their shown order) and the order tag. Each finished
call is committed at once, so a killed run keeps what it paid for.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sr_train.artifacts.assets import cache_dir

CACHE_FILE = "judge-cache.sqlite"


def default_cache() -> Path:
    """The judge cache in the user cache folder (sr_train.artifacts.assets.cache_dir)."""
    return cache_dir() / CACHE_FILE


OPENAI_DEFAULT_URL = "https://api.openai.com/v1"


def endpoint_id(url: str) -> str:
    """scheme://host[:port]/path of `url`, lower-cased host, no trailing slash; user, password, query dropped."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "") + (f":{parts.port}" if parts.port else "")
    return f"{parts.scheme.lower()}://{host.lower()}{parts.path.rstrip('/')}"


def cache_key(model: str, prompt_version: str, settings: dict[str, Any], messages: list[dict], order: str,
              endpoint: str = OPENAI_DEFAULT_URL) -> str:
    """Key of one judge call. The endpoint enters the key only when it is not OpenAI's own (so caches made
    against api.openai.com before the endpoint was keyed stay valid)."""
    fields = {"model": model, "prompt_version": prompt_version, "settings": settings, "messages": messages,
              "order": order}
    if endpoint != OPENAI_DEFAULT_URL:
        fields["endpoint"] = endpoint
    blob = json.dumps(fields, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


@dataclass
class CachedCall:
    text: str
    prompt_tokens: int
    completion_tokens: int


class JudgeCache:
    """A key -> response store in one SQLite file (WAL mode, safe for several readers)."""

    def __init__(self, path: str | os.PathLike | None = None):
        self.path = Path(path) if path is not None else default_cache()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.conn = sqlite3.connect(self.path)
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute(
            "CREATE TABLE IF NOT EXISTS calls (key TEXT PRIMARY KEY, model TEXT, prompt_version TEXT, "
            "response TEXT, prompt_tokens INTEGER, completion_tokens INTEGER, "
            "created TEXT DEFAULT CURRENT_TIMESTAMP)"
        )
        self.conn.commit()

    def get(self, key: str) -> CachedCall | None:
        row = self.conn.execute(
            "SELECT response, prompt_tokens, completion_tokens FROM calls WHERE key = ?", (key,)
        ).fetchone()
        return None if row is None else CachedCall(row[0], int(row[1] or 0), int(row[2] or 0))

    def put(self, key: str, model: str, prompt_version: str, call: CachedCall) -> None:
        self.conn.execute(
            "INSERT OR REPLACE INTO calls (key, model, prompt_version, response, prompt_tokens, completion_tokens) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (key, model, prompt_version, call.text, call.prompt_tokens, call.completion_tokens),
        )
        self.conn.commit()

    def __len__(self) -> int:
        return int(self.conn.execute("SELECT COUNT(*) FROM calls").fetchone()[0])

    def close(self) -> None:
        self.conn.close()

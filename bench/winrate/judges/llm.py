"""LLM judge behind any OpenAI-compatible chat-completions server (OpenAI's GPT-4, vLLM, ...).

Protocol: each item is judged in both orders (set A shown first, then set B shown first); A wins only
if it wins both, B likewise, otherwise tie (see bench.winrate.stats). Per order:
- the request goes out through `openai.AsyncOpenAI` (key and base URL from OPENAI_API_KEY /
  OPENAI_BASE_URL, never logged or stored), at most `concurrency` at a time;
- 429, 408/409, 5xx, timeouts and connection errors are retried with exponential backoff and jitter
  (Retry-After honoured), at most `max_retries` times; after that the order lands in the error bucket;
  401 / 403 / 404 stop the whole run (wrong key or model: every call would fail the same way);
- a reply without a parseable verdict line gets up to `parse_retries` follow-up requests asking for the
  verdict line alone; if none parses, the order lands in the error bucket;
- every completed call is stored in the SQLite cache, so a re-run makes no calls for it, and its
  tokens go to the ledger (cost from a configurable price table).
"""

from __future__ import annotations

import asyncio
import os
import random
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import openai
from tqdm.auto import tqdm

from bench.winrate.judges.base import JudgedItem, JudgeItem
from bench.winrate.judges.cache import (
    OPENAI_DEFAULT_URL,
    CachedCall,
    JudgeCache,
    cache_key,
    default_cache,
    endpoint_id,
)
from bench.winrate.judges.ledger import Ledger, load_prices
from bench.winrate.judges.prompts import PROMPT_VERSION, REFORMAT, build_messages, parse_verdict
from bench.winrate.stats import ItemOutcome, to_set_verdict

FATAL_STATUS = (401, 403, 404)
OPENAI_HOST = "api.openai.com"


class JudgeAbort(RuntimeError):
    """A failure every call would share (bad key, unknown model, missing settings): stop the run."""


class TransportError(RuntimeError):
    """A call that still failed after its retries."""


@dataclass
class OrderResult:
    """What happened when judging one item in one order."""

    position: str | None = None
    """first / second / tie, or None when the order ended in the error bucket."""
    verdict: str | None = None
    """The same in set terms: A / B / tie."""
    explanation: str | None = None
    error: str | None = None
    attempts: int = 0
    cached: bool = False


class OpenAIJudge:
    """Pairwise LLM judge `openai:<model>`; call `judge(items)` (or `await ajudge(items)`)."""

    order_sensitive = True

    def __init__(
        self, model: str, *, base_url: str | None = None, concurrency: int = 8, max_retries: int = 5,
        parse_retries: int = 2, timeout: float = 120.0, backoff_base: float = 1.0, backoff_max: float = 60.0,
        temperature: float = 0.0, max_tokens: int = 1024, cache_path: str | os.PathLike | None = None,
        prices: str | os.PathLike | dict | None = None, progress: bool = True,
    ):
        if concurrency < 1 or max_retries < 0 or parse_retries < 0:
            raise ValueError("concurrency must be >= 1, max_retries and parse_retries >= 0")
        self.model = model
        self.name = f"openai:{model}"
        self.base_url = base_url
        self.concurrency, self.max_retries, self.parse_retries = concurrency, max_retries, parse_retries
        self.timeout, self.backoff_base, self.backoff_max = timeout, backoff_base, backoff_max
        self.settings = {"temperature": temperature, "max_tokens": max_tokens}
        self.cache_path = Path(cache_path) if cache_path is not None else default_cache()
        # The built-in price table is OpenAI's: other servers (vLLM, a local server) are unpriced unless given one.
        self.prices = (prices if isinstance(prices, dict) else load_prices(prices) if prices is not None
                       else load_prices(None) if self.is_openai else {})
        self.progress = progress
        self.ledger = Ledger(model, self.prices)
        self._rng = random.Random()

    # -- public -------------------------------------------------------------------------------------------
    def judge(self, items: list[JudgeItem]) -> list[JudgedItem]:
        """Judge every item in both orders; blocking wrapper around `ajudge`."""
        return asyncio.run(self.ajudge(items))

    async def ajudge(self, items: list[JudgeItem]) -> list[JudgedItem]:
        self.ledger = Ledger(self.model, self.prices)
        self._cache = JudgeCache(self.cache_path)
        self._inflight: dict[str, asyncio.Future] = {}
        self._sem = asyncio.Semaphore(self.concurrency)
        self._client = self._make_client()
        bar = tqdm(total=len(items), desc=f"judge {self.model}", unit="item", disable=not self.progress)

        async def one(item: JudgeItem) -> JudgedItem:
            done = await self._judge_item(item)
            bar.update(1)
            return done

        tasks = [asyncio.ensure_future(one(it)) for it in items]
        try:
            return list(await asyncio.gather(*tasks))
        except BaseException:  # e.g. JudgeAbort: stop the other requests before closing the client
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            raise
        finally:
            bar.close()
            await self._client.close()
            self._cache.close()

    def info(self) -> dict[str, Any]:
        return {"judge": self.name, "prompt_version": PROMPT_VERSION, "settings": self.settings,
                "concurrency": self.concurrency, "max_retries": self.max_retries,
                "parse_retries": self.parse_retries, "timeout_s": self.timeout, "cache": str(self.cache_path),
                "endpoint": self.endpoint,
                "ledger": self.ledger.as_dict()}

    @property
    def is_openai(self) -> bool:
        """Whether the endpoint is OpenAI's own API (the provider of the built-in price table)."""
        return urlsplit(self.endpoint).hostname == OPENAI_HOST

    @property
    def endpoint(self) -> str:
        """The server asked (scheme, host, port, path; never credentials or query): two servers serving different
        weights under one model name do not share cached verdicts."""
        return endpoint_id(self.base_url or os.environ.get("OPENAI_BASE_URL") or OPENAI_DEFAULT_URL)

    # -- internals ----------------------------------------------------------------------------------------
    def _make_client(self) -> openai.AsyncOpenAI:
        try:
            return openai.AsyncOpenAI(base_url=self.base_url, timeout=self.timeout, max_retries=0)
        except openai.OpenAIError as e:
            raise JudgeAbort(f"cannot build the OpenAI client: {e} (set OPENAI_API_KEY; for a local "
                             "OpenAI-compatible server any non-empty value, plus OPENAI_BASE_URL)") from None

    async def _judge_item(self, item: JudgeItem) -> JudgedItem:
        ab, ba = await asyncio.gather(self._judge_order(item, "ab"), self._judge_order(item, "ba"))
        outcome = ItemOutcome.from_orders(item.question_id, item.turn, ab.verdict, ba.verdict)
        return JudgedItem(item, outcome, {"ab": asdict(ab), "ba": asdict(ba)})

    async def _judge_order(self, item: JudgeItem, order: str) -> OrderResult:
        first, second = (item.answers_a, item.answers_b) if order == "ab" else (item.answers_b, item.answers_a)
        messages, result = build_messages(item.questions, first, second), OrderResult()
        for attempt in range(self.parse_retries + 1):
            result.attempts = attempt + 1
            try:
                text, cached = await self._complete(messages, order)
            except TransportError as e:
                result.error = f"transport: {e}"
                return result
            except openai.APIStatusError as e:  # e.g. 400 (prompt too long): this item only
                result.error = f"request: {type(e).__name__}: {e}"
                return result
            result.cached = cached if attempt == 0 else result.cached and cached
            position = parse_verdict(text)
            if position is not None:
                result.position, result.verdict = position, to_set_verdict(position, order)
                result.explanation = text if attempt == 0 else f"{result.explanation}\n[verdict on follow-up]\n{text}"
                return result
            result.explanation = text if attempt == 0 else result.explanation
            # Ask again for the verdict line alone; the conversation grows, so no retry repeats a request.
            messages = [*messages, {"role": "assistant", "content": text}, {"role": "user", "content": REFORMAT}]
        result.error = f"no parseable verdict after {self.parse_retries + 1} replies"
        return result

    async def _complete(self, messages: list[dict], order: str) -> tuple[str, bool]:
        """The reply text for `messages` and whether it came from the cache (or a twin request in flight)."""
        key = cache_key(self.model, PROMPT_VERSION, self.settings, messages, order, endpoint=self.endpoint)
        hit = self._cache.get(key)
        if hit is not None:
            self.ledger.add(hit.prompt_tokens, hit.completion_tokens, cached=True)
            return hit.text, True
        if key in self._inflight:  # the same request is already on its way: wait for it, pay once
            text = await asyncio.shield(self._inflight[key])
            self.ledger.add(0, 0, cached=True)
            return text, True
        fut = asyncio.get_running_loop().create_future()
        fut.add_done_callback(lambda f: f.cancelled() or f.exception())  # mark errors as seen
        self._inflight[key] = fut
        try:
            call = await self._request(messages)
            self._cache.put(key, self.model, PROMPT_VERSION, call)
            self.ledger.add(call.prompt_tokens, call.completion_tokens, cached=False)
            fut.set_result(call.text)
            return call.text, False
        except BaseException as e:
            fut.set_exception(e if isinstance(e, Exception) else TransportError("cancelled"))
            raise
        finally:
            del self._inflight[key]

    async def _request(self, messages: list[dict]) -> CachedCall:
        last = ""
        for attempt in range(self.max_retries + 1):
            retry_after = None
            try:
                async with self._sem:
                    resp = await self._client.chat.completions.create(
                        model=self.model, messages=messages, temperature=self.settings["temperature"],
                        max_tokens=self.settings["max_tokens"],
                    )
            except (openai.APITimeoutError, openai.APIConnectionError) as e:
                last = f"{type(e).__name__}: {e}"
            except openai.APIStatusError as e:
                status = e.status_code
                if status in FATAL_STATUS:
                    raise JudgeAbort(f"judge {self.name}: HTTP {status} ({type(e).__name__}); check the key, "
                                     "base URL and model name") from None
                if status not in (408, 409, 429) and status < 500:
                    raise
                last = f"HTTP {status}"
                retry_after = _retry_after(e)
            else:
                text = resp.choices[0].message.content if resp.choices else None
                usage = resp.usage
                return CachedCall(text or "", int(getattr(usage, "prompt_tokens", 0) or 0),
                                  int(getattr(usage, "completion_tokens", 0) or 0))
            self.ledger.failed_attempts += 1
            if attempt == self.max_retries:
                break
            await asyncio.sleep(self._backoff(attempt, retry_after))
        raise TransportError(f"gave up after {self.max_retries + 1} attempts (last: {last})")

    def _backoff(self, attempt: int, retry_after: float | None) -> float:
        delay = min(self.backoff_max, self.backoff_base * 2**attempt) * (0.5 + 0.5 * self._rng.random())
        if retry_after is not None:
            delay = max(delay, min(retry_after, self.backoff_max))
        return delay


def _retry_after(error: Exception) -> float | None:
    try:
        value = error.response.headers.get("retry-after")  # type: ignore[attr-defined]
        return float(value) if value is not None else None
    except (AttributeError, ValueError):
        return None

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
  tokens go to the ledger (cost from a configurable price table);
- with `repeats` k > 1 each order is asked k times (repeat r > 1 under its own cache key, so it is a fresh
  call even at temperature 0 on a server that samples) and the median verdict is kept (first = 1, tie = 1/2,
  second = 0; above 1/2 first, below second, else tie); repeats that ended in errors are left out;
- a question's reference answers, when present, are shown to the judge (reference-guided judging).
`SingleGrader` (bench.winrate.judges.grader) grades one reply at a time on 1-10 with the same machinery.
"""

from __future__ import annotations

import asyncio
import os
import random
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from statistics import median
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
from sr_train.artifacts.errors import UserError

FATAL_STATUS = (401, 403, 404)
OPENAI_HOST = "api.openai.com"


class JudgeAbort(UserError):
    """A failure every call would share (bad key, unknown model, missing settings): stop the run."""


class TransportError(RuntimeError):
    """A call that still failed after its retries (internal: it lands in the item's error bucket, never the CLI)."""


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
    repeats: list[str | None] | None = None
    """With repeats > 1: the position verdict of each repeat (None: that repeat ended in the error bucket)."""


@dataclass
class Reply:
    """One question put to the judge (with its follow-ups when the reply did not parse)."""

    value: Any = None
    """The parsed reply (a verdict, a rating), or None."""
    text: str | None = None
    error: str | None = None
    attempts: int = 0
    cached: bool = False


POSITION_SCORE = {"first": 1.0, "tie": 0.5, "second": 0.0}


def median_position(positions: list[str | None]) -> str | None:
    """The median of position verdicts (first = 1, tie = 1/2, second = 0) over those that parsed."""
    got = [POSITION_SCORE[p] for p in positions if p is not None]
    if not got:
        return None
    m = median(got)
    return "first" if m > 0.5 else "second" if m < 0.5 else "tie"


def repeat_tag(tag: str, repeat: int) -> str:
    """Cache tag of repeat `repeat` (0-based): the first keeps the plain tag, so caches made before repeats hold."""
    return tag if repeat == 0 else f"{tag}#r{repeat + 1}"


class OpenAIJudge:
    """Pairwise LLM judge `openai:<model>`; call `judge(items)` (or `await ajudge(items)`)."""

    order_sensitive = True

    def __init__(
        self, model: str, *, base_url: str | None = None, concurrency: int = 8, max_retries: int = 5,
        parse_retries: int = 2, timeout: float = 120.0, backoff_base: float = 1.0, backoff_max: float = 60.0,
        temperature: float = 0.0, max_tokens: int = 1024, cache_path: str | os.PathLike | None = None,
        prices: str | os.PathLike | dict | None = None, progress: bool = True, repeats: int = 1,
    ):
        if concurrency < 1 or max_retries < 0 or parse_retries < 0 or repeats < 1:
            raise UserError("concurrency and repeats must be >= 1, max_retries and parse_retries >= 0")
        self.repeats = repeats
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
        return await self._run(items, self._judge_item)

    async def _run(self, items: list, work: Callable) -> list:
        """`work(item)` for every item, concurrently, with a fresh ledger, the cache open and a client."""
        self.ledger = Ledger(self.model, self.prices)
        self._cache = JudgeCache(self.cache_path)
        self._inflight: dict[str, asyncio.Future] = {}
        self._sem = asyncio.Semaphore(self.concurrency)
        self._client = self._make_client()
        bar = tqdm(total=len(items), desc=f"judge {self.model}", unit="item", disable=not self.progress)

        async def one(item: Any) -> Any:
            done = await work(item)
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
        return {"judge": self.name, "prompt_version": self.prompt_version, "settings": self.settings,
                "repeats": self.repeats, "concurrency": self.concurrency, "max_retries": self.max_retries,
                "parse_retries": self.parse_retries, "timeout_s": self.timeout, "cache": str(self.cache_path),
                "endpoint": self.endpoint,
                "ledger": self.ledger.as_dict()}

    prompt_version = PROMPT_VERSION

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
        messages = build_messages(item.questions, first, second, item.reference)
        replies = await asyncio.gather(*(self._ask(messages, repeat_tag(order, r), parse_verdict, REFORMAT)
                                         for r in range(self.repeats)))
        result = OrderResult(attempts=sum(r.attempts for r in replies), cached=all(r.cached for r in replies))
        result.explanation = replies[0].text
        if self.repeats > 1:
            result.repeats = [r.value for r in replies]
        result.position = median_position([r.value for r in replies])
        if result.position is None:
            errors = sorted({r.error for r in replies if r.error})
            result.error = "; ".join(errors) if self.repeats == 1 else f"all {self.repeats} repeats failed: " + \
                "; ".join(errors)
            return result
        result.verdict = to_set_verdict(result.position, order)
        return result

    async def _ask(self, messages: list[dict], tag: str, parse: Callable[[str], Any], reformat: str) -> Reply:
        """Ask once (cached under `tag`); a reply `parse` cannot read gets up to `parse_retries` follow-ups
        asking for the final line alone; transport / request failures end in `error`."""
        reply = Reply()
        for attempt in range(self.parse_retries + 1):
            reply.attempts = attempt + 1
            try:
                text, cached = await self._complete(messages, tag)
            except TransportError as e:
                reply.error = f"transport: {e}"
                return reply
            except openai.APIStatusError as e:  # e.g. 400 (prompt too long): this item only
                reply.error = f"request: {type(e).__name__}: {e}"
                return reply
            reply.cached = cached if attempt == 0 else reply.cached and cached
            value = parse(text)
            if value is not None:
                reply.value = value
                reply.text = text if attempt == 0 else f"{reply.text}\n[answer on follow-up]\n{text}"
                return reply
            reply.text = text if attempt == 0 else reply.text
            # Ask again for the final line alone; the conversation grows, so no retry repeats a request.
            messages = [*messages, {"role": "assistant", "content": text}, {"role": "user", "content": reformat}]
        reply.error = f"no parseable {'verdict' if reformat == REFORMAT else 'answer'} after " \
                      f"{self.parse_retries + 1} replies"
        return reply

    async def _complete(self, messages: list[dict], order: str) -> tuple[str, bool]:
        """The reply text for `messages` and whether it came from the cache (or a twin request in flight)."""
        key = cache_key(self.model, self.prompt_version, self.settings, messages, order, endpoint=self.endpoint)
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
            self._cache.put(key, self.model, self.prompt_version, call)
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
    headers = getattr(getattr(error, "response", None), "headers", None)
    value = headers.get("retry-after") if headers is not None else None
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:  # an HTTP date, or garbage: back off as usual
        return None

"""A real HTTP server on loopback that speaks the OpenAI chat-completions protocol, for judge tests.

Its verdict is derived from the request: each answer in the test data carries the word GOOD or BAD;
the server reads the markers in the order the prompt shows them and prefers the GOOD answer (tie when
both match). For a two-turn prompt (four markers: reply 1 and 2 of the first conversation, then of the
second) it compares the second replies. Tags in the question text steer it:
- `[bias]`: always answer "Verdict: A" (a judge with position bias);
- `[fault:429]`, `[fault:500]`, `[fault:timeout]`, `[fault:garbage]`: the first request for each
  (prompt, order) fails that way (timeout = no answer before the client gives up), later ones succeed;
- `[fault:400-always]`, `[fault:500-always]`, `[fault:garbage-always]`: every request fails that way.
A prompt asking for `Rating:` (single grading) is answered with a rating of the last reply: 8 for GOOD, 3 for BAD.
When the prompt shows reference answers (`REF=<n>` in the reference text) and the replies state `ANSWER=<n>`,
correctness decides instead of the markers: pairwise, the reply matching the last reference wins (tie when both
or neither match); single, 9 when it matches, 2 when not.
- `[noisy]`: the first request for a prompt gets the wrong answer (the other verdict, or a rating of 1), the
  later ones the right one (a judge whose repeats disagree).
It counts requests, verdicts given, tokens and error responses per prompt (one prompt per item and order),
and the most requests it was serving at once.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

API_KEY = "test-key-123"


class JudgeServer:
    def __init__(self, timeout_sleep: float = 1.0, delay: float = 0.01):
        self.timeout_sleep, self.delay = timeout_sleep, delay
        self.lock = threading.Lock()
        self.requests: Counter = Counter()  # per prompt key, every POST
        self.verdicts: Counter = Counter()  # per prompt key, 200 responses holding a verdict line
        self.faults: Counter = Counter()  # per fault kind served
        self.prompt_tokens = self.completion_tokens = self.ok_responses = 0
        self.in_flight = self.max_in_flight = 0
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    @property
    def total_requests(self) -> int:
        return sum(self.requests.values())

    def __enter__(self) -> JudgeServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    @staticmethod
    def key(prompt: str) -> str:
        return hashlib.sha1(prompt.encode()).hexdigest()

    # -- the judging rule ---------------------------------------------------------------------------------
    @staticmethod
    def is_single(prompt: str) -> bool:
        return "Rating:" in prompt

    @staticmethod
    def rating_for(prompt: str, attempt: int = 0) -> int:
        if "[noisy]" in prompt and attempt == 0:
            return 1
        refs, answers = re.findall(r"\bREF=(\d+)", prompt), re.findall(r"\bANSWER=(\d+)", prompt)
        if refs and answers:
            return 9 if answers[-1] == refs[-1] else 2
        marks = re.findall(r"\b(GOOD|BAD)\b", prompt)
        assert marks, "expected a GOOD / BAD marker"
        return 8 if marks[-1] == "GOOD" else 3

    @staticmethod
    def verdict_for(prompt: str, attempt: int = 0) -> str:
        if "[bias]" in prompt:
            return "A"
        if "[noisy]" in prompt and attempt == 0:
            right = JudgeServer.verdict_for(prompt.replace("[noisy]", ""))
            return {"A": "B", "B": "A", "tie": "A"}[right]
        refs, answers = re.findall(r"\bREF=(\d+)", prompt), re.findall(r"\bANSWER=(\d+)", prompt)
        if refs and answers:
            a, b = (answers[1], answers[3]) if len(answers) == 4 else answers
            ok_a, ok_b = a == refs[-1], b == refs[-1]
            return "tie" if ok_a == ok_b else ("A" if ok_a else "B")
        marks = re.findall(r"\b(GOOD|BAD)\b", prompt)
        if len(marks) == 4:
            marks = [marks[1], marks[3]]
        assert len(marks) == 2, f"expected 2 or 4 markers, got {marks}"
        first, second = marks
        return "tie" if first == second else ("A" if first == "GOOD" else "B")

    def _plan(self, prompt: str, attempt: int) -> str:
        for kind in ("400-always", "500-always", "garbage-always"):
            if f"[fault:{kind}]" in prompt:
                return kind.removesuffix("-always")
        for kind in ("429", "500", "timeout", "garbage"):
            if f"[fault:{kind}]" in prompt and attempt == 0:
                return kind
        return "ok"

    def _handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # keep test output clean
                pass

            def _send(self, status: int, body: dict, headers: dict | None = None) -> None:
                data = json.dumps(body).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    for k, v in (headers or {}).items():
                        self.send_header(k, v)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout)

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                if self.headers.get("Authorization") != f"Bearer {API_KEY}":
                    return self._send(401, {"error": {"message": "bad key", "type": "invalid_request_error"}})
                if not self.path.endswith("/chat/completions"):
                    return self._send(404, {"error": {"message": f"no route {self.path}"}})
                messages = body["messages"]
                prompt = next(m["content"] for m in messages if m["role"] == "user")
                follow_up = len(messages) > 2
                key = server.key(prompt)
                with server.lock:
                    attempt = server.requests[key]
                    server.requests[key] += 1
                    server.in_flight += 1
                    server.max_in_flight = max(server.max_in_flight, server.in_flight)
                try:
                    plan = server._plan(prompt, attempt)
                    if plan != "ok":
                        with server.lock:
                            server.faults[plan] += 1
                    if plan == "429":
                        return self._send(429, {"error": {"message": "slow down", "type": "rate_limit"}},
                                          {"Retry-After": "0"})
                    if plan == "400":
                        return self._send(400, {"error": {"message": "prompt too long", "type": "invalid_request"}})
                    if plan == "500":
                        return self._send(500, {"error": {"message": "boom", "type": "server_error"}})
                    if plan == "timeout":
                        with server.lock:  # the client gives up while we sleep: not in flight for it
                            server.in_flight -= 1
                        time.sleep(server.timeout_sleep)
                        with server.lock:
                            server.in_flight += 1
                        return self._send(500, {"error": {"message": "too late"}})
                    time.sleep(server.delay)  # long enough for requests to overlap
                    if plan == "garbage":
                        text = "Both replies have merits. Verdict: maybe the first one?"
                    elif server.is_single(prompt):
                        r = server.rating_for(prompt, attempt)
                        text = f"Rating: {r}" if follow_up else f"The reply is marked.\nRating: {r}"
                        with server.lock:
                            server.verdicts[key] += 1
                    else:
                        v = server.verdict_for(prompt, attempt)
                        text = f"Verdict: {v}" if follow_up else f"One reply is marked better.\nVerdict: {v}"
                        with server.lock:
                            server.verdicts[key] += 1
                    usage = {"prompt_tokens": sum(len(m["content"].split()) for m in messages),
                             "completion_tokens": len(text.split())}
                    usage["total_tokens"] = usage["prompt_tokens"] + usage["completion_tokens"]
                    with server.lock:
                        server.ok_responses += 1
                        server.prompt_tokens += usage["prompt_tokens"]
                        server.completion_tokens += usage["completion_tokens"]
                    self._send(200, {
                        "id": f"chatcmpl-{key[:8]}-{attempt}", "object": "chat.completion", "created": int(time.time()),
                        "model": body["model"], "usage": usage,
                        "choices": [{"index": 0, "finish_reason": "stop",
                                     "message": {"role": "assistant", "content": text}}],
                    })
                finally:
                    with server.lock:
                        server.in_flight -= 1

        return Handler


@pytest.fixture()
def server(monkeypatch):
    """A running JudgeServer with the OpenAI client's environment pointed at it (the judge tests' fixture)."""
    with JudgeServer(timeout_sleep=1.0) as srv:
        monkeypatch.setenv("OPENAI_API_KEY", API_KEY)
        monkeypatch.setenv("OPENAI_BASE_URL", srv.url)
        yield srv

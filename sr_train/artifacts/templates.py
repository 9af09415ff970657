"""The plain (HH-RLHF) text form of a conversation, shared by training (sr_train.pairs) and answer generation
(bench.winrate.generate), so a model trained on it is asked exactly as it was trained.

A prompt is '\\n\\nHuman: <user>\\n\\nAssistant: <reply>...\\n\\nHuman: <user>\\n\\nAssistant:' (tokenised with the
tokenizer's own special tokens, e.g. a BOS); a response is ' <reply>' + EOS. A model trained on it may run on
into the next '\\n\\nHuman:' instead of ending with EOS: generation stops there and cuts it (PLAIN_STOP).
"""

from __future__ import annotations

PLAIN_NAMES = {"user": "Human", "assistant": "Assistant", "system": "System"}
PLAIN_STOP = "\n\nHuman:"
"""Where a plain-template answer ends when the model does not emit EOS: the next human turn."""


def render_plain(messages: list[dict]) -> str:
    """HH-RLHF text form of a prompt, ending with '\\n\\nAssistant:'."""
    return "".join(f"\n\n{PLAIN_NAMES.get(m['role'], m['role'])}: {m['content']}" for m in messages) + "\n\nAssistant:"

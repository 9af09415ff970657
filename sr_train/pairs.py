"""Tokenise normalised pairs into the x view and, for Sr-*, the p+x view.

Rendering: with a chat template (TRL's convention) the prompt is the template with the generation prompt, and a
response's tokens are what the full conversation adds after the longest prefix shared with the prompt. Without one
('plain'), the HH-RLHF text form '\\n\\nHuman: ...\\n\\nAssistant:' and ' response' + EOS.

Truncation (DPO reference code's rule): if prompt + longer response exceeds max_length, the prompt keeps its last
max_prompt_length tokens; responses then keep their first (max_length - prompt) tokens. A pair whose response is
truncated to nothing is dropped and counted. The p+x view holds the same response tokens; its prompt keeps the
template header and p whole and loses the query tokens the x prompt lost (cut right after p), so it ends with exactly
the x prompt's query tokens.
"""

from __future__ import annotations

__all__ = ["TokenizeSettings", "render_plain", "tokenize_pair", "tokenize_pairs", "truncate", "use_chat_template"]

from dataclasses import dataclass

from tqdm.auto import tqdm
from transformers import PreTrainedTokenizerBase

from sr_train.artifacts.templates import render_plain
from sr_train.data import DataError, DataReport
from sr_train.refine import join_prompt


@dataclass
class TokenizeSettings:
    max_length: int = 512
    max_prompt_length: int = 256
    template: str = "auto"  # auto | chat | plain
    quality_prompt: str | None = None  # set -> build the p+x view
    prompt_join: str = "{p} {x}"


def use_chat_template(tokenizer: PreTrainedTokenizerBase, template: str) -> bool:
    has = bool(getattr(tokenizer, "chat_template", None))
    if template == "chat" and not has:
        raise DataError("template 'chat' but the tokenizer has no chat template; use --template plain")
    return has if template == "auto" else template == "chat"


def common_prefix_length(a: list[int], b: list[int]) -> int:
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n


def _chat_ids(tok: PreTrainedTokenizerBase, messages: list[dict], **kw) -> list[int]:
    return list(tok.apply_chat_template(messages, tokenize=True, return_dict=True, **kw)["input_ids"])


def header_length(tok: PreTrainedTokenizerBase, prompt: list[dict], chat: bool, x_ids: list[int],
                  px_ids: list[int]) -> int:
    """Tokens before the first user turn's content (the template header): the prefix the x and p+x prompts share,
    capped by the prefix x shares with the same prompt whose first user turn is empty (a query that begins like p
    would otherwise lengthen the first)."""
    empty = join_prompt(prompt, "", "")
    e_ids = (_chat_ids(tok, empty, add_generation_prompt=True) if chat
             else tok(render_plain(empty), add_special_tokens=True)["input_ids"])
    return min(common_prefix_length(px_ids, x_ids), common_prefix_length(e_ids, x_ids))


def encode_view(tok: PreTrainedTokenizerBase, prompt: list[dict], chosen: str, rejected: str,
                chat: bool) -> tuple[list[int], list[int], list[int]]:
    """(prompt_ids, chosen_ids, rejected_ids), untruncated."""
    if chat:
        p_ids = _chat_ids(tok, prompt, add_generation_prompt=True)
        c_full = _chat_ids(tok, prompt + [{"role": "assistant", "content": chosen}])
        r_full = _chat_ids(tok, prompt + [{"role": "assistant", "content": rejected}])
        n = min(common_prefix_length(p_ids, c_full), common_prefix_length(p_ids, r_full))
        return p_ids[:n], c_full[n:], r_full[n:]
    p_ids = tok(render_plain(prompt), add_special_tokens=True)["input_ids"]
    eos = [tok.eos_token_id] if tok.eos_token_id is not None else []
    c_ids = tok(" " + chosen, add_special_tokens=False)["input_ids"] + eos
    r_ids = tok(" " + rejected, add_special_tokens=False)["input_ids"] + eos
    return list(p_ids), list(c_ids), list(r_ids)


def truncate(prompt: list[int], chosen: list[int], rejected: list[int], max_length: int,
             max_prompt_length: int) -> tuple[list[int], list[int], list[int]]:
    if len(prompt) + max(len(chosen), len(rejected)) > max_length:
        prompt = prompt[-max_prompt_length:]
    budget = max_length - len(prompt)
    return prompt, chosen[:budget], rejected[:budget]


def tokenize_pair(tok: PreTrainedTokenizerBase, pair: dict, s: TokenizeSettings, chat: bool) -> dict:
    """Token ids of one pair's views; raises DataError when a response is truncated to nothing."""
    p_full, c_full, r_full = encode_view(tok, pair["prompt"], pair["chosen"], pair["rejected"], chat)
    prompt, chosen, rejected = truncate(p_full, c_full, r_full, s.max_length, s.max_prompt_length)
    if not chosen or not rejected:
        raise DataError("response truncated to nothing (prompt fills max_length)")
    out = {"prompt_ids": prompt, "chosen_ids": chosen, "rejected_ids": rejected, "row": pair["row"],
           "at": pair.get("at", pair["row"]), "score_chosen": pair.get("score_chosen"), "score_rejected": pair.get("score_rejected"),
           "truncated": (len(prompt) < len(p_full), len(chosen) < len(c_full) or len(rejected) < len(r_full))}
    if pair.get("weight") is not None:
        out["weight"] = pair["weight"]
    if pair.get("uncertainty") is not None:
        out["uncertainty"] = pair["uncertainty"]
    if s.quality_prompt is not None:
        aug_msgs = join_prompt(pair["prompt"], s.quality_prompt, s.prompt_join)
        a_full, ac_full, ar_full = encode_view(tok, aug_msgs, pair["chosen"], pair["rejected"], chat)
        cut = len(p_full) - len(prompt)  # the x view lost its first `cut` tokens: header H, then query tokens
        if cut:
            header = header_length(tok, pair["prompt"], chat, p_full, a_full)
            head = header + (len(a_full) - len(p_full))  # H and p
            a_full = a_full[:head] + a_full[head + max(0, cut - header):]  # the query tokens the x view lost
        out.update(aug_prompt_ids=a_full, aug_chosen_ids=ac_full[: len(chosen)],
                   aug_rejected_ids=ar_full[: len(rejected)])
    return out


def tokenize_pairs(tok: PreTrainedTokenizerBase, pairs: list[dict], s: TokenizeSettings,
                   report: DataReport | None = None, progress: bool = True) -> list[dict]:
    """Tokenise all pairs; pairs that truncate away are dropped and counted in `report`, and so are (in
    report.truncated_*) the kept pairs whose prompt or responses were cut."""
    chat = use_chat_template(tok, s.template)
    out = []
    for pair in tqdm(pairs, desc="tokenising pairs", disable=not progress, leave=False):
        try:
            example = tokenize_pair(tok, pair, s, chat)
        except DataError as e:
            if report is None:
                raise DataError(f"row {pair['row']}: {e}") from None
            report.skip(str(e), pair.get("at", pair["row"]))
            continue
        prompt_cut, response_cut = example.pop("truncated")
        if report is not None:
            report.truncated_prompts += prompt_cut
            report.truncated_responses += response_cut
        out.append(example)
    if report is not None:
        report.rows_kept = len(out)
    if not out:
        raise DataError("no pair left after tokenisation and truncation" + (
            f" ({report.summary()})" if report is not None else ""))
    return out

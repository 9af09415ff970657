"""Tokenised pairs: truncation rules, and the p+x view (same responses, p inside the first user turn)."""

import pytest
from tiny import tiny_tokenizer

from sr_train.pairs import TokenizeSettings, render_plain, tokenize_pair, truncate
from sr_train.refine import QUALITY_PROMPT, join_prompt

PAIR = {"prompt": [{"role": "user", "content": "What is two plus three ?"}], "chosen": "Two plus three is five .",
        "rejected": "It is six .", "row": 0}


def test_truncate_keeps_prompt_end_and_response_start():
    prompt, chosen, rejected = list(range(100)), list(range(1000, 1050)), list(range(2000, 2010))
    p, c, r = truncate(prompt, chosen, rejected, max_length=80, max_prompt_length=40)
    assert p == prompt[-40:] and c == chosen[:40] and r == rejected
    assert truncate(prompt[:10], chosen[:5], rejected[:5], 80, 40) == (prompt[:10], chosen[:5], rejected[:5])


def test_join_prompt_default_rule():
    msgs = [{"role": "system", "content": "Be nice."}, {"role": "user", "content": "Hi there"}]
    joined = join_prompt(msgs, QUALITY_PROMPT)
    assert joined[0] == msgs[0] and joined[1]["content"] == QUALITY_PROMPT + " Hi there"
    assert msgs[1]["content"] == "Hi there"  # input untouched
    assert join_prompt(msgs, "P", "{p}\n\n{x}")[1]["content"] == "P\n\nHi there"


def test_aug_view_shares_responses_and_contains_p():
    tok = tiny_tokenizer()
    ex = tokenize_pair(tok, PAIR, TokenizeSettings(quality_prompt=QUALITY_PROMPT), chat=True)
    assert ex["aug_chosen_ids"] == ex["chosen_ids"] and ex["aug_rejected_ids"] == ex["rejected_ids"]
    p_ids = tok(QUALITY_PROMPT, add_special_tokens=False)["input_ids"]
    assert len(ex["aug_prompt_ids"]) == len(ex["prompt_ids"]) + len(p_ids)
    text = tok.decode(ex["aug_prompt_ids"])
    assert "usefulness rating of 100 out of 100" in text and text.index("Query") < text.index("What is two")
    assert ex["chosen_ids"][-1] == tok.convert_tokens_to_ids("<|im_end|>")


def test_aug_view_cut_after_p_when_prompt_truncated():
    tok = tiny_tokenizer()
    long = {**PAIR, "prompt": [{"role": "user", "content": " ".join(["What is two plus three ?"] * 10)}]}
    s = TokenizeSettings(max_length=40, max_prompt_length=20, quality_prompt=QUALITY_PROMPT)
    ex = tokenize_pair(tok, long, s, chat=True)
    p_len = len(tok(QUALITY_PROMPT, add_special_tokens=False)["input_ids"])
    full = tokenize_pair(tok, long, TokenizeSettings(max_length=400, max_prompt_length=300,
                                                     quality_prompt=QUALITY_PROMPT), chat=True)
    header = next(i for i, (a, b) in enumerate(zip(full["prompt_ids"], full["aug_prompt_ids"])) if a != b)
    assert header > 0 and len(ex["prompt_ids"]) == 20
    # the p+x prompt: the template header and p whole, then exactly the x prompt's (truncated) tokens
    assert ex["aug_prompt_ids"] == full["aug_prompt_ids"][:header + p_len] + ex["prompt_ids"]
    assert "usefulness" in tok.decode(ex["aug_prompt_ids"][header: header + p_len + 3])


@pytest.mark.parametrize("chat", [True, False])
def test_aug_view_cut_after_p_when_the_query_begins_like_p(chat):
    """x's first words equal p's: the template header is still found where the first user turn's content starts."""
    tok = tiny_tokenizer()
    query = "Please generate a response with a usefulness rating . " + " ".join(["What is two plus three ?"] * 10)
    long = {**PAIR, "prompt": [{"role": "user", "content": query}]}
    s = TokenizeSettings(max_length=40, max_prompt_length=20, quality_prompt=QUALITY_PROMPT)
    ex = tokenize_pair(tok, long, s, chat=chat)
    big = TokenizeSettings(max_length=400, max_prompt_length=300, quality_prompt=QUALITY_PROMPT)
    unlike = tokenize_pair(tok, {**PAIR, "prompt": [{"role": "user", "content": "What"}]}, big, chat=chat)
    header = next(i for i, (a, b) in enumerate(zip(unlike["prompt_ids"], unlike["aug_prompt_ids"])) if a != b)
    p_len = len(unlike["aug_prompt_ids"]) - len(unlike["prompt_ids"])
    assert header > 0 and p_len > 0 and len(ex["prompt_ids"]) == 20
    # the template header and p whole, then exactly the x prompt's (truncated) tokens
    assert ex["aug_prompt_ids"] == unlike["aug_prompt_ids"][:header + p_len] + ex["prompt_ids"]


def test_plain_template_renders_hh_form():
    tok = tiny_tokenizer()
    text = render_plain([{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"},
                         {"role": "user", "content": "Bye"}])
    assert text == "\n\nHuman: Hi\n\nAssistant: Hello\n\nHuman: Bye\n\nAssistant:"
    ex = tokenize_pair(tok, PAIR, TokenizeSettings(template="plain"), chat=False)
    assert tok.decode(ex["prompt_ids"]).endswith("Assistant :")
    assert ex["chosen_ids"][-1] == tok.eos_token_id

"""Loading and normalising preference data: three row shapes, four file formats, bad rows named or counted."""

import json

import pytest
from datasets import Dataset
from tiny import PAIRS, tiny_tokenizer

from sr_train.data import DataError, load_pairs, normalise_row
from sr_train.pairs import TokenizeSettings, tokenize_pairs

HH = {"chosen": "\n\nHuman: Hi\n\nAssistant: Hello!\n\nHuman: Tips for sleep?\n\nAssistant: Keep a schedule.",
      "rejected": "\n\nHuman: Hi\n\nAssistant: Hello!\n\nHuman: Tips for sleep?\n\nAssistant: No."}
UF = {"prompt": "Tips for sleep?",
      "chosen": [{"role": "user", "content": "Tips for sleep?"}, {"role": "assistant", "content": "Keep a schedule."}],
      "rejected": [{"role": "user", "content": "Tips for sleep?"}, {"role": "assistant", "content": "No."}],
      "score_chosen": 8.0, "score_rejected": 3.0}


def test_three_shapes_normalise_alike():
    hh, uf = normalise_row(HH), normalise_row(UF)
    flat = normalise_row({"prompt": "Tips for sleep?", "chosen": "Keep a schedule.", "rejected": "No."})
    assert hh["prompt"] == [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"},
                            {"role": "user", "content": "Tips for sleep?"}]
    assert (hh["chosen"], hh["rejected"]) == ("Keep a schedule.", "No.")
    assert uf["prompt"] == flat["prompt"] == [{"role": "user", "content": "Tips for sleep?"}]
    assert (uf["chosen"], uf["rejected"]) == (flat["chosen"], flat["rejected"])
    assert (uf["score_chosen"], uf["score_rejected"]) == (8.0, 3.0) and flat["score_chosen"] is None


@pytest.mark.parametrize("fmt", ["json", "jsonl", "parquet", "arrow", "folder"])
def test_local_formats(tmp_path, fmt):
    ds = Dataset.from_list([{"prompt": p["prompt"], "chosen": p["chosen"], "rejected": p["rejected"]} for p in PAIRS])
    path = tmp_path / f"pairs.{fmt}"
    if fmt == "json":
        path.write_text(json.dumps(ds.to_list()))
    elif fmt == "jsonl":
        ds.to_json(path, lines=True)
    elif fmt == "parquet":
        ds.to_parquet(path)
    elif fmt == "arrow":
        ds.save_to_disk(tmp_path / "saved")
        path = next((tmp_path / "saved").glob("*.arrow"))
    else:
        ds.save_to_disk(path)
    pairs, report = load_pairs(str(path))
    assert [p["chosen"] for p in pairs] == [p["chosen"] for p in PAIRS]
    assert report.rows_kept == report.rows_read == len(PAIRS)


BAD = [
    ({"prompt": "q", "rejected": "b"}, "missing key 'chosen'"),
    ({"prompt": "q", "chosen": "   ", "rejected": "b"}, "empty chosen response"),
    ({"prompt": "q", "chosen": "same", "rejected": "same"}, "identical chosen and rejected"),
    ({"prompt": "q", "chosen": 5, "rejected": "b"}, "chosen response must be a string"),
    ({"prompt": "q", "chosen": "a", "rejected": "b", "score_chosen": "high"}, "score_chosen must be a finite number"),
]


@pytest.mark.parametrize("row,message", BAD)
def test_bad_row_error_names_file_and_row(tmp_path, row, message):
    path = tmp_path / "bad.jsonl"
    good = {"prompt": "q", "chosen": "a", "rejected": "b"}
    path.write_text(json.dumps(good) + "\n" + json.dumps({**row}) + "\n")
    # our JSON reader keeps rows as written: the bad row is named by its file line
    with pytest.raises(DataError) as err:
        load_pairs(str(path), on_bad_row="error")
    assert str(err.value).startswith(f"{path}:2: ")
    assert message.split("'")[0].split(" must")[0] in str(err.value)


def test_bad_rows_are_counted_and_reported(tmp_path):
    rows = [{"prompt": "q1", "chosen": "a", "rejected": "b"}, {"prompt": "q2", "chosen": "", "rejected": "b"},
            {"prompt": "q3", "chosen": "x", "rejected": "x"}, {"prompt": "q4", "chosen": "c", "rejected": "d"}]
    path = tmp_path / "mixed.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    pairs, report = load_pairs(str(path))
    assert [p["row"] for p in pairs] == [0, 3] and [p["at"] for p in pairs] == [1, 4]  # 0-based row, file line
    d = report.to_dict()
    assert d["rows_read"] == 4 and d["rows_kept"] == 2 and d["skipped_total"] == 2
    assert d["skipped"] == {"empty chosen response": 1, "identical chosen and rejected responses": 1}
    assert d["skipped_examples"]["empty chosen response"] == [2] and d["skipped_examples_unit"] == "line"


def test_no_usable_rows_is_an_error(tmp_path):
    path = tmp_path / "all-bad.jsonl"
    path.write_text(json.dumps({"prompt": "q", "chosen": "x", "rejected": "x"}) + "\n")
    with pytest.raises(DataError, match="no usable rows"):
        load_pairs(str(path))


def test_truncated_away_pairs_are_dropped_and_counted():
    tok = tiny_tokenizer()
    long_prompt = " ".join(["What is two plus three ?"] * 40)
    pairs = [{"prompt": [{"role": "user", "content": p}], "chosen": "Two plus three is five .",
              "rejected": "It is six .", "row": i} for i, p in enumerate(["What is two plus three ?", long_prompt])]
    from sr_train.data import DataReport

    report = DataReport("mem")
    # max_prompt_length is as long as max_length allows; the long prompt leaves no room for a response.
    out = tokenize_pairs(tok, pairs, TokenizeSettings(max_length=60, max_prompt_length=60), report, progress=False)
    assert [e["row"] for e in out] == [0]
    assert report.skipped == {"response truncated to nothing (prompt fills max_length)": 1}
    with pytest.raises(DataError, match="row 1: response truncated to nothing"):
        tokenize_pairs(tok, pairs, TokenizeSettings(max_length=60, max_prompt_length=60), progress=False)


def test_hub_id_offline_fails_clearly(monkeypatch):
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(Exception, match="Couldn't reach 'someorg/some-prefs'"):
        load_pairs("someorg/some-prefs")


def test_weight_column_is_read_checked_and_normalised():
    from sr_train.data import normalise_weights

    flat = {"prompt": "Tips for sleep?", "chosen": "Keep a schedule.", "rejected": "No."}
    assert normalise_row({**flat, "weight": 2})["weight"] == 2.0 and "weight" not in normalise_row(flat)
    for bad in (-1, float("nan"), "2", True):
        with pytest.raises(DataError, match="weight must be a finite number >= 0"):
            normalise_row({**flat, "weight": bad})
    examples = [{"weight": 3.0}, {}, {"weight": 0.0}, {"weight": 4.0}]
    summary = normalise_weights(examples, "d.jsonl")
    assert [e["weight"] for e in examples] == [1.5, 0.5, 0.0, 2.0]
    assert summary["rows_with_weight"] == 3 and summary["raw_mean"] == 2.0
    assert normalise_weights([{}, {}], "d.jsonl") is None
    with pytest.raises(DataError, match="every pair's weight is 0"):
        normalise_weights([{"weight": 0.0}], "d.jsonl")

"""Record schema: validation errors name file and line; folders skip training logs; atomic writes."""

import json

import pytest

from bench.records import RecordError, load_records, make_record, write_records


def test_make_and_load_roundtrip(tmp_path):
    recs = [make_record("exp", "run1", "arc", "acc_norm", 0.61, unit="fraction", method="dpo", seed=1, n=100),
            make_record("exp", "run1", "arc", "acc_norm", 61.0, unit="percent", source="Table 3 (v1)")]
    write_records(tmp_path / "r.jsonl", recs)
    assert load_records(tmp_path) == recs
    assert not list(tmp_path.glob(".*.tmp"))


@pytest.mark.parametrize("bad,message", [
    ({"run": "r", "task": "t", "metric": "m", "value": 1.0}, "missing required field 'experiment'"),
    ({"experiment": "e", "run": "r", "task": "t", "metric": "m", "value": "high"}, "field 'value' must be"),
    ({"experiment": "e", "run": "r", "task": "t", "metric": "m", "value": 55.0, "unit": "fraction"},
     "a fraction must lie in [0, 1]"),
    ({"experiment": "e", "run": "r", "task": "t", "metric": "m", "value": 0.5, "colour": "red"},
     "unknown field 'colour'"),
])
def test_bad_records_name_file_and_line(tmp_path, bad, message):
    good = make_record("e", "r", "t", "m", 0.5)
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps(good) + "\n" + json.dumps(bad) + "\n")
    with pytest.raises(RecordError) as err:
        load_records(path)
    assert f"{path}:2" in str(err.value) and message in str(err.value)


def test_folders_skip_training_logs_and_checkpoints(tmp_path):
    write_records(tmp_path / "res" / "a.jsonl", [make_record("e", "r", "t", "m", 0.5)])
    (tmp_path / "res" / "run1").mkdir()
    (tmp_path / "res" / "run1" / "metrics.jsonl").write_text('{"step": 1, "loss": 0.7}\n')
    (tmp_path / "res" / "run1" / "checkpoint-2").mkdir()
    (tmp_path / "res" / "run1" / "checkpoint-2" / "x.jsonl").write_text('{"not": "a record"}\n')
    assert [r["value"] for r in load_records(tmp_path / "res")] == [0.5]
    with pytest.raises(RecordError, match="metrics.jsonl:1: missing required field"):
        load_records(tmp_path / "res" / "run1" / "metrics.jsonl")  # named explicitly: validated, and refused

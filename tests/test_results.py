import pytest

from utils.results import load, record


def test_record_is_silent_without_a_results_file(monkeypatch, capsys):
    monkeypatch.delenv("FACEAPP_RESULTS", raising=False)
    entry = record("acc", 0.9, reference=0.85, unit="%")
    assert entry["value"] == 0.9 and capsys.readouterr().out == ""


def test_record_appends_json_lines_that_load_reads_back(tmp_path, monkeypatch):
    out = tmp_path / "results.jsonl"
    monkeypatch.setenv("FACEAPP_RESULTS", str(out))
    monkeypatch.setenv("FACEAPP_NOTEBOOK", "course1_nn/w3.ipynb")
    record("a", 1, reference="52-56")
    record("b", 2.5, higher_is_better=False)
    rows = load(out)
    assert [r["name"] for r in rows] == ["a", "b"] and rows[0]["source"] == "course1_nn/w3.ipynb"
    assert rows[1]["higher_is_better"] is False and load(tmp_path / "missing.jsonl") == []


def test_record_rejects_nan_and_empty_names():
    with pytest.raises(ValueError, match="finite"):
        record("x", float("nan"))
    with pytest.raises(ValueError, match="non-empty"):
        record("", 1.0)

import io
import json

from socialcare.intelligence.enrich import get_enricher
from socialcare.intelligence.triage import triage_file, triage_stream


def test_invalid_lines_are_reported_and_skipped():
    lines = [
        json.dumps({"id": 1, "text": "Mein Paket ist nicht angekommen", "brand": "acme", "source": "twitter"}),
        "{not json",
        json.dumps({"text": "no id here"}),
        json.dumps({"id": 3}),
        json.dumps(["a", "list"]),
        "",
        json.dumps({"id": "x", "text": "thanks, great service!", "channel": "x"}),
        json.dumps({"id": 4, "text": "ok", "brand": 5}),
    ]
    out, err = io.StringIO(), io.StringIO()
    report = triage_stream(io.StringIO("\n".join(lines) + "\n"), out, err=err, enricher=get_enricher(), progress=False)
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [r["id"] for r in rows] == [1, "x"]
    assert rows[0]["brand"] == "acme" and rows[0]["source"] == "twitter"
    for key in ("language", "sentiment", "actionable", "intent", "pii"):
        assert key in rows[0]
    messages = err.getvalue().splitlines()
    assert [m.split(":")[0] for m in messages] == ["line 2", "line 3", "line 4", "line 5", "line 8"]
    assert report.written == 2 and report.skipped == 5


def test_triage_file_roundtrip(tmp_path):
    src = tmp_path / "in.jsonl"
    dst = tmp_path / "out.jsonl"
    src.write_text(json.dumps({"id": "a", "text": "Ik kan niet inloggen"}) + "\nnonsense\n", encoding="utf-8")
    err = io.StringIO()
    report = triage_file(src, dst, err=err, progress=False)
    assert report.written == 1
    assert "line 2" in err.getvalue()
    assert json.loads(dst.read_text(encoding="utf-8"))["id"] == "a"

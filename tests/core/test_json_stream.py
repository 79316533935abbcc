"""JSON written as produced: the same text as one json.dumps of the whole object."""

import io
import json

from cadence.formats import json_stream
from cadence.formats.json_stream import write_json_lists


def written(lists) -> str:
    out = io.StringIO()
    write_json_lists(out, lists)
    return out.getvalue()


def test_empty_lists():
    assert written({"touches": iter(()), "skipped": []}) == '{"touches": [], "skipped": []}'


def test_items_are_written_as_json_dumps_writes_them():
    items = [{"uid": "a@cadence", "name": "Café «welcome»", "leads": 2.5, "time": None}]
    assert written({"touches": iter(items), "skipped": []}) == (
        '{"touches": [{"uid": "a@cadence", "name": "Café «welcome»", "leads": 2.5, '
        '"time": null}], "skipped": []}'
    )


def test_more_items_than_one_chunk(monkeypatch):
    monkeypatch.setattr(json_stream, "CHUNK", 3)
    items = [{"n": i} for i in range(8)]
    text = written({"touches": (x for x in items), "skipped": [{"n": -1}]})
    assert text == json.dumps({"touches": items, "skipped": [{"n": -1}]}, ensure_ascii=False)
    assert text.startswith('{"touches": [{"n": 0}, {"n": 1}, {"n": 2}, {"n": 3}, ')

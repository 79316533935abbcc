"""JSON output written as it is produced: a large schedule never sits in memory as text.

``write_json_lists(out, {"touches": items, "skipped": more})`` writes exactly what
``json.dumps({"touches": list(items), …}, ensure_ascii=False)`` returns, but takes
the items from iterators a chunk at a time, so the peak memory is one chunk's
text, not the whole document's (``schedule --json`` of 125 k occurrences).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from itertools import islice
from typing import Any, TextIO

#: items encoded together (one call into the C encoder per chunk, not per item)
CHUNK = 2000


def write_json_lists(out: TextIO, lists: Mapping[str, Iterable[Any]]) -> None:
    """Write the object ``{key: [item, …], …}`` to ``out`` (no final newline)."""
    encoder = json.JSONEncoder(ensure_ascii=False)
    out.write("{")
    for n, (key, items) in enumerate(lists.items()):
        out.write(f"{', ' if n else ''}{encoder.encode(key)}: [")
        for i, text in enumerate(_chunks(encoder, iter(items))):
            out.write(f"{', ' if i else ''}{text}")
        out.write("]")
    out.write("}")


def _chunks(encoder: json.JSONEncoder, items: Iterator[Any]) -> Iterator[str]:
    """The items' JSON text, CHUNK items at a time, without the list's brackets."""
    while chunk := list(islice(items, CHUNK)):
        yield encoder.encode(chunk)[1:-1]

"""Benchmark of reading and writing the 40-product plan (~125 k occurrences).

``python -m cadence.bench_io`` prints one JSON object of CPU times (user + sys,
best of a few rounds, in ms), measured in this process:

- ``json_write_ms``: ``dumps_plan`` (plan → JSON text);
- ``json_read_ms``: ``loads_plan`` (JSON text → validated plan);
- ``cadence_save_ms``: ``save_plan_document`` (a whole new .cadence file);
- ``cadence_load_ms``: open the .cadence file and ``load`` it (validated);
- ``shared_rows_ms``: the plan as shared-store rows and back (``plan_objects``,
  ``objects_to_raw``), no database: the conversions alone.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cadence.bench import GUI_PRODUCTS, build_large_plan
from cadence.formats.plan_json import dumps_plan, loads_plan, plan_to_dict
from cadence.store.document import open_document, save_plan_document
from cadence.store.shared.objects import objects_to_raw, plan_objects


def _cpu_ms(fn: Callable[[], Any], runs: int) -> float:
    best = float("inf")
    for _ in range(runs):
        start = time.process_time()
        fn()
        best = min(best, time.process_time() - start)
    return round(best * 1000, 1)


def _shared_rows(data: dict[str, Any]) -> dict[str, Any]:
    objects = plan_objects(data)
    by_kind: dict[str, list[Any]] = {}
    for (kind, _), values in objects.items():
        by_kind.setdefault(kind, []).append(values)
    for kind in ("team", "product", "stage", "touch", "broadcast", "request"):
        by_kind.setdefault(kind, [])
    return objects_to_raw(by_kind, data.get("updated"))


def measure(runs: int = 5) -> dict[str, Any]:
    """The figures, as printed by ``python -m cadence.bench_io``."""
    plan = build_large_plan(GUI_PRODUCTS)
    text = dumps_plan(plan)
    data = plan_to_dict(plan)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.cadence"

        def load() -> None:
            with open_document(path, read_only=True) as doc:
                doc.load()

        save_plan_document(plan, path)
        figures = {
            "json_write_ms": _cpu_ms(lambda: dumps_plan(plan), runs),
            "json_read_ms": _cpu_ms(lambda: loads_plan(text), runs),
            "cadence_save_ms": _cpu_ms(lambda: save_plan_document(plan, path), runs),
            "cadence_load_ms": _cpu_ms(load, runs),
            "shared_rows_ms": _cpu_ms(lambda: _shared_rows(data), runs),
            "touches": plan.touch_count,
            "load_average": round(os.getloadavg()[0], 2),
        }
    return figures


def main() -> int:
    print(json.dumps(measure()))
    return 0


if __name__ == "__main__":
    sys.exit(main())

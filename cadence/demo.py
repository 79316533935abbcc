"""The bundled demo plan (``resources/demo_plan.json``), for the app, the ``demo``
command, the previews and the tests: one loader, read with importlib.resources."""

from __future__ import annotations

from importlib import resources

from cadence.model import Plan


def demo_plan_text() -> str:
    """The bundled demo plan as JSON text."""
    return resources.files("resources").joinpath("demo_plan.json").read_text(encoding="utf-8")


def demo_plan() -> Plan:
    """The bundled demo plan, validated."""
    from cadence.formats.plan_json import loads_plan

    return loads_plan(demo_plan_text(), "demo_plan.json")

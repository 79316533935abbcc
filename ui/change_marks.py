"""Calendar ▸ Mark changes: the What-if comparison drawn on the calendar.

The What-if panel (:mod:`ui.diff_panel`) compares a baseline plan with the open one
(:func:`cadence.plan_diff.diff_plans`) and sends the result here as
:class:`ChangeMarks` on the controller's calendar bus. With "Mark changes" on, the
calendar outlines added and moved entries, says "old → new" in a moved entry's
tooltip, and draws removed entries as ghosts on their old date (the baseline's own
occurrences, faded and dashed).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

from cadence.model import Occurrence
from cadence.plan_diff import EntryChange, PlanDiff

#: outline colours of marked chips (readable on the light and the dark palette)
MARK_COLORS = {"added": "#2e9d4f", "moved": "#d9822b", "removed": "#8a9199"}
#: a glyph before a marked chip's text
MARK_GLYPHS = {"added": "+", "moved": "↷", "removed": "✕"}


@dataclass(frozen=True)
class ChangeMarks:
    """What changed per calendar entry (by UID), and the removed entries by old date."""

    by_uid: Mapping[str, EntryChange] = field(default_factory=dict)
    ghosts: Mapping[date, tuple[Occurrence, ...]] = field(default_factory=dict)
    baseline_name: str = ""

    def change(self, uid: str) -> EntryChange | None:
        return self.by_uid.get(uid)

    def ghosts_on(self, day: date) -> tuple[Occurrence, ...]:
        return self.ghosts.get(day, ())

    @property
    def counts(self) -> dict[str, int]:
        out = {"added": 0, "moved": 0, "removed": 0}
        for e in self.by_uid.values():
            out[e.change] += 1
        return out


def change_marks(
    diff: PlanDiff, baseline_occurrences: Iterable[Occurrence], baseline_name: str
) -> ChangeMarks:
    """The marks of a comparison: each changed entry by UID; removed ones become ghosts
    (the baseline's occurrence with that UID, on its old date)."""
    by_uid = {e.uid: e for e in diff.entries}
    removed = {e.uid for e in diff.entries if e.change == "removed"}
    ghosts: dict[date, list[Occurrence]] = {}
    if removed:
        for o in baseline_occurrences:
            if o.uid in removed:
                ghosts.setdefault(o.date, []).append(o)
    return ChangeMarks(by_uid, {d: tuple(v) for d, v in ghosts.items()}, baseline_name)


def mark_tooltip(change: EntryChange, baseline_name: str) -> str:
    """The line a marked entry's tooltip ends with."""
    if change.change == "moved":
        assert change.old is not None and change.new is not None
        old = f"{change.old:%a %d %b}"
        new = f"{change.new:%a %d %b}"
        if change.old_time != change.new_time:
            old += f" {change.old_time:%H:%M}" if change.old_time else " (all day)"
            new += f" {change.new_time:%H:%M}" if change.new_time else " (all day)"
        return f"Moved: {old} → {new}"
    if change.change == "added":
        return f"Added: not in {baseline_name}"
    assert change.old is not None
    return f"Removed: in {baseline_name} on {change.old:%a %d %b}, not in this plan"

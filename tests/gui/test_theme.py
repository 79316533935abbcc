"""ui.theme: switching the palette."""

from __future__ import annotations

from ui.theme import apply_theme, colors


def test_the_same_colours_again_do_not_restyle_every_widget(qapp, monkeypatch):
    apply_theme(qapp, "light")
    restyled: list[str] = []
    monkeypatch.setattr(qapp, "setStyleSheet", restyled.append)
    apply_theme(qapp, "light")  # e.g. light → system on a light desktop
    assert restyled == []
    apply_theme(qapp, "dark")
    assert len(restyled) == 1
    assert colors().dark
    monkeypatch.undo()
    apply_theme(qapp, "light")
    assert not colors().dark

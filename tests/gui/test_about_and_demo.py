"""The About box names the versions of Cadence, Python and Qt (it once showed the
app's version as Qt's: "Qt 0.1"); a damaged demo file is replaced, never a reason to fail."""

import sys

from ui.main_window import about_text


def test_about_names_the_qt_version_not_the_apps(qapp):
    before = qapp.applicationVersion()
    qapp.setApplicationVersion("0.1")
    try:
        text = about_text()
    finally:
        qapp.setApplicationVersion(before)
    python = sys.version.split()[0]
    assert text.endswith(f"<p>Cadence 0.1 · Python {python} · Qt 6.11.3</p>")


def test_a_damaged_demo_file_is_replaced_by_a_fresh_demo(tmp_path):
    from cadence.store import open_document
    from ui import documents

    damaged = tmp_path / documents.DEMO_NAME
    damaged.write_bytes(b"not a database")
    assert documents.fresh_demo(tmp_path) == damaged
    with open_document(damaged, read_only=True) as doc:
        assert doc.load().name == "Northwind nurture plan 2027"


def test_the_app_copies_the_demo_it_built_once(tmp_path, monkeypatch):
    import cadence.store
    from cadence.demo import demo_plan
    from cadence.store import open_document
    from ui import documents

    monkeypatch.setattr(documents, "demo_template_folder", tmp_path / "cache")
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = documents.fresh_demo(tmp_path / "a")
    templates = sorted(p.name for p in (tmp_path / "cache").iterdir())
    assert len(templates) == 1 and templates[0].startswith("demo-")

    def no_build(*_args: object) -> None:
        raise AssertionError("the demo was built again")

    monkeypatch.setattr(cadence.store, "save_plan_document", no_build)
    second = documents.fresh_demo(tmp_path / "b")
    assert second.read_bytes() == first.read_bytes()
    with open_document(second, read_only=True) as doc:
        assert doc.load() == demo_plan()
    assert not list((tmp_path / "b").glob(".*.partial"))

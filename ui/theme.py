"""Colours, palettes, the stylesheet and icons: the app's visual language in one place.

Team colours come from the plan; everything else (surfaces, text, the single
warning colour) comes from :func:`colors`, which follows the light or dark
palette. Views read colours when they paint, so switching the palette (the
system's scheme, or View ▸ Theme) repaints everything consistently.
"""

from __future__ import annotations

import tempfile
import weakref
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QEvent, QObject, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QPainter, QPalette, QPixmap
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QApplication, QComboBox, QStyle, QWidget

from ui.accessibility import name_widget

WARNING_GLYPH = "⚠"


@dataclass(frozen=True)
class Colors:
    """Named colours of one palette."""

    dark: bool
    window: str
    panel: str  # side panels, headers
    base: str  # tables, map background
    alt_base: str
    text: str
    muted: str  # secondary text, ruler labels
    border: str
    grid: str  # ruler ticks, day grid
    accent: str  # selection, focus
    accent_text: str
    # Gaps, unowned hatch: one warning colour everywhere (the calendar views'
    # ui._cal_common.WARNING_COLOR is the same orange).
    warning: str
    warning_text: str  # readable warning text on base
    warning_bg: str  # error banners, gap bands
    danger: str


LIGHT = Colors(
    dark=False,
    window="#f3f4f6",
    panel="#eceef1",
    base="#ffffff",
    alt_base="#f7f8fa",
    text="#1d232c",
    muted="#5f6877",
    border="#d5d9df",
    grid="#e6e9ed",
    accent="#2f6fde",
    accent_text="#ffffff",
    warning="#d9822b",
    warning_text="#a4560f",
    warning_bg="#fcefe1",
    danger="#c62f3e",
)

DARK = Colors(
    dark=True,
    window="#1c1f24",
    panel="#23272d",
    base="#272b32",
    alt_base="#2c3139",
    text="#e4e7eb",
    muted="#9aa3af",
    border="#3a4049",
    grid="#343a42",
    accent="#5b93f5",
    accent_text="#ffffff",
    warning="#e8954a",
    warning_text="#f0a866",
    warning_bg="#3d2f22",
    danger="#f06a77",
)

_current: Colors = LIGHT
_choice: str = "system"  # "system" | "light" | "dark"


def colors() -> Colors:
    """The colours of the palette in use."""
    return _current


def system_is_dark() -> bool:
    hints = QGuiApplication.styleHints()
    return hints.colorScheme() == Qt.ColorScheme.Dark


def theme_choice() -> str:
    return _choice


def build_palette(c: Colors) -> QPalette:
    pal = QPalette()
    roles = {
        QPalette.ColorRole.Window: c.window,
        QPalette.ColorRole.WindowText: c.text,
        QPalette.ColorRole.Base: c.base,
        QPalette.ColorRole.AlternateBase: c.alt_base,
        QPalette.ColorRole.ToolTipBase: c.base,
        QPalette.ColorRole.ToolTipText: c.text,
        QPalette.ColorRole.PlaceholderText: c.muted,
        QPalette.ColorRole.Text: c.text,
        QPalette.ColorRole.Button: c.panel,
        QPalette.ColorRole.ButtonText: c.text,
        QPalette.ColorRole.BrightText: c.danger,
        QPalette.ColorRole.Highlight: c.accent,
        QPalette.ColorRole.HighlightedText: c.accent_text,
        QPalette.ColorRole.Link: c.accent,
        QPalette.ColorRole.Mid: c.border,
        QPalette.ColorRole.Midlight: c.grid,
        QPalette.ColorRole.Dark: c.border,
        QPalette.ColorRole.Light: c.base,
        QPalette.ColorRole.Shadow: "#000000",
    }
    for role, value in roles.items():
        pal.setColor(role, QColor(value))
    muted = QColor(c.muted)
    for role in (
        QPalette.ColorRole.Text,
        QPalette.ColorRole.WindowText,
        QPalette.ColorRole.ButtonText,
    ):
        pal.setColor(QPalette.ColorGroup.Disabled, role, muted)
    return pal


def _arrow_files(c: Colors) -> dict[str, str]:
    """Chevron images in the palette's muted colour, for the stylesheet's url(…).

    A styled combo box or spin box no longer draws its native arrows, and a
    stylesheet image cannot take the theme's colour: so each palette gets its
    own files, written once into a private temporary folder.
    """
    global _arrow_dir
    if _arrow_dir is None:
        _arrow_dir = Path(tempfile.mkdtemp(prefix="cadence-qss-"))
    out = {}
    for name in ("chevron-down", "chevron-up"):
        path = _arrow_dir / f"{name}-{c.muted.lstrip('#')}.svg"
        if not path.exists():
            path.write_text(_svg_text(name).replace("currentColor", c.muted), encoding="utf-8")
        out[name.replace("-", "_")] = path.as_posix()
    return out


_arrow_dir: Path | None = None


def stylesheet(c: Colors) -> str:
    """resources/app.qss with the palette's colours filled in (@name placeholders)."""
    text = resources.files("resources").joinpath("app.qss").read_text(encoding="utf-8")
    for name, path in _arrow_files(c).items():
        text = text.replace(f"@{name}", path)
    # Longest names first so @alt_base is not eaten by @base.
    for name in sorted(Colors.__dataclass_fields__, key=len, reverse=True):
        value = getattr(c, name)
        if isinstance(value, str):
            text = text.replace(f"@{name}", value)
    return text


def apply_theme(app: QApplication, choice: str | None = None) -> Colors:
    """Use the light or dark palette ("system" follows the desktop's colour scheme)."""
    global _current, _choice
    if choice is not None:
        _choice = choice
    dark = system_is_dark() if _choice == "system" else _choice == "dark"
    _current = DARK if dark else LIGHT
    sheet = stylesheet(_current)
    if app.styleSheet() != sheet:  # the same colours ("system" = light): no re-polish of all
        app.setStyle("Fusion")
        app.setPalette(build_palette(_current))
        app.setStyleSheet(sheet)
    install_popup_fitter(app)
    _icon_cache.clear()
    _refresh_themed_icons()
    return _current


# --- icons -----------------------------------------------------------------------

_icon_cache: dict[tuple[str, str], QIcon] = {}


@cache
def _svg_text(name: str) -> str:
    return resources.files("resources").joinpath("icons", f"{name}.svg").read_text(encoding="utf-8")


def _svg_renderer(name: str, color: str) -> QSvgRenderer:
    """resources/icons/<name>.svg parsed once, its currentColor set to ``color``."""
    svg = _svg_text(name).replace("currentColor", color)
    return QSvgRenderer(QByteArray(svg.encode("utf-8")))


def _render(renderer: QSvgRenderer, size: int, ratio: float) -> QPixmap:
    pix = QPixmap(QSize(round(size * ratio), round(size * ratio)))
    pix.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pix)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter, QRectF(0, 0, pix.width(), pix.height()))
    painter.end()
    pix.setDevicePixelRatio(ratio)
    return pix


def svg_pixmap(name: str, size: int, color: str | None = None, ratio: float = 2.0) -> QPixmap:
    """An icon from resources/icons drawn at ``size`` logical pixels (currentColor = color)."""
    return _render(_svg_renderer(name, color or colors().text), size, ratio)


def screen_ratio() -> float:
    """The highest device pixel ratio of the screens (2.0 on a HiDPI screen, else 1.0)."""
    screens = QGuiApplication.screens()
    return max((s.devicePixelRatio() for s in screens), default=1.0)


ICON_SIZES = (16, 20, 24, 32)


def icon(name: str, color: str | None = None) -> QIcon:
    """A themed icon from resources/icons/<name>.svg (monochrome, in the text colour).

    Drawn at the screens' pixel ratio: a 1× screen needs a quarter of the pixels
    of a 2× one (icons are a good part of the window's first paint).
    """
    c = colors()
    key = (name, color or c.text)
    cached = _icon_cache.get(key)
    if cached is not None:
        return cached
    result = QIcon()
    ratio = screen_ratio()
    for mode, renderer in (
        (QIcon.Mode.Normal, _svg_renderer(name, key[1])),
        (QIcon.Mode.Disabled, _svg_renderer(name, c.muted)),
    ):
        for size in ICON_SIZES:
            result.addPixmap(_render(renderer, size, ratio), mode)
    _icon_cache[key] = result
    return result


_themed: list[tuple[weakref.ref[Any], str]] = []


def themed_icon(target: Any, name: str) -> None:
    """``target.setIcon(icon(name))`` now and again whenever the palette changes."""
    target.setIcon(icon(name))
    _themed.append((weakref.ref(target), name))


def _refresh_themed_icons() -> None:
    alive = []
    for ref, name in _themed:
        target = ref()
        if target is None:
            continue
        try:
            target.setIcon(icon(name))
        except RuntimeError:  # its Qt object is gone
            continue
        alive.append((ref, name))
    _themed[:] = alive


@cache
def app_icon() -> QIcon:
    renderer = _svg_renderer("cadence", colors().text)
    result = QIcon()
    for size in (16, 24, 32, 48, 64, 128, 256):
        result.addPixmap(_render(renderer, size, 1.0))
    return result


# --- team colours ------------------------------------------------------------------


def team_color(plan: object, team_id: str | None) -> QColor:
    """A team's colour from the plan; the warning colour when nobody owns it."""
    team = plan.team(team_id) if team_id is not None else None  # type: ignore[attr-defined]
    if team is None:
        return QColor(colors().warning)
    return QColor(team.color)


def text_on(color: QColor) -> QColor:
    """Black or white, whichever reads better on ``color``."""
    r, g, b = color.redF(), color.greenF(), color.blueF()
    luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b
    return QColor("#1d232c") if luminance > 0.6 else QColor("#ffffff")


def soften(color: QColor, amount: float) -> QColor:
    """``color`` blended towards the base colour (0 = unchanged, 1 = base)."""
    base = QColor(colors().base)
    return QColor.fromRgbF(
        color.redF() + (base.redF() - color.redF()) * amount,
        color.greenF() + (base.greenF() - color.greenF()) * amount,
        color.blueF() + (base.blueF() - color.blueF()) * amount,
    )


def first_window_size(available: QSize, preferred: QSize | None = None) -> QSize:
    """The size of a first window (no saved geometry): the preferred 1360 × 840, or less
    on a smaller screen, leaving room on ``available`` (the screen less its panels) for
    the window frame and title bar."""
    preferred = preferred or QSize(1360, 840)
    return QSize(
        min(preferred.width(), available.width() - 16),
        min(preferred.height(), available.height() - 48),
    )


# --- combo popups ------------------------------------------------------------------


def popup_width(combo: QComboBox) -> int:
    """The width (px) a combo's popup needs to show its longest item unelided."""
    view = combo.view()
    content = view.sizeHintForColumn(0)
    scrollbar = combo.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent)
    return content + scrollbar + 2 * view.frameWidth() + 16


class _Watcher(QObject):
    """One app-wide filter (one Python call per event, so only one): widens every combo
    popup to its longest item ("Sales development", not "Sales d…") and names controls
    for assistive technology as they are first shown (ui.accessibility)."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        kind = event.type()
        if kind == QEvent.Type.Polish:
            if isinstance(watched, QWidget):
                name_widget(watched)
        elif kind == QEvent.Type.Show and isinstance(watched, QWidget):
            if watched.metaObject().className() == "QComboBoxPrivateContainer":
                combo = watched.parent()
                if isinstance(combo, QComboBox):
                    fit_popup(watched, combo)
            else:
                name_widget(watched)
        return False


def fit_popup(container: QWidget, combo: QComboBox) -> None:
    """Widen ``container`` (a combo's popup) to ``popup_width``, kept on the screen."""
    needed = popup_width(combo)
    if container.width() >= needed:
        return
    geometry = container.geometry()
    geometry.setWidth(needed)
    screen = container.screen()
    if screen is not None:
        right = screen.availableGeometry().right()
        if geometry.right() > right:
            geometry.moveRight(right)
    container.setGeometry(geometry)


_watcher: _Watcher | None = None


def install_popup_fitter(app: QApplication) -> None:
    """Widen combo popups and name controls app-wide (once per application)."""
    global _watcher
    if _watcher is None:
        _watcher = _Watcher(app)
        app.installEventFilter(_watcher)

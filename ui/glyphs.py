"""Channel markers: one shape per channel, drawn in the owner team's colour.

The same shapes mark touches on the cycle map, in the tables and in legends,
so a planner learns them once.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPainterPath, QPen, QPixmap


def _polygon(n: int, radius: float, rotation: float = -90.0) -> QPainterPath:
    path = QPainterPath()
    for i in range(n):
        a = math.radians(rotation + i * 360.0 / n)
        p = QPointF(radius * math.cos(a), radius * math.sin(a))
        if i == 0:
            path.moveTo(p)
        else:
            path.lineTo(p)
    path.closeSubpath()
    return path


def _star(radius: float) -> QPainterPath:
    path = QPainterPath()
    for i in range(10):
        r = radius if i % 2 == 0 else radius * 0.48
        a = math.radians(-90 + i * 36)
        p = QPointF(r * math.cos(a), r * math.sin(a))
        if i == 0:
            path.moveTo(p)
        else:
            path.lineTo(p)
    path.closeSubpath()
    return path


def channel_path(channel: str, size: float) -> QPainterPath:
    """The marker of ``channel`` centred on (0, 0), about ``size`` pixels across."""
    r = size / 2
    path = QPainterPath()
    if channel == "email":
        path.addEllipse(QPointF(0, 0), r * 0.92, r * 0.92)
    elif channel == "newsletter":
        path.addRoundedRect(QRectF(-r * 0.82, -r * 0.82, r * 1.64, r * 1.64), r * 0.25, r * 0.25)
    elif channel == "call":
        path = _polygon(4, r * 1.08)
    elif channel == "meeting":
        path = _polygon(3, r * 1.1)
        path.translate(0, r * 0.18)
    elif channel == "event":
        path = _star(r * 1.12)
    elif channel == "content":
        path = _polygon(6, r, rotation=0)
    elif channel == "social":
        path = _polygon(3, r * 1.1, rotation=90)
        path.translate(0, -r * 0.18)
    elif channel == "direct_mail":
        path = _polygon(5, r)
    else:
        w = r * 0.42
        path.addRect(QRectF(-w, -r, 2 * w, 2 * r))
        path.addRect(QRectF(-r, -w, 2 * r, 2 * w))
        path = path.simplified()
    return path


def paint_marker(
    painter: QPainter,
    center: QPointF,
    channel: str,
    size: float,
    fill: QColor,
    outline: QColor | None = None,
) -> None:
    path = channel_path(channel, size).translated(center)
    painter.setBrush(fill)
    if outline is None:
        painter.setPen(Qt.PenStyle.NoPen)
    else:
        painter.setPen(QPen(outline, 1.2))
    painter.drawPath(path)


_icons: dict[tuple[str, str], QIcon] = {}


def channel_icon(channel: str, color: QColor | str) -> QIcon:
    """A small icon of the channel's marker in ``color`` (for tables and combos)."""
    color = QColor(color)
    key = (channel, color.name())
    if key in _icons:
        return _icons[key]
    result = QIcon()
    for size in (16, 20, 24):
        pix = QPixmap(size * 2, size * 2)
        pix.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pix)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        paint_marker(painter, QPointF(size, size), channel, size * 1.25, color)
        painter.end()
        pix.setDevicePixelRatio(2.0)
        result.addPixmap(pix)
    _icons[key] = result
    return result


def swatch_icon(color: QColor | str, hatched: bool = False) -> QIcon:
    """A rounded colour square (team legends, owner combos); hatched = nobody owns it.

    Made once per colour (tables ask for one per cell and repaint).
    """
    color = QColor(color)
    key = ("swatch-hatched" if hatched else "swatch", color.name(QColor.NameFormat.HexArgb))
    if key in _icons:
        return _icons[key]
    result = QIcon()
    for size in (16, 20, 24):
        pix = QPixmap(size * 2, size * 2)
        pix.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pix)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = QRectF(size * 0.3, size * 0.3, size * 1.4, size * 1.4)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(color)
        painter.drawRoundedRect(rect, size * 0.3, size * 0.3)
        if hatched:
            painter.setBrush(Qt.BrushStyle.BDiagPattern)
            painter.setBrush(QColor(0, 0, 0, 110))
            brush = painter.brush()
            brush.setStyle(Qt.BrushStyle.BDiagPattern)
            painter.setBrush(brush)
            painter.drawRoundedRect(rect, size * 0.3, size * 0.3)
        painter.end()
        pix.setDevicePixelRatio(2.0)
        result.addPixmap(pix)
    _icons[key] = result
    return result

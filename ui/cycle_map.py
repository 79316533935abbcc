"""The cycle map: one product's sales cycle as a horizontal timeline.

Stages are bars as wide as their days, in the owner team's colour (an unowned
stage is hatched in the warning colour); each touch has its own lane with a
marker (shape = channel, colour = owner) at its offset and lighter markers for
its repeats; the gaps the engine found for the first cohort are drawn as bands.

Interaction lives in the view, not in the items, because every edit rebuilds
the scene from the plan: dragging a stage's right edge changes its days,
dragging a touch changes its offset (and its stage when dropped on another
one). A drag is one undo step: its edits share a merge id. Ctrl+wheel zooms,
"fit" fits the cycle to the width.

Run ``python -m ui.cycle_map demo`` for a preview of the demo plan's map.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from PySide6.QtCore import QPointF, QRect, QRectF, Qt, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QContextMenuEvent,
    QFont,
    QFontMetricsF,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPen,
    QResizeEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsScene,
    QGraphicsView,
    QMenu,
    QStyle,
    QStyleOptionGraphicsItem,
    QWidget,
)

from cadence.engine import touch_days
from cadence.model import CHANNEL_LABELS, CHANNELS, Gap, Plan, Product, Stage, Touch
from ui import edits
from ui.controller import DocumentController
from ui.glyphs import channel_path, swatch_icon
from ui.tables import hhmm
from ui.theme import WARNING_GLYPH, Colors, colors, soften, team_color, text_on

LEFT = 18.0  # scene x of day 0
RIGHT_PAD = 24.0
RULER_H = 26.0
BAR_Y = RULER_H + 8
BAR_H = 44.0
GAP_ROW_H = 20.0
LANE_H = 23.0
MARKER = 13.0
EDGE_GRAB = 6.0  # pixels either side of a stage's right edge that start a resize
MIN_PPD, MAX_PPD = 2.0, 90.0

GAP_LABELS = {
    "unowned": "no owner",
    "silence": "silence",
    "handoff": "hand-off",
    "spacing": "too close",
}


@dataclass
class _Drag:
    kind: str  # "edge" | "touch"
    product_id: str
    item_id: str
    merge_id: int
    grab_day: int = 0  # touch: journey day under the mouse minus the touch's day
    value: int = 0  # edge: days shown; touch: journey day shown
    undo_index: int = 0
    moved: bool = False


class MapItem(QGraphicsItem):
    """Base of the map's items: a rectangle painted by a function."""

    def __init__(self, rect: QRectF) -> None:
        super().__init__()
        self.rect = rect

    def boundingRect(self) -> QRectF:  # noqa: N802
        return self.rect.adjusted(-2, -2, 2, 2)


class RulerItem(MapItem):
    def __init__(self, rect: QRectF, ppd: float, days: int, bounds: list[int]) -> None:
        super().__init__(rect)
        self.ppd, self.days, self.bounds = ppd, days, bounds

    def paint(
        self, p: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        c = colors()
        font = QFont(p.font())
        font.setPointSizeF(max(7.0, font.pointSizeF() * 0.85))
        p.setFont(font)
        fm = QFontMetricsF(font)
        step = next(
            (
                s
                for s in (1, 2, 7, 14, 28, 56, 91)
                if s * self.ppd >= fm.horizontalAdvance("d000") + 12
            ),
            182,
        )
        minor = 1 if self.ppd >= 6 else 7 if self.ppd * 7 >= 6 else 0
        base_y = self.rect.bottom()
        p.setPen(QPen(QColor(c.grid), 1))
        p.drawLine(QPointF(LEFT, base_y), QPointF(LEFT + self.days * self.ppd, base_y))
        if minor:
            p.setPen(QPen(QColor(c.border), 1))
            for d in range(0, self.days + 1, minor):
                x = LEFT + d * self.ppd
                p.drawLine(QPointF(x, base_y - 3), QPointF(x, base_y))
        bold = QFont(font)
        bold.setBold(True)
        labelled: list[tuple[float, float]] = []
        for d in self.bounds:
            x = LEFT + d * self.ppd
            p.setPen(QPen(QColor(c.text), 1))
            p.drawLine(QPointF(x, base_y - 8), QPointF(x, base_y))
            p.setFont(bold)
            text = f"d{d}"
            w = QFontMetricsF(bold).horizontalAdvance(text)
            tx = min(max(x - w / 2, 0), LEFT + self.days * self.ppd - w + 8)
            p.drawText(QPointF(tx, base_y - 10), text)
            labelled.append((tx - 4, tx + w + 4))
        p.setFont(font)
        p.setPen(QPen(QColor(c.muted), 1))
        for d in range(0, self.days + 1, step):
            x = LEFT + d * self.ppd
            text = f"d{d}"
            w = fm.horizontalAdvance(text)
            tx = x - w / 2
            if any(a < tx + w and tx < b for a, b in labelled):
                continue
            p.drawLine(QPointF(x, base_y - 5), QPointF(x, base_y))
            p.drawText(QPointF(tx, base_y - 10), text)


class StageBarItem(MapItem):
    """A stage: a bar in its owner's colour (hatched warning colour when unowned)."""

    def __init__(
        self, rect: QRectF, stage: Stage, color: QColor, selected: bool, touches: int
    ) -> None:
        super().__init__(rect)
        self.stage = stage
        self.color = color
        self.selected = selected
        self.touches = touches
        self.setToolTip(self._tooltip())
        self.setAcceptHoverEvents(False)

    def _tooltip(self) -> str:
        s = self.stage
        owner = "nobody — an unowned gap" if s.owner is None else s.owner
        return (
            f"<b>{s.name}</b><br>{s.days} days · owner: {owner}<br>"
            f"conversion {s.conversion * 100:.0f} %<br>"
            "<i>Drag the right edge to change its length; double-click to rename.</i>"
        )

    def paint(
        self, p: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        c = colors()
        r = self.rect.adjusted(1, 0, -1, 0)
        path = QPainterPath()
        path.addRoundedRect(r, 6, 6)
        unowned = self.stage.owner is None
        if unowned:
            p.fillPath(path, QColor(c.warning_bg))
            hatch = QBrush(QColor(c.warning), Qt.BrushStyle.BDiagPattern)
            p.save()
            p.setClipPath(path)
            p.setBrush(hatch)
            p.setPen(Qt.PenStyle.NoPen)
            # Scale the hatch up: Qt's pattern is 8 px; repeat it at double size.
            p.scale(2, 2)
            p.drawRect(QRectF(r.x() / 2, r.y() / 2, r.width() / 2, r.height() / 2))
            p.restore()
            p.setPen(QPen(QColor(c.warning), 1.5, Qt.PenStyle.DashLine))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawPath(path)
            fg = QColor(c.warning_text)
        else:
            p.fillPath(path, self.color)
            fg = text_on(self.color)
        if self.selected:
            p.setPen(QPen(QColor(c.accent), 3))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawRoundedRect(r.adjusted(-2, -2, 2, 2), 8, 8)
        # Right-edge grip.
        p.setPen(QPen(fg if not unowned else QColor(c.warning), 1.4))
        gx = r.right() - 4
        if r.width() > 14:
            for dy in (-6, 0, 6):
                p.drawLine(
                    QPointF(gx, r.center().y() + dy - 2), QPointF(gx, r.center().y() + dy + 2)
                )
        # Labels: name (bold) and days; elided to the bar.
        font = QFont(p.font())
        bold = QFont(font)
        bold.setBold(True)
        inner = r.adjusted(8, 5, -10, -5)
        if inner.width() < 14:
            return
        p.setPen(fg)
        fm = QFontMetricsF(bold)
        name = ("⚠ " if unowned else "") + self.stage.name
        p.setFont(bold)
        p.drawText(
            inner.topLeft() + QPointF(0, fm.ascent()),
            fm.elidedText(name, Qt.TextElideMode.ElideRight, inner.width()),
        )
        small = QFont(font)
        small.setPointSizeF(max(7.0, font.pointSizeF() * 0.9))
        p.setFont(small)
        sfm = QFontMetricsF(small)
        owner = "no owner" if unowned else ""
        facts = (
            f"{self.stage.days} d"
            + (f" · {owner}" if owner else "")
            + (
                f" · {self.touches} touch{'es' if self.touches != 1 else ''}"
                if self.touches
                else ""
            )
        )
        p.drawText(
            QPointF(inner.left(), inner.bottom() - sfm.descent()),
            sfm.elidedText(facts, Qt.TextElideMode.ElideRight, inner.width()),
        )


class StageColumnItem(MapItem):
    """The faint column of a stage behind the touch lanes (team tint)."""

    def __init__(self, rect: QRectF, color: QColor, unowned: bool, odd: bool) -> None:
        super().__init__(rect)
        self.color, self.unowned, self.odd = color, unowned, odd
        self.setZValue(-10)

    def paint(
        self, p: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        c = colors()
        tint = QColor(c.warning if self.unowned else self.color)
        tint.setAlphaF(0.09 if self.unowned else (0.05 if self.odd else 0.08))
        p.save()
        p.setRenderHint(QPainter.RenderHint.Antialiasing, False)  # a plain fill (see GapBandItem)
        p.fillRect(self.rect.toAlignedRect(), tint)
        p.restore()
        if self.unowned:
            p.save()
            p.setClipRect(self.rect)
            hatch = QColor(c.warning)
            hatch.setAlphaF(0.22)
            p.setBrush(QBrush(hatch, Qt.BrushStyle.BDiagPattern))
            p.setPen(Qt.PenStyle.NoPen)
            p.scale(2, 2)
            rr = self.rect
            p.drawRect(QRectF(rr.x() / 2, rr.y() / 2, rr.width() / 2, rr.height() / 2))
            p.restore()
        p.setPen(QPen(QColor(c.grid), 1))
        p.drawLine(self.rect.topRight(), self.rect.bottomRight())


class GapBandItem(MapItem):
    """One gap of the first cohort: a pill in the gap row and a faint band below it."""

    def __init__(self, rect: QRectF, band: QRectF, gap: Gap, label: str) -> None:
        super().__init__(rect.united(band))
        self.pill, self.band, self.gap, self.label = rect, band, gap, label
        self.setToolTip(f"{WARNING_GLYPH} {gap.message}")
        self.setZValue(-5)

    def paint(
        self, p: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        c = colors()
        if not self.band.isEmpty():  # empty during a drag: the pills follow it alone
            self._paint_band(p, c)
        path = QPainterPath()
        path.addRoundedRect(self.pill, 5, 5)
        p.fillPath(path, QColor(c.warning_bg))
        p.setPen(QPen(QColor(c.warning), 1))
        p.drawPath(path)
        font = QFont(p.font())
        font.setPointSizeF(max(7.0, font.pointSizeF() * 0.85))
        p.setFont(font)
        fm = QFontMetricsF(font)
        p.setPen(QColor(c.warning_text))
        text = self.label
        if fm.horizontalAdvance(text) > self.pill.width() - 6:
            text = WARNING_GLYPH  # too narrow for words: the tooltip says it
        if self.pill.width() > 8:
            p.drawText(self.pill, Qt.AlignmentFlag.AlignCenter, text)

    def _paint_band(self, p: QPainter, c: Colors) -> None:
        band = QColor(c.warning)
        band.setAlphaF(0.10)
        # Axis-aligned and whole pixels: without antialiasing a translucent band is a
        # plain fill (antialiased, the map's many bands cost most of a repaint).
        p.save()
        p.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        p.fillRect(self.band.toAlignedRect(), band)
        edge = QColor(c.warning)
        edge.setAlphaF(0.45)
        p.setPen(QPen(edge, 1, Qt.PenStyle.DotLine))
        p.drawLine(self.band.topLeft(), self.band.bottomLeft())
        p.drawLine(self.band.topRight(), self.band.bottomRight())
        p.restore()


class TouchLaneItem(MapItem):
    """One touch: its marker at the offset, lighter repeats, its name."""

    def __init__(
        self,
        rect: QRectF,
        touch: Touch,
        xs: list[float],
        color: QColor,
        selected: bool,
        label: str,
        label_left: bool,
    ) -> None:
        super().__init__(rect)
        self.touch, self.xs, self.color, self.selected = touch, xs, color, selected
        self.label, self.label_left = label, label_left
        every = f", every {touch.every_days} d" if touch.every_days else ""
        when = hhmm(touch.time) if touch.time else "all day"
        self.setToolTip(
            f"<b>{touch.name}</b><br>{CHANNEL_LABELS.get(touch.channel, touch.channel)} · "
            f"{when}{every}<br>{'automated' if touch.automated else 'manual'}<br>"
            "<i>Drag to move it; double-click to edit.</i>"
        )

    def marker_rects(self) -> list[QRectF]:
        cy = self.rect.center().y()
        return [
            QRectF(x - MARKER / 2 - 2, cy - MARKER / 2 - 2, MARKER + 4, MARKER + 4) for x in self.xs
        ]

    def paint(
        self, p: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        c = colors()
        cy = self.rect.center().y()
        if self.selected:
            sel = QColor(c.accent)
            sel.setAlphaF(0.12)
            p.fillRect(self.rect, sel)
        if len(self.xs) > 1:
            line = QColor(self.color)
            line.setAlphaF(0.35)
            p.setPen(QPen(line, 1.5, Qt.PenStyle.DashLine))
            p.drawLine(QPointF(self.xs[0], cy), QPointF(self.xs[-1], cy))
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        for i, x in enumerate(reversed(self.xs)):
            first = i == len(self.xs) - 1
            fill = self.color if first else soften(self.color, 0.55)
            size = MARKER if first else MARKER * 0.8
            path = channel_path(self.touch.channel, size).translated(QPointF(x, cy))
            p.setBrush(fill)
            p.setPen(QPen(QColor(c.base), 1.5))
            p.drawPath(path)
            if first and not self.touch.automated:
                # Manual touches (a person's time) get a ring.
                p.setBrush(Qt.BrushStyle.NoBrush)
                p.setPen(QPen(self.color, 1.2))
                p.drawEllipse(QPointF(x, cy), size * 0.85, size * 0.85)
        if self.selected:
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.setPen(QPen(QColor(c.accent), 2))
            p.drawEllipse(QPointF(self.xs[0], cy), MARKER * 0.95, MARKER * 0.95)
        font = QFont(p.font())
        font.setBold(self.selected)
        p.setFont(font)
        fm = QFontMetricsF(font)
        p.setPen(QColor(c.text))
        w = fm.horizontalAdvance(self.label)
        if self.label_left:
            x = self.xs[0] - MARKER - w
        else:
            x = self.xs[-1] + MARKER
        p.drawText(QPointF(x, cy + fm.ascent() / 2 - 1), self.label)


class CycleMapView(QGraphicsView):
    """The map of one product, with the drag, zoom and selection behaviour."""

    sig_stage_selected = Signal(str)
    sig_touch_selected = Signal(str)
    sig_stage_activated = Signal(str)  # double-click: edit it
    sig_touch_activated = Signal(str)
    sig_refused = Signal(str)  # an edit from the map was refused (message)
    sig_zoom_changed = Signal(float)

    def __init__(self, controller: DocumentController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("cycleMap")
        self.controller = controller
        self.product_id: str | None = None
        self.selected_stage: str | None = None
        self.selected_touch: str | None = None
        self.ppd = 12.0
        self.fit = True
        self._drag: _Drag | None = None
        self._preview: Product | None = None  # drawn instead of the plan's during a drag
        self._preview_text = "Drag"
        self._stage_items: dict[str, StageBarItem] = {}
        self._touch_items: dict[str, TouchLaneItem] = {}
        self._lanes_top = 0.0
        self._lanes_bottom = 0.0
        self._cohort: date | None = None
        self.setScene(QGraphicsScene(self))
        self.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing)
        self.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.setMouseTracking(True)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.MinimalViewportUpdate)
        self.setMinimumHeight(160)
        controller.sig_plan_changed.connect(self._on_plan_changed)
        controller.sig_schedule_changed.connect(self.rebuild)

    def _on_plan_changed(self, _changes: object) -> None:
        # The controller re-plans right after and emits sig_schedule_changed, which
        # rebuilds: one rebuild per edit.
        if self.product_id is not None and self.controller.plan.product(self.product_id) is None:
            self.product_id = None

    # -- public ------------------------------------------------------------------

    @property
    def product(self) -> Product | None:
        if self._preview is not None:
            return self._preview
        return self.controller.plan.product(self.product_id)

    def set_product(self, product_id: str | None) -> None:
        if product_id != self.product_id:
            self.selected_stage = self.selected_touch = None
        self.product_id = product_id
        self._drag = None
        self._preview = None
        if self.fit:
            self.ppd = self._fit_ppd()
        self.rebuild()

    @property
    def dragging(self) -> bool:
        """A bar or a touch is being dragged (Esc cancels it)."""
        return self._drag is not None

    def select(self, stage: str | None = None, touch: str | None = None) -> None:
        self.selected_stage, self.selected_touch = stage, touch
        self.rebuild()
        item = self._touch_items.get(touch or "") or self._stage_items.get(stage or "")
        if item is not None:
            self.ensureVisible(item.rect, 40, 20)

    def stage_rect(self, stage_id: str) -> QRectF | None:
        item = self._stage_items.get(stage_id)
        return QRectF(item.rect) if item is not None else None

    def touch_point(self, touch_id: str, repeat: int = 0) -> QPointF | None:
        item = self._touch_items.get(touch_id)
        if item is None or repeat >= len(item.xs):
            return None
        return QPointF(item.xs[repeat], item.rect.center().y())

    def view_point(self, scene_point: QPointF) -> QPointF:
        """Viewport coordinates of a scene point (tests drive the mouse with these)."""
        return QPointF(self.mapFromScene(scene_point))

    def gap_items(self) -> list[GapBandItem]:
        return [i for i in self.scene().items() if isinstance(i, GapBandItem)]

    @property
    def cohort(self) -> date | None:
        """The cohort whose gaps are drawn."""
        return self._cohort

    # -- zoom ----------------------------------------------------------------------

    def zoom_by(self, factor: float, anchor_x: float | None = None) -> None:
        product = self.product
        if product is None:
            return
        anchor_x = self.viewport().width() / 2 if anchor_x is None else anchor_x
        scene_x = self.mapToScene(int(anchor_x), 0).x()
        day = (scene_x - LEFT) / self.ppd
        self.fit = False
        self.ppd = max(MIN_PPD, min(MAX_PPD, self.ppd * factor))
        self.rebuild()
        new_x = LEFT + day * self.ppd
        bar = self.horizontalScrollBar()
        bar.setValue(int(new_x - anchor_x))
        self.sig_zoom_changed.emit(self.ppd)

    def zoom_in(self) -> None:
        self.zoom_by(1.25)

    def zoom_out(self) -> None:
        self.zoom_by(0.8)

    def fit_to_width(self) -> None:
        self.fit = True
        self.ppd = self._fit_ppd()
        self.rebuild()
        self.horizontalScrollBar().setValue(0)
        self.sig_zoom_changed.emit(self.ppd)

    def _fit_ppd(self) -> float:
        product = self.product
        if product is None or product.cycle_days <= 0:
            return self.ppd
        # Leave room for a vertical scroll bar even before it shows, so fitting
        # never makes the map scroll sideways.
        bar = (
            0
            if self.verticalScrollBar().isVisible()
            else self.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent)
        )
        width = max(200, self.viewport().width() - bar - LEFT - RIGHT_PAD - 4)
        return max(MIN_PPD, min(MAX_PPD, width / product.cycle_days))

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        super().resizeEvent(event)
        if self.fit and self._drag is None:
            ppd = self._fit_ppd()
            if abs(ppd - self.ppd) > 0.01:
                self.ppd = ppd
                self.rebuild()

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            steps = event.angleDelta().y() / 120
            if steps:
                self.zoom_by(1.15**steps, event.position().x())
            event.accept()
            return
        super().wheelEvent(event)

    # -- building the scene ----------------------------------------------------------

    def rebuild(self) -> None:
        scene = self.scene()
        scene.clear()
        self._stage_items.clear()
        self._touch_items.clear()
        product = self.product
        plan = self.controller.plan
        c = colors()
        self.setBackgroundBrush(QColor(c.base))
        if product is None:
            scene.setSceneRect(QRectF(0, 0, 10, 10))
            return
        ppd = self.ppd
        days = product.cycle_days
        width = days * ppd
        ranges = edits.stage_ranges(product)
        bounds = [start for _, start, _ in ranges] + [days]
        scene.addItem(RulerItem(QRectF(0, 0, LEFT + width + RIGHT_PAD, RULER_H), ppd, days, bounds))

        # Gaps of the first cohort that lies in the horizon (earlier ones are cut).
        gaps = self._first_cohort_gaps(plan, product)
        kinds = [
            k
            for k in ("unowned", "silence", "handoff", "spacing")
            if any(g.kind == k for g in gaps)
        ]
        gap_top = BAR_Y + BAR_H + 8
        lanes_top = gap_top + len(kinds) * (GAP_ROW_H + 3) + (6 if kinds else 0)
        lanes = list(product.touches)
        lanes_bottom = lanes_top + max(1, len(lanes)) * LANE_H + 6
        self._lanes_top, self._lanes_bottom = lanes_top, lanes_bottom

        counts: dict[str, int] = {}
        for t in product.touches:
            counts[t.stage] = counts.get(t.stage, 0) + 1
        for i, (stage, start, length) in enumerate(ranges):
            x = LEFT + start * ppd
            color = team_color(plan, stage.owner)
            column = StageColumnItem(
                QRectF(x, gap_top - 4, length * ppd, lanes_bottom - gap_top + 4),
                color,
                stage.owner is None,
                i % 2 == 1,
            )
            scene.addItem(column)
            bar = StageBarItem(
                QRectF(x, BAR_Y, length * ppd, BAR_H),
                stage,
                color,
                stage.id == self.selected_stage,
                counts.get(stage.id, 0),
            )
            scene.addItem(bar)
            self._stage_items[stage.id] = bar

        fm = QFontMetricsF(self.font())
        for row, kind in enumerate(kinds):
            y = gap_top + row * (GAP_ROW_H + 3)
            for g in gaps:
                if g.kind != kind or self._cohort is None:
                    continue
                d0 = (g.start - self._cohort).days
                d1 = (g.end - self._cohort).days + 1
                x0, x1 = LEFT + d0 * ppd, LEFT + d1 * ppd
                label = f"{WARNING_GLYPH} {GAP_LABELS.get(kind, kind)} {g.days} d"
                pill = QRectF(x0, y, max(4.0, x1 - x0), GAP_ROW_H)
                band = QRectF(x0, lanes_top, max(2.0, x1 - x0), lanes_bottom - lanes_top)
                if self._preview is not None:
                    band = QRectF()  # during a drag the pills follow; the bands return on release
                scene.addItem(GapBandItem(pill, band, g, label))

        label_room = 0.0
        for row, touch in enumerate(lanes):
            stage_start = product.stage_start(touch.stage) if product.stage(touch.stage) else 0
            # The repeats' days come from the engine's rule (cadence.engine.touch_days).
            xs = [LEFT + (day + 0.5) * ppd for day in touch_days(product, touch)]
            if not xs:
                xs = [LEFT + (stage_start + touch.offset_days + 0.5) * ppd]
            y = lanes_top + row * LANE_H
            label = touch.name + (f"  ·  every {touch.every_days} d" if touch.every_days else "")
            label_w = fm.horizontalAdvance(label) + MARKER + 8
            label_left = xs[-1] + label_w > LEFT + width and xs[0] - label_w > 0
            if not label_left:
                label_room = max(label_room, xs[-1] + label_w - (LEFT + width))
            item = TouchLaneItem(
                QRectF(0, y, LEFT + width + RIGHT_PAD, LANE_H),
                touch,
                xs,
                team_color(plan, touch.owner),
                touch.id == self.selected_touch,
                label,
                label_left,
            )
            scene.addItem(item)
            self._touch_items[touch.id] = item
        if not lanes:
            hint = scene.addSimpleText("No touches yet: double-click in a stage's lane to add one.")
            hint.setBrush(QColor(c.muted))
            hint.setPos(LEFT + 4, lanes_top + 4)
        scene.setSceneRect(
            QRectF(0, 0, LEFT + width + max(RIGHT_PAD, label_room + 8), lanes_bottom + 8)
        )
        self.viewport().update()

    def _first_cohort_gaps(self, plan: Plan, product: Product) -> list[Gap]:
        dates = [d for d in product.cohorts.intake_dates() if d >= plan.start]
        self._cohort = dates[0] if dates else None
        if self._cohort is None:
            return []
        if self._preview is not None:  # a drag: re-plan that cohort alone, save nothing
            found: Sequence[Gap] = self.controller.preview_gaps(product, self._cohort)
        else:
            found = self.controller.gaps_by_product().get(product.id, ())
        return [g for g in found if g.cohort == self._cohort and g.kind in GAP_LABELS]

    # -- hit testing ---------------------------------------------------------------------

    def _day_at(self, scene_x: float) -> int:
        return math.floor((scene_x - LEFT) / self.ppd)

    def _hit(self, pos: QPointF) -> tuple[str, str | None]:
        """What is under a viewport position: ("edge"|"stage"|"touch"|"lane"|"none", id)."""
        sp = self.mapToScene(pos.toPoint())
        for sid, item in self._stage_items.items():
            r = item.rect
            if r.top() - 2 <= sp.y() <= r.bottom() + 2 and abs(sp.x() - r.right()) <= EDGE_GRAB:
                return "edge", sid
        for sid, item in self._stage_items.items():
            if item.rect.contains(sp):
                return "stage", sid
        for tid, lane in self._touch_items.items():
            if any(r.contains(sp) for r in lane.marker_rects()):
                return "touch", tid
        if self._lanes_top <= sp.y() <= self._lanes_bottom:
            for tid, lane in self._touch_items.items():
                if lane.rect.contains(sp):
                    return "lane", tid
            return "lane", None
        return "none", None

    # -- mouse ------------------------------------------------------------------------------

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if event.button() != Qt.MouseButton.LeftButton or self.product is None:
            super().mousePressEvent(event)
            return
        kind, item_id = self._hit(event.position())
        product = self.product
        assert product is not None
        if kind == "edge" and item_id is not None:
            self._select(stage=item_id)
            if not self.controller.read_only:
                stage = product.stage(item_id)
                self._drag = _Drag(
                    "edge",
                    product.id,
                    item_id,
                    self.controller.new_merge_id(),
                    value=stage.days if stage else 1,
                    undo_index=self.controller.undo_stack.index(),
                )
        elif kind == "touch" and item_id is not None:
            self._select(touch=item_id)
            touch = next(t for t in product.touches if t.id == item_id)
            day = product.stage_start(touch.stage) + touch.offset_days
            sp = self.mapToScene(event.position().toPoint())
            if not self.controller.read_only:
                self._drag = _Drag(
                    "touch",
                    product.id,
                    item_id,
                    self.controller.new_merge_id(),
                    grab_day=self._day_at(sp.x()) - day,
                    value=day,
                    undo_index=self.controller.undo_stack.index(),
                )
                self.viewport().setCursor(Qt.CursorShape.ClosedHandCursor)
        elif kind == "stage" and item_id is not None:
            self._select(stage=item_id)
        elif kind == "lane" and item_id is not None:
            self._select(touch=item_id)
        event.accept()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        # The drag state is ours: QTest's mouseMove carries no buttons.
        drag = self._drag
        if drag is None:
            kind, _ = self._hit(event.position())
            cursor = {
                "edge": Qt.CursorShape.SizeHorCursor,
                "touch": Qt.CursorShape.OpenHandCursor,
                "stage": Qt.CursorShape.PointingHandCursor,
            }.get(kind, Qt.CursorShape.ArrowCursor)
            self.viewport().setCursor(cursor)
            super().mouseMoveEvent(event)
            return
        sp = self.mapToScene(event.position().toPoint())
        product = self.controller.plan.product(drag.product_id)
        if product is None:
            self._drag = None
            return
        if drag.kind == "edge":
            start = product.stage_start(drag.item_id)
            days = max(1, round((sp.x() - LEFT) / self.ppd - start))
            if days != drag.value:
                drag.value = days
                new = edits.set_stage(product, drag.item_id, days=days)
                stage = product.stage(drag.item_id)
                name = stage.name if stage else drag.item_id
                self._edit(new, f"Resize “{name}” to {days} days", drag)
        else:
            day = self._day_at(sp.x()) - drag.grab_day
            day = max(0, min(product.cycle_days - 1, day))
            if day != drag.value:
                drag.value = day
                where = edits.touch_at_day(product, day)
                if where is not None:
                    touch = next(t for t in product.touches if t.id == drag.item_id)
                    stage_id, offset = where
                    new = edits.set_touch(product, drag.item_id, stage=stage_id, offset_days=offset)
                    stage = product.stage(stage_id)
                    name = stage.name if stage else stage_id
                    self._edit(new, f"Move “{touch.name}” to {name} day {offset}", drag)
        self.viewport().update()
        event.accept()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        drag = self._drag
        self._drag = None
        if drag is not None and self._preview is not None:
            preview, self._preview = self._preview, None
            self._commit(preview, drag)
        self.viewport().unsetCursor()
        self.viewport().update()
        if self.fit:
            ppd = self._fit_ppd()
            if abs(ppd - self.ppd) > 0.01:
                self.ppd = ppd
                self.rebuild()
        super().mouseReleaseEvent(event)

    def keyPressEvent(self, event: object) -> None:  # noqa: N802
        from PySide6.QtGui import QKeyEvent

        assert isinstance(event, QKeyEvent)
        if event.key() == Qt.Key.Key_Escape and self._drag is not None:
            drag, self._drag = self._drag, None
            self._preview = None
            self.controller.cancel_gesture(drag.undo_index)
            self.rebuild()
            return
        if (
            event.key() in (Qt.Key.Key_Plus, Qt.Key.Key_Equal)
            and event.modifiers() & Qt.KeyboardModifier.ControlModifier
        ):
            self.zoom_in()
            return
        if (
            event.key() == Qt.Key.Key_Minus
            and event.modifiers() & Qt.KeyboardModifier.ControlModifier
        ):
            self.zoom_out()
            return
        super().keyPressEvent(event)

    def _edit(self, product: Product, text: str, drag: _Drag) -> None:
        # A drag's intermediate positions are drawn here, with the gaps of the dragged
        # product's first cohort re-planned alone; nothing is saved until the release
        # applies the last position: one transaction, one undo step.
        self._preview = product
        self._preview_text = text
        self.rebuild()

    def _commit(self, product: Product, drag: _Drag, text: str | None = None) -> None:
        text = text or self._preview_text
        plan = edits.with_product(self.controller.plan, product)
        error = self.controller.apply(plan, text, drag.merge_id)
        if error is not None:
            self.sig_refused.emit(error)
        else:
            drag.moved = True

    def drawForeground(self, painter: QPainter, rect: QRectF | QRect) -> None:  # noqa: N802
        drag = self._drag
        if drag is None:
            return
        product = self.product
        if product is None:
            return
        c = colors()
        if drag.kind == "edge":
            item = self._stage_items.get(drag.item_id)
            if item is None:
                return
            text = f"{drag.value} days"
            anchor = QPointF(item.rect.right(), item.rect.top() - 4)
        else:
            item2 = self._touch_items.get(drag.item_id)
            if item2 is None:
                return
            where = edits.touch_at_day(product, drag.value)
            stage = product.stage(where[0]) if where else None
            text = (
                f"{stage.name if stage else ''} · day {where[1] if where else 0}  (d{drag.value})"
            )
            anchor = QPointF(item2.xs[0], item2.rect.top() - 2)
        font = QFont(self.font())
        font.setBold(True)
        painter.setFont(font)
        fm = QFontMetricsF(font)
        w = fm.horizontalAdvance(text) + 14
        box = QRectF(anchor.x() - w / 2, anchor.y() - 22, w, 20)
        box.moveLeft(max(2, box.left()))
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(c.text))
        painter.drawRoundedRect(box, 5, 5)
        painter.setPen(QColor(c.base))
        painter.drawText(box, Qt.AlignmentFlag.AlignCenter, text)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        product = self.product
        if product is None:
            return
        kind, item_id = self._hit(event.position())
        if kind in ("stage", "edge") and item_id:
            self.sig_stage_activated.emit(item_id)
        elif kind == "touch" and item_id:
            self.sig_touch_activated.emit(item_id)
        elif kind == "lane" and not self.controller.read_only:
            sp = self.mapToScene(event.position().toPoint())
            self.add_touch_at(self._day_at(sp.x()))
        event.accept()

    def add_touch_at(self, day: int) -> str | None:
        product = self.product
        if product is None:
            return None
        where = edits.touch_at_day(product, max(0, day))
        if where is None:
            return None
        stage_id, offset = where
        new, tid = edits.add_touch(self.controller.plan, product, stage_id, offset)
        error = self.controller.apply(
            edits.with_product(self.controller.plan, new), f"Add a touch on day {max(0, day)}"
        )
        if error is not None:
            self.sig_refused.emit(error)
            return None
        self._select(touch=tid)
        self.sig_touch_activated.emit(tid)
        return tid

    def _select(self, stage: str | None = None, touch: str | None = None) -> None:
        self.selected_stage, self.selected_touch = stage, touch
        self.rebuild()
        if stage is not None:
            self.sig_stage_selected.emit(stage)
        if touch is not None:
            self.sig_touch_selected.emit(touch)

    # -- context menu ------------------------------------------------------------------------

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:  # noqa: N802
        product = self.product
        if product is None or self.controller.read_only:
            return
        kind, item_id = self._hit(QPointF(event.pos()))
        sp = self.mapToScene(event.pos())
        menu = QMenu(self)
        plan = self.controller.plan
        apply = self.controller.apply
        if kind in ("stage", "edge") and item_id:
            stage = product.stage(item_id)
            assert stage is not None
            owners = menu.addMenu("Owner")
            for team in plan.teams:
                act = owners.addAction(swatch_icon(team.color), team.name)
                act.setCheckable(True)
                act.setChecked(stage.owner == team.id)
                act.triggered.connect(
                    lambda _=False, t=team.id, n=team.name: apply(
                        edits.with_product(plan, edits.set_stage(product, item_id, owner=t)),
                        f"Give “{stage.name}” to {n}",
                    )
                )
            act = owners.addAction(swatch_icon(colors().warning, True), "No owner")
            act.setCheckable(True)
            act.setChecked(stage.owner is None)
            act.triggered.connect(
                lambda: apply(
                    edits.with_product(plan, edits.set_stage(product, item_id, owner=None)),
                    f"Take “{stage.name}” from its owner",
                )
            )
            menu.addAction("Add a stage after", lambda: self._add_stage(item_id))
            menu.addAction("Add a touch here", lambda: self.add_touch_at(self._day_at(sp.x())))
            menu.addSeparator()
            menu.addAction(
                f"Delete “{stage.name}”",
                lambda: self._report(
                    apply(
                        edits.with_product(plan, edits.delete_stage(product, item_id)),
                        f"Delete stage “{stage.name}”",
                    )
                ),
            )
        elif kind == "touch" and item_id:
            touch = next(t for t in product.touches if t.id == item_id)
            channels = menu.addMenu("Channel")
            for ch in CHANNELS:
                act = channels.addAction(CHANNEL_LABELS[ch])
                act.setCheckable(True)
                act.setChecked(touch.channel == ch)
                act.triggered.connect(
                    lambda _=False, ch=ch: apply(
                        edits.with_product(plan, edits.set_touch(product, item_id, channel=ch)),
                        f"Set channel of “{touch.name}”",
                    )
                )
            menu.addAction(
                "Duplicate",
                lambda: apply(
                    edits.with_product(plan, edits.duplicate_touch(product, item_id)[0]),
                    f"Duplicate “{touch.name}”",
                ),
            )
            menu.addSeparator()
            menu.addAction(
                f"Delete “{touch.name}”",
                lambda: apply(
                    edits.with_product(plan, edits.delete_touch(product, item_id)),
                    f"Delete touch “{touch.name}”",
                ),
            )
        else:
            menu.addAction("Add a touch here", lambda: self.add_touch_at(self._day_at(sp.x())))
        menu.addSeparator()
        menu.addAction("Fit to width", self.fit_to_width)
        menu.exec(event.globalPos())

    def _add_stage(self, after: str) -> None:
        product = self.product
        if product is None:
            return
        new, sid = edits.add_stage(product, after)
        self._report(
            self.controller.apply(edits.with_product(self.controller.plan, new), "Add a stage")
        )
        self._select(stage=sid)

    def _report(self, error: str | None) -> None:
        if error is not None:
            self.sig_refused.emit(error)


def main(argv: list[str]) -> int:
    """Preview: ``python -m ui.cycle_map demo [PRODUCT] [out.png]``."""
    from PySide6.QtWidgets import QApplication

    from cadence.demo import demo_plan
    from ui.theme import apply_theme

    app = QApplication.instance() or QApplication(argv)
    apply_theme(app)  # type: ignore[arg-type]
    plan = demo_plan()
    controller = DocumentController(plan)
    view = CycleMapView(controller)
    view.resize(1100, 480)
    product = argv[2] if len(argv) > 2 else plan.products[0].id
    view.set_product(product)
    if len(argv) > 3:
        view.show()
        view.grab().save(argv[3])
        return 0
    view.show()
    return app.exec()


if __name__ == "__main__":
    sys.exit(main(sys.argv))

"""Points in shapes, for the types that take clicks or drops on an image."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any


def point_in_rect(x: float, y: float, rect: Sequence[float]) -> bool:
    """Whether (x, y) lies in the rectangle ``[left, top, width, height]``, edges included."""
    left, top, width, height = rect
    return left <= x <= left + width and top <= y <= top + height


def point_in_circle(x: float, y: float, circle: Sequence[float]) -> bool:
    """Whether (x, y) lies in the circle ``[centre x, centre y, radius]``, edge included."""
    cx, cy, radius = circle
    return math.hypot(x - cx, y - cy) <= radius


def _on_segment(x: float, y: float, a: Sequence[float], b: Sequence[float]) -> bool:
    ax, ay = a
    bx, by = b
    if not (min(ax, bx) <= x <= max(ax, bx) and min(ay, by) <= y <= max(ay, by)):
        return False
    cross = (bx - ax) * (y - ay) - (by - ay) * (x - ax)
    scale = max(1.0, abs(bx - ax) + abs(by - ay))
    return abs(cross) <= 1e-9 * scale


def point_in_polygon(x: float, y: float, polygon: Sequence[Sequence[float]]) -> bool:
    """Whether (x, y) lies in the polygon (a list of ``[x, y]`` vertices, closed
    implicitly): on an edge or vertex counts as inside, otherwise even-odd ray casting."""
    count = len(polygon)
    if count == 0:
        return False
    for i in range(count):
        if _on_segment(x, y, polygon[i], polygon[(i + 1) % count]):
            return True
    if count < 3:
        return False
    inside = False
    j = count - 1
    for i in range(count):
        xi, yi = polygon[i]
        xj, yj = polygon[j]
        if (yi > y) != (yj > y) and x < (xj - xi) * (y - yi) / (yj - yi) + xi:
            inside = not inside
        j = i
    return inside


def point_in_shape(x: float, y: float, shape: Any, coords: Any) -> bool:
    """Whether (x, y) lies in a ``rect``, ``circle`` or ``polygon`` shape."""
    if shape == "rect":
        return point_in_rect(x, y, coords)
    if shape == "circle":
        return point_in_circle(x, y, coords)
    if shape == "polygon":
        return point_in_polygon(x, y, coords)
    return False


def regions_hit(x: float, y: float, regions: Sequence[Mapping[str, Any]]) -> list[str]:
    """The ids of the regions (``{"id", "shape", "coords"}``) that contain (x, y)."""
    return [r["id"] for r in regions if point_in_shape(x, y, r.get("shape"), r.get("coords"))]

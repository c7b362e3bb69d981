"""Markers on an image (Moodle's ddmarker): the officer places markers at points of a
background image; each zone (circle, rectangle or polygon) expects a marker of one kind.
The zones are the key: they never reach the browser before the review."""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Iterable, Mapping
from fractions import Fraction
from typing import TYPE_CHECKING, Any, ClassVar

from .base import (
    TOP_ANSWERS,
    Problem,
    QuestionType,
    ResponseError,
    gettext_noop,
    is_id,
    is_number,
    number_text,
    show,
)
from .drop_common import check_image, image_size, token_of, valid_entries, valid_slots
from .geometry import point_in_shape

if TYPE_CHECKING:
    from ..interchange.moodlexml import MoodleQuestionReader, MoodleQuestionWriter

SHAPES: tuple[str, ...] = ("circle", "rect", "polygon")

UNLIMITED_PLACEMENTS = 20
"""How often a marker without a count may be placed (more when the question has more
zones): a fixed number, so that the page does not tell how many zones there are."""


def _count(marker: Mapping[str, Any]) -> int | None:
    """How many times a marker may be placed (``None``: no count of its own)."""
    count = marker.get("count")
    return count if isinstance(count, int) and not isinstance(count, bool) and count >= 1 else None


def marker_limit(data: Mapping[str, Any], marker: Mapping[str, Any]) -> int:
    """The most placements of one marker a response may hold."""
    count = _count(marker)
    zones = len(valid_slots(data, "zones"))
    return count if count is not None else max(UNLIMITED_PLACEMENTS, zones)


def _shape_problem(zone: Mapping[str, Any], width: float, height: float) -> str | None:
    """What is wrong with a zone's shape and coordinates, or ``None``."""
    shape, coords = zone.get("shape"), zone.get("coords")
    if shape == "circle":
        if not (isinstance(coords, list) and len(coords) == 3 and all(map(is_number, coords))):
            return gettext_noop("Zone “{ident}”: a circle needs three numbers [x, y, radius].")
        x, y, radius = coords
        if radius <= 0:
            return gettext_noop("Zone “{ident}”: the radius must be positive.")
        points = [(x - radius, y - radius), (x + radius, y + radius)]
    elif shape == "rect":
        if not (isinstance(coords, list) and len(coords) == 4 and all(map(is_number, coords))):
            return gettext_noop(
                "Zone “{ident}”: a rectangle needs four numbers [x, y, width, height]."
            )
        x, y, w, h = coords
        if w <= 0 or h <= 0:
            return gettext_noop(
                "Zone “{ident}”: the rectangle must have a positive width and height."
            )
        points = [(x, y), (x + w, y + h)]
    elif shape == "polygon":
        if not (
            isinstance(coords, list)
            and len(coords) >= 3
            and all(isinstance(p, list) and len(p) == 2 and all(map(is_number, p)) for p in coords)
        ):
            return gettext_noop("Zone “{ident}”: a polygon needs at least 3 points [x, y].")
        points = [(p[0], p[1]) for p in coords]
    else:
        return gettext_noop("Zone “{ident}”: unknown shape; use circle, rect or polygon.")
    if any(not (0 <= px <= width and 0 <= py <= height) for px, py in points):
        return gettext_noop("Zone “{ident}” lies outside the image.")
    return None


class DragDropMarker(QuestionType):
    name = "drag_drop_marker"
    label = gettext_noop("Markers on an image")
    gift_refusal = "export_drag_drop"  # why GIFT cannot write it (a key of gift.MESSAGES)
    response_field = "placements"
    blank: dict[str, list[list[float]]] = {}
    entry_lists = ("markers",)
    response_id_shape = "keyed"
    public_keys = ("image",)
    text_lists = ("markers",)
    script = "js/types/drag_drop.js"

    # --- authoring ---------------------------------------------------------------------
    def validate(self, data: Mapping[str, Any], problems: list[str]) -> None:
        width, height = check_image(data, problems)
        markers = data.get("markers")
        found: dict[str, Mapping[str, Any]] = {}
        if not isinstance(markers, list) or not markers:
            problems.append(Problem(gettext_noop("At least one marker is needed.")))
            markers = []
        for position, marker in enumerate(markers, start=1):
            if not isinstance(marker, Mapping) or not is_id(marker.get("id")):
                problems.append(
                    Problem(gettext_noop("Marker {position} needs an id."), position=position)
                )
                continue
            ident = marker["id"]
            if ident in found:
                problems.append(
                    Problem(gettext_noop("The id “{ident}” is used more than once."), ident=ident)
                )
            found[ident] = marker
            text = marker.get("text")
            if not isinstance(text, str) or not text.strip():
                problems.append(
                    Problem(gettext_noop("Marker {position} has no text."), position=position)
                )
            count = marker.get("count")
            if count is not None and _count(marker) is None:
                problems.append(
                    Problem(
                        gettext_noop(
                            "The count of marker “{ident}” must be a whole number of at least 1, "
                            "or null for no limit."
                        ),
                        ident=ident,
                    )
                )
        zones = data.get("zones")
        if not isinstance(zones, list) or not zones:
            problems.append(Problem(gettext_noop("At least one zone is needed.")))
            zones = []
        seen: set[str] = set()
        expected: Counter[str] = Counter()
        for position, zone in enumerate(zones, start=1):
            if not isinstance(zone, Mapping) or not is_id(zone.get("id")):
                problems.append(
                    Problem(gettext_noop("Zone {position} needs an id."), position=position)
                )
                continue
            ident = zone["id"]
            if ident in seen:
                problems.append(
                    Problem(gettext_noop("The id “{ident}” is used more than once."), ident=ident)
                )
            seen.add(ident)
            if zone.get("marker") not in found:
                problems.append(
                    Problem(
                        gettext_noop("Zone “{ident}” names an unknown marker {value}."),
                        ident=ident,
                        value=show(zone.get("marker")),
                    )
                )
            else:
                expected[zone["marker"]] += 1
            problem = _shape_problem(zone, width, height)
            if problem:
                problems.append(Problem(problem, ident=ident))
        for ident, wanted in expected.items():
            count = _count(found[ident])
            if count is not None and count < wanted:
                problems.append(
                    Problem(
                        gettext_noop(
                            "Marker “{ident}” may be placed {count} times but {wanted} zones "
                            "expect it."
                        ),
                        ident=ident,
                        count=count,
                        wanted=wanted,
                    )
                )

    editor_script = "js/question_editor/drag_drop_marker.js"
    editor_strings: ClassVar[dict[str, str]] = {
        "markers": gettext_noop("Markers"),
        "marker": gettext_noop("Marker"),
        "markerText": gettext_noop("Text"),
        "count": gettext_noop("How many may be placed (empty: no set number)"),
        "addMarker": gettext_noop("Add a marker"),
        "zones": gettext_noop("Zones"),
        "zone": gettext_noop("Zone"),
        "zoneMarker": gettext_noop("Marker that belongs here"),
        "shape": gettext_noop("Shape"),
        "circle": gettext_noop("Circle"),
        "rect": gettext_noop("Rectangle"),
        "polygon": gettext_noop("Polygon"),
        "coords": gettext_noop("Coordinates (image pixels)"),
        "circleHelp": gettext_noop("Centre and radius: x, y, r"),
        "rectHelp": gettext_noop("Top-left corner, width and height: x, y, w, h"),
        "polygonHelp": gettext_noop("Points separated by semicolons: x y; x y; x y"),
        "addZone": gettext_noop("Add a zone"),
    }

    def skeleton(self) -> tuple[dict[str, Any], dict[str, Any]]:
        """A background image, one marker and one circular zone ``[x, y, radius]``."""
        return {
            "image": {"name": "", "width": 800, "height": 500},
            "markers": [{"id": "m1", "count": 1}],
            "zones": [{"id": "z1", "marker": "m1", "shape": "circle", "coords": [400, 250, 30]}],
        }, {"image_alt": "", "markers": {"m1": {"text": ""}}}

    # --- delivery ----------------------------------------------------------------------
    def normalize(self, data: Mapping[str, Any], value: Any) -> Any:
        """``{marker id: [[x, y], ...]}``: known markers, points inside the image (floats),
        at most the marker's count (its zones' number when unlimited); markers without a
        point are left out; sorted by marker id."""
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            raise ResponseError("wrong_shape")
        markers = valid_entries(data, "markers")
        width, height = image_size(data)
        placements: dict[str, list[list[float]]] = {}
        index = 0
        for ident, points in value.items():
            if not isinstance(ident, str) or ident not in markers:
                raise ResponseError("unknown_option", value=show(ident))
            if points is None:
                continue
            if not isinstance(points, list):
                raise ResponseError("wrong_shape")
            limit = marker_limit(data, markers[ident])
            if len(points) > limit:
                raise ResponseError("too_many_markers", limit=limit, count=len(points))
            kept: list[list[float]] = []
            for point in points:
                index += 1
                if not isinstance(point, list | tuple) or len(point) != 2:
                    raise ResponseError("wrong_shape")
                for coordinate in point:
                    if isinstance(coordinate, bool) or not isinstance(coordinate, int | float):
                        raise ResponseError("wrong_shape")
                    if not math.isfinite(coordinate):
                        raise ResponseError("not_a_number", value=show(coordinate))
                x, y = float(point[0]) + 0.0, float(point[1]) + 0.0
                if not (0 <= x <= width and 0 <= y <= height):
                    raise ResponseError(
                        "outside_image",
                        index=index,
                        x=number_text(x),
                        y=number_text(y),
                        width=number_text(width),
                        height=number_text(height),
                    )
                kept.append([x, y])
            if kept:
                placements[ident] = kept
        return dict(sorted(placements.items()))

    def public_layout(
        self,
        full: Mapping[str, Any],
        view: dict[str, Any],
        tokens: Mapping[str, str],
        order: Mapping[str, Any],
    ) -> None:
        """The markers (text, how many may be placed) by token; never a zone."""
        markers = valid_entries(full, "markers")
        shown = []
        for ident in order.get("markers") or list(markers):
            token = token_of(tokens, "markers", ident)
            if token is None or ident not in markers:
                continue
            shown.append(
                {
                    "id": token,
                    "text": markers[ident].get("text", ""),
                    "limit": marker_limit(full, markers[ident]),
                }
            )
        view["markers"] = shown

    def arrange_view(self, view: dict[str, Any], answer: Mapping[str, Any]) -> None:
        """The saved placements, for the page to show them again."""
        placements = answer.get("placements") or {}
        view["placements"] = {
            m["id"]: placements[m["id"]] for m in view.get("markers", []) if m["id"] in placements
        }
        view["placements_json"] = json.dumps(view["placements"], separators=(",", ":"))

    # --- grading -----------------------------------------------------------------------
    def grade(self, data: Mapping[str, Any], value: Any) -> tuple[Fraction, dict[str, Any]]:
        zones = [
            z
            for z in valid_slots(data, "zones")
            if z.get("shape") in SHAPES and is_id(z.get("marker"))
        ]
        held: set[str] = set()
        wrong = 0
        details = []
        for marker, points in (value or {}).items():
            for x, y in points:
                inside = [
                    z["id"]
                    for z in zones
                    if z["marker"] == marker and point_in_shape(x, y, z["shape"], z["coords"])
                ]
                held.update(inside)
                wrong += not inside
                details.append({"marker": marker, "x": x, "y": y, "zones": inside})
        right = [z["id"] for z in zones if z["id"] in held]
        fraction = (
            max(Fraction(0), Fraction(len(right) - wrong, len(zones))) if zones else Fraction(0)
        )
        return fraction, {
            "placements": details,
            "zones_right": right,
            "zones_missed": [z["id"] for z in zones if z["id"] not in held],
            "wrong_placements": wrong,
            "zone_markers": {z["id"]: z["marker"] for z in zones},
        }

    # --- item analysis -----------------------------------------------------------------
    def answer_counts(self, values: Iterable[Any]) -> dict[str, int]:
        """How many markers of each kind were placed, over all responses."""
        counts: Counter[str] = Counter()
        for value in values:
            if isinstance(value, Mapping):
                for marker, points in value.items():
                    if isinstance(points, list) and points:
                        counts[marker] += len(points)
        ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        return dict(ranked[:TOP_ANSWERS])

    # --- Moodle XML (the format: assessments/interchange/moodlexml.py) ----------------------
    moodle_qtypes: ClassVar[tuple[str, ...]] = ("ddmarker",)

    def moodlexml_read(self, q: MoodleQuestionReader) -> tuple[str, dict[str, Any]]:
        """Moodle's ``ddmarker``: the question's ``<file>`` is the background image, each
        ``drag`` a marker (``noofdrags`` its count, ``infinite`` none), each ``drop`` a zone
        (``circle`` ``x,y;r``, ``rectangle`` ``x,y;w,h``, ``polygon`` ``x,y;x,y;...``)."""
        from decimal import Decimal

        image = q.background_image()
        markers = []
        numbers: dict[str, str] = {}
        for node in q.findall("drag"):
            ident = f"m{len(markers) + 1}"
            numbers[q.value("no", element=node)] = ident
            count = q.number("noofdrags", Decimal(1), element=node)
            markers.append(
                {
                    "id": ident,
                    "text": q.plain(".", element=node),
                    "count": None if node.find("infinite") is not None else int(count or 1),
                }
            )
        if not markers:
            q.reject("dd_no_choices")
        zones = []
        for node in q.findall("drop"):
            number, choice = q.value("no", element=node), q.value("choice", element=node)
            if choice not in numbers:
                q.reject("dd_bad_choice", number=number, choice=choice)
            shape = q.value("shape", element=node).lower()
            coords = _moodle_coords(shape, q.value("coords", element=node))
            if coords is None:
                q.reject(
                    "dd_bad_coords", number=number, coords=q.value("coords", element=node)[:60]
                )
            zones.append(
                {
                    "id": f"z{len(zones) + 1}",
                    "marker": numbers[choice],
                    "shape": _MOODLE_SHAPES[shape],
                    "coords": coords,
                }
            )
        if not zones:
            q.reject("dd_no_zones")
        for key in ("showmisplaced", "shuffleanswers", "shownumcorrect"):
            if q.find(key) is not None:
                q.keep(key, q.flag(key))
        return "drag_drop_marker", {"image": image, "markers": markers, "zones": zones}

    def moodlexml_write(self, w: MoodleQuestionWriter) -> str:
        from ..interchange.moodlexml import format_number as number

        data = w.data
        if w.moodle.get("showmisplaced"):
            w.add("showmisplaced")
        w.combined_feedback()
        w.image_file(w.element, data["image"]["name"])
        numbers = {}
        for position, marker in enumerate(data["markers"], start=1):
            numbers[marker["id"]] = position
            node = w.add("drag")
            w.add("no", position, parent=node)
            w.add("text", marker.get("text", ""), parent=node)
            if marker.get("count") is None:
                w.add("infinite", parent=node)
            else:
                w.add("noofdrags", int(marker["count"]), parent=node)
        for position, zone in enumerate(data["zones"], start=1):
            node = w.add("drop")
            w.add("no", position, parent=node)
            coords = zone["coords"]
            if zone["shape"] == "circle":
                shape, text = (
                    "circle",
                    f"{number(coords[0])},{number(coords[1])};{number(coords[2])}",
                )
            elif zone["shape"] == "rect":
                shape = "rectangle"
                corner, size = coords[:2], coords[2:]
                text = ";".join(f"{number(a)},{number(b)}" for a, b in (corner, size))
            else:
                shape, text = "polygon", ";".join(f"{number(x)},{number(y)}" for x, y in coords)
            w.add("shape", shape, parent=node)
            w.add("coords", text, parent=node)
            w.add("choice", numbers[zone["marker"]], parent=node)
        return "ddmarker"


_MOODLE_SHAPES = {"circle": "circle", "rectangle": "rect", "polygon": "polygon"}


def _moodle_coords(shape: str, text: str) -> list[Any] | None:
    """Moodle's drop-zone coordinates as the zone's ``coords``; None when unreadable."""

    def point(pair: str) -> list[int | float]:
        x, y = (float(v) for v in pair.split(","))
        if not (math.isfinite(x) and math.isfinite(y)):
            raise ValueError(pair)
        return [int(v) if v.is_integer() else v for v in (x, y)]

    try:
        parts = [p for p in text.replace(" ", "").split(";") if p]
        if shape == "circle":
            radius = float(parts[1])
            if not math.isfinite(radius):
                return None
            return [*point(parts[0]), int(radius) if radius.is_integer() else radius]
        if shape == "rectangle":
            return [*point(parts[0]), *point(parts[1])]
        if shape == "polygon":
            points = [point(pair) for pair in parts]
            return points if len(points) >= 3 else None
    except (ValueError, IndexError):
        return None
    return None

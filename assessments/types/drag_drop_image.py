"""Drag and drop onto an image (Moodle's ddimageortext): text items are dropped onto the
zones of a background image. Where the zones are is shown (they are the drop targets);
which item belongs in which zone is the key."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from fractions import Fraction
from typing import TYPE_CHECKING, Any, ClassVar

from .base import Problem, QuestionType, gettext_noop, is_number

if TYPE_CHECKING:
    from ..interchange.moodlexml import MoodleQuestionReader, MoodleQuestionWriter
    from ..interchange.qti import QtiItemReader, QtiItemWriter
from .drop_common import (
    check_group_entries,
    check_image,
    check_slot_answers,
    grade_slots,
    normalize_slots,
    public_entries,
    slot_counts,
    slot_groups,
    token_of,
    valid_entries,
    valid_slots,
)

_ITEM_MESSAGES = {
    "list": gettext_noop("At least one item is needed."),
    "object": gettext_noop("Item {position} must be an object."),
    "no_id": gettext_noop("Item {position} has no id."),
    "no_text": gettext_noop("Item {position} has no text."),
}


class DragDropImage(QuestionType):
    name = "drag_drop_image"
    label = gettext_noop("Drag and drop onto an image")
    gift_refusal = "export_drag_drop"  # why GIFT cannot write it (a key of gift.MESSAGES)
    response_field = "zones"
    blank: dict[str, str] = {}
    entry_lists = ("zones", "items")
    response_id_shape = "pairs"
    # Items are often written in the order of their zones: never shown in that order.
    always_shuffled = frozenset({"items"})
    public_keys = ("image",)
    text_lists = ("items",)
    script = "js/types/drag_drop.js"

    # --- authoring ---------------------------------------------------------------------
    def validate(self, data: Mapping[str, Any], problems: list[str]) -> None:
        width, height = check_image(data, problems)
        items = check_group_entries(data.get("items"), _ITEM_MESSAGES, problems)
        zones = data.get("zones")
        if not isinstance(zones, list) or not zones:
            problems.append(Problem(gettext_noop("At least one drop zone is needed.")))
            zones = []
        seen: set[str] = set()
        for position, zone in enumerate(zones, start=1):
            if (
                not isinstance(zone, Mapping)
                or not isinstance(zone.get("id"), str)
                or not zone["id"]
            ):
                problems.append(
                    Problem(gettext_noop("Drop zone {position} needs an id."), position=position)
                )
                continue
            if zone["id"] in seen:
                problems.append(
                    Problem(
                        gettext_noop("The id “{ident}” is used more than once."), ident=zone["id"]
                    )
                )
            seen.add(zone["id"])
            x, y = zone.get("x"), zone.get("y")
            if not (is_number(x) and is_number(y) and 0 <= x <= width and 0 <= y <= height):
                problems.append(
                    Problem(
                        gettext_noop("Drop zone “{ident}” needs a position x, y inside the image."),
                        ident=zone["id"],
                    )
                )
            if "label" in zone and not isinstance(zone["label"], str):
                problems.append(
                    Problem(
                        gettext_noop("The label of drop zone “{ident}” must be text."),
                        ident=zone["id"],
                    )
                )
        check_slot_answers(
            valid_slots(data, "zones"),
            items,
            gettext_noop("The drop zone “{ident}” names an unknown correct item {value}."),
            problems,
            reuse_allowed=False,
        )

    editor_script = "js/question_editor/drag_drop_image.js"
    editor_strings: ClassVar[dict[str, str]] = {
        "items": gettext_noop("Items to drop"),
        "item": gettext_noop("Item"),
        "itemText": gettext_noop("Text"),
        "group": gettext_noop("Group"),
        "unlimited": gettext_noop("May fill several zones"),
        "addItem": gettext_noop("Add an item"),
        "zones": gettext_noop("Drop zones"),
        "zonesHelp": gettext_noop(
            "Each zone's top-left corner, in pixels of the image; a zone takes the items of "
            "its right item's group."
        ),
        "zone": gettext_noop("Zone"),
        "x": gettext_noop("From the left"),
        "y": gettext_noop("From the top"),
        "rightItem": gettext_noop("Right item"),
        "addZone": gettext_noop("Add a zone"),
    }

    def skeleton(self) -> tuple[dict[str, Any], dict[str, Any]]:
        """A background image (a name of the platform's or a stored image), two items and
        two zones (top-left corners, in image pixels)."""
        return {
            "image": {"name": "", "width": 800, "height": 500},
            "items": [{"id": f"i{n}", "group": 1, "unlimited": False} for n in (1, 2)],
            "zones": [
                {"id": "z1", "x": 100, "y": 100, "correct": "i1"},
                {"id": "z2", "x": 400, "y": 300, "correct": "i2"},
            ],
        }, {"image_alt": "", "items": {"i1": {"text": ""}, "i2": {"text": ""}}}

    # --- delivery ----------------------------------------------------------------------
    def normalize(self, data: Mapping[str, Any], value: Any) -> Any:
        return normalize_slots(
            value, valid_slots(data, "zones"), valid_entries(data, "items"), reuse_allowed=False
        )

    def public_layout(
        self,
        full: Mapping[str, Any],
        view: dict[str, Any],
        tokens: Mapping[str, str],
        order: Mapping[str, Any],
    ) -> None:
        """The items (shuffled, by token) and the zones: position, group and label, in
        reading order (top to bottom, left to right), by token; never their answer."""
        items = valid_entries(full, "items")
        view["items"] = public_entries(items, order.get("items") or list(items), tokens, "items")
        zones = valid_slots(full, "zones")
        groups = slot_groups(zones, items)
        placed = []
        for zone in zones:
            token = token_of(tokens, "zones", zone["id"])
            x, y = zone.get("x"), zone.get("y")
            if token is None or not (is_number(x) and is_number(y)):
                continue
            placed.append(
                {
                    "id": token,
                    "x": x,
                    "y": y,
                    "group": groups.get(zone["id"], 1),
                    "label": zone.get("label", "") if isinstance(zone.get("label"), str) else "",
                }
            )
        placed.sort(key=lambda z: (z["y"], z["x"]))
        for number, zone in enumerate(placed, start=1):
            zone["number"] = number
        view["zones"] = placed

    def arrange_view(self, view: dict[str, Any], answer: Mapping[str, Any]) -> None:
        """Each zone shows the item saved in it."""
        filled = answer.get("zones") or {}
        texts = {i["id"]: i["text"] for i in view.get("items", [])}
        for zone in view.get("zones", []):
            token = filled.get(zone["id"])
            if token in texts:
                zone["value"], zone["value_text"] = token, texts[token]

    # --- grading -----------------------------------------------------------------------
    def grade(self, data: Mapping[str, Any], value: Any) -> tuple[Fraction, dict[str, Any]]:
        return grade_slots(value, valid_slots(data, "zones"))

    # --- item analysis -----------------------------------------------------------------
    def answer_counts(self, values: Iterable[Any]) -> dict[str, int]:
        return slot_counts(values)

    # --- Moodle XML (the format: assessments/interchange/moodlexml.py) ----------------------
    moodle_qtypes: ClassVar[tuple[str, ...]] = ("ddimageortext",)

    def moodlexml_read(self, q: MoodleQuestionReader) -> tuple[str, dict[str, Any]]:
        """Moodle's ``ddimageortext``: the question's ``<file>`` is the background image,
        each ``drag`` an item (its ``<file>`` an item image), each ``drop`` a zone at
        ``xleft``/``ytop`` whose ``choice`` is the item's ``no``."""
        from decimal import Decimal

        from ..interchange.moodlexml import json_number

        image = q.background_image()
        items = []
        numbers: dict[str, str] = {}
        for node in q.findall("drag"):
            ident = f"i{len(items) + 1}"
            numbers[q.value("no", element=node)] = ident
            item: dict[str, Any] = {
                "id": ident,
                "text": q.plain(".", element=node),
                "group": max(1, int(q.number("draggroup", Decimal(1), element=node) or 1)),
                "unlimited": node.find("infinite") is not None,
            }
            file = node.find("file")
            if file is not None and file.get("name"):
                item["image"] = {"name": q.image(file.get("name") or "")}
            items.append(item)
        if not items:
            q.reject("dd_no_choices")
        zones = []
        for node in q.findall("drop"):
            number, choice = q.value("no", element=node), q.value("choice", element=node)
            if choice not in numbers:
                q.reject("dd_bad_choice", number=number, choice=choice)
            zone: dict[str, Any] = {
                "id": f"z{len(zones) + 1}",
                "x": json_number(q.number("xleft", Decimal(0), element=node) or Decimal(0)),
                "y": json_number(q.number("ytop", Decimal(0), element=node) or Decimal(0)),
                "correct": numbers[choice],
            }
            label = q.plain("text", element=node)
            if label:
                zone["label"] = label
            zones.append(zone)
        if not zones:
            q.reject("dd_no_zones")
        for key in ("shuffleanswers", "shownumcorrect"):
            if q.find(key) is not None:
                q.keep(key, q.flag(key))
        return "drag_drop_image", {"image": image, "items": items, "zones": zones}

    def moodlexml_write(self, w: MoodleQuestionWriter) -> str:
        from ..interchange.moodlexml import format_number

        data = w.data
        if "shuffleanswers" in w.moodle:
            w.add("shuffleanswers", "1" if w.moodle["shuffleanswers"] else "0")
        w.combined_feedback()
        w.image_file(w.element, data["image"]["name"])
        numbers = {}
        for number, item in enumerate(data["items"], start=1):
            numbers[item["id"]] = number
            node = w.add("drag")
            w.add("no", number, parent=node)
            w.add("text", item.get("text", ""), parent=node)
            w.add("draggroup", int(item.get("group", 1)), parent=node)
            if item.get("unlimited"):
                w.add("infinite", parent=node)
            if isinstance(item.get("image"), Mapping):
                w.image_file(node, item["image"]["name"])
        for number, zone in enumerate(data["zones"], start=1):
            node = w.add("drop")
            w.add("text", zone.get("label", ""), parent=node)
            w.add("no", number, parent=node)
            w.add("choice", numbers[zone["correct"]], parent=node)
            w.add("xleft", format_number(zone["x"]), parent=node)
            w.add("ytop", format_number(zone["y"]), parent=node)
        return "ddimageortext"

    # --- QTI 3.0 (the format: assessments/interchange/qti.py) ---------------------------
    qti_interactions: ClassVar[tuple[str, ...]] = ("graphic-gap-match-interaction",)

    def qti_read(self, q: QtiItemReader) -> dict[str, Any]:
        image = q.background()
        items = []
        for node in q.interaction:
            if node.tag not in ("gap-img", "gap-text"):
                continue
            ident = node.get("identifier", "")
            item: dict[str, Any] = {
                "id": ident,
                "text": q.plain(node),
                "group": 1,
                "unlimited": node.get("match-max", "1").strip() == "0",
            }
            picture = next(
                (found for child in node if (found := q.image_element(child)) is not None), None
            )
            if picture is not None:
                item["image"] = {"name": q.image(picture[0])}
                item["text"] = item["text"] or ident
            if not item["text"]:
                q.reject("choice_no_text", identifier=ident[:60])
            items.append(item)
        item_ids = {i["id"] for i in items}
        spots = {n.get("identifier", ""): n for n in q.interaction.iter("associable-hotspot")}
        placed = q.placed(item_ids, spots)
        zones = []
        for ident, node in spots.items():
            if ident not in placed:
                continue
            region = q.region(node, image["width"], image["height"])
            if region["shape"] == "rect":
                x, y = region["coords"][0], region["coords"][1]
            else:
                x = min(point[0] for point in region["coords"])
                y = min(point[1] for point in region["coords"])
            zones.append({"id": ident, "x": x, "y": y, "correct": placed[ident]})
        return {"image": image, "items": items, "zones": zones}

    def qti_write(self, w: QtiItemWriter) -> None:
        data = w.data
        image = data["image"]
        pairs = [f"{w.ident(z['correct'])} {w.ident(z['id'])}" for z in data["zones"]]
        w.declare("multiple", "directedPair", pairs)
        element = w.interaction("qti-graphic-gap-match-interaction")
        w.image_node(element, image)
        for item in data["items"]:
            picture = item.get("image") or {}
            if picture.get("name"):
                gap = w.add(
                    element,
                    "qti-gap-img",
                    identifier=w.ident(item["id"]),
                    match_max=0 if item.get("unlimited") else 1,
                )
                w.add(gap, "img", src=w.image_path(str(picture["name"])), alt=str(item["text"]))
                continue
            w.add(
                element,
                "qti-gap-text",
                str(item["text"]),
                identifier=w.ident(item["id"]),
                match_max=0 if item.get("unlimited") else 1,
            )
        for zone in data["zones"]:
            x, y = float(zone["x"]), float(zone["y"])
            right = min(float(image["width"]), x + 40)
            bottom = min(float(image["height"]), y + 20)
            w.add(
                element,
                "qti-associable-hotspot",
                identifier=w.ident(zone["id"]),
                shape="rect",
                coords=",".join(w.format(v) for v in (x, y, right, bottom)),
                match_max=1,
            )

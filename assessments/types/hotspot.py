"""Image hotspot: click the right regions of an image."""

from __future__ import annotations

import math
from collections.abc import Mapping
from fractions import Fraction
from typing import TYPE_CHECKING, Any, ClassVar

from .base import (
    Problem,
    QuestionType,
    ResponseError,
    check_unique,
    gettext_noop,
    ids,
    is_id,
    is_number,
    number_text,
    show,
)
from .geometry import regions_hit

if TYPE_CHECKING:
    from ..interchange.qti import QtiItemReader, QtiItemWriter

TARGETS: tuple[str, ...] = ("any", "all")


def _max_clicks(data: Mapping[str, Any]) -> int:
    value = data.get("max_clicks", 1)
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 1 else 1


def _penalty(data: Mapping[str, Any]) -> float:
    value = data.get("wrong_click_penalty", 0)
    return float(value) if is_number(value) and 0 <= value <= 1 else 0.0


def _validate_region(
    position: int, region: Any, width: float, height: float, problems: list[str]
) -> None:
    if not isinstance(region, Mapping):
        problems.append(
            Problem(gettext_noop("Region {position} must be an object."), position=position)
        )
        return
    name = f"“{region['id']}”" if is_id(region.get("id")) else str(position)
    if not is_id(region.get("id")):
        problems.append(Problem(gettext_noop("Region {position} has no id."), position=position))
    label = region.get("label")
    if not isinstance(label, str) or not label.strip():
        problems.append(Problem(gettext_noop("Region {region} has no label."), region=name))
    shape, coords = region.get("shape"), region.get("coords")
    if shape == "rect":
        if not (isinstance(coords, list) and len(coords) == 4 and all(map(is_number, coords))):
            problems.append(
                Problem(
                    gettext_noop(
                        "Region {region}: a rectangle needs four numbers [x, y, width, height]."
                    ),
                    region=name,
                )
            )
            return
        x, y, w, h = coords
        if w <= 0 or h <= 0:
            problems.append(
                Problem(
                    gettext_noop(
                        "Region {region}: the rectangle must have a positive width and height."
                    ),
                    region=name,
                )
            )
        if x < 0 or y < 0 or x + w > width or y + h > height:
            problems.append(
                Problem(gettext_noop("Region {region} extends outside the image."), region=name)
            )
    elif shape == "polygon":
        if not isinstance(coords, list) or not all(
            isinstance(p, list) and len(p) == 2 and all(map(is_number, p)) for p in coords
        ):
            problems.append(
                Problem(
                    gettext_noop("Region {region}: a polygon needs a list of [x, y] points."),
                    region=name,
                )
            )
            return
        if len(coords) < 3:
            problems.append(
                Problem(
                    gettext_noop(
                        "Region {region}: a polygon needs at least 3 points; it has {count}."
                    ),
                    region=name,
                    count=len(coords),
                )
            )
            return
        if any(not (0 <= px <= width and 0 <= py <= height) for px, py in coords):
            problems.append(
                Problem(gettext_noop("Region {region} extends outside the image."), region=name)
            )
        doubled_area = sum(
            coords[i][0] * coords[(i + 1) % len(coords)][1]
            - coords[(i + 1) % len(coords)][0] * coords[i][1]
            for i in range(len(coords))
        )
        if doubled_area == 0:
            problems.append(
                Problem(gettext_noop("Region {region}: the polygon has no area."), region=name)
            )
    else:
        problems.append(
            Problem(
                gettext_noop("Region {region}: unknown shape {value}; use rect or polygon."),
                region=name,
                value=show(shape),
            )
        )


def _validate_hotspot_data(data: Mapping[str, Any], problems: list[str]) -> None:
    image = data.get("image")
    width = height = math.inf
    if not isinstance(image, Mapping):
        problems.append(Problem(gettext_noop("The image (width, height, alt) is missing.")))
    else:
        w, h = image.get("width"), image.get("height")
        if is_number(w) and is_number(h) and w > 0 and h > 0:
            width, height = w, h
        else:
            problems.append(
                Problem(gettext_noop("The image width and height must be positive numbers."))
            )
        alt = image.get("alt")
        if not isinstance(alt, str) or not alt.strip():
            problems.append(Problem(gettext_noop("The image needs a text alternative (alt).")))
    regions = data.get("regions")
    if not isinstance(regions, list) or not regions:
        problems.append(Problem(gettext_noop("At least one region is needed.")))
        regions = regions if isinstance(regions, list) else []
    for position, region in enumerate(regions, start=1):
        _validate_region(position, region, width, height, problems)
    check_unique(ids(regions), problems)
    targets = data.get("targets")
    if targets is None:
        problems.append(Problem(gettext_noop("The targets setting is missing; use any or all.")))
    elif targets not in TARGETS:
        problems.append(
            Problem(gettext_noop("Unknown targets {value}; use any or all."), value=show(targets))
        )
    max_clicks = data.get("max_clicks")
    if not isinstance(max_clicks, int) or isinstance(max_clicks, bool) or max_clicks < 1:
        problems.append(
            Problem(
                gettext_noop("The maximum number of clicks must be a whole number of at least 1.")
            )
        )
    elif targets == "all" and max_clicks < len(regions):
        problems.append(
            Problem(
                gettext_noop(
                    "With targets “all”, at least {count} clicks must be allowed "
                    "(one per region); the maximum is {maximum}."
                ),
                count=len(regions),
                maximum=max_clicks,
            )
        )
    penalty = data.get("wrong_click_penalty")
    if not is_number(penalty) or not 0 <= penalty <= 1:
        problems.append(
            Problem(gettext_noop("The wrong-click penalty must be a number from 0 to 1."))
        )


class Hotspot(QuestionType):
    name = "hotspot"
    label = gettext_noop("Image hotspot")
    gift_refusal = "export_hotspot"  # why GIFT cannot write it (a key of gift.MESSAGES)
    response_field = "clicks"
    blank: list[list[float]] = []
    public_keys = ("image", "max_clicks")

    def validate(self, data: Mapping[str, Any], problems: list[str]) -> None:
        _validate_hotspot_data(data, problems)

    def normalize(self, data: Mapping[str, Any], value: Any) -> Any:
        if value is None:
            return []
        if not isinstance(value, list):
            raise ResponseError("wrong_shape")
        max_clicks = _max_clicks(data)
        if len(value) > max_clicks:
            raise ResponseError("too_many_clicks", max_clicks=max_clicks, count=len(value))
        image = data.get("image") or {}
        width, height = image.get("width", 0), image.get("height", 0)
        clicks: list[list[float]] = []
        for index, click in enumerate(value, start=1):
            if not isinstance(click, list | tuple) or len(click) != 2:
                raise ResponseError("wrong_shape")
            for coordinate in click:
                if isinstance(coordinate, bool) or not isinstance(coordinate, int | float):
                    raise ResponseError("wrong_shape")
                if not math.isfinite(coordinate):
                    raise ResponseError("not_a_number", value=show(coordinate))
            x, y = float(click[0]) + 0.0, float(click[1]) + 0.0
            if not (0 <= x <= width and 0 <= y <= height):
                raise ResponseError(
                    "outside_image",
                    index=index,
                    x=number_text(x),
                    y=number_text(y),
                    width=number_text(width),
                    height=number_text(height),
                )
            clicks.append([x, y])
        return clicks

    def grade(self, data: Mapping[str, Any], clicks: Any) -> tuple[Fraction, dict]:
        regions = [
            r for r in data.get("regions") or [] if isinstance(r, Mapping) and is_id(r.get("id"))
        ]
        targets = data.get("targets", "any")
        targets = targets if targets in TARGETS else "any"
        penalty = Fraction(_penalty(data))
        click_details = []
        hit: set[str] = set()
        wrong_clicks = 0
        for x, y in clicks:
            inside = regions_hit(x, y, regions)
            hit.update(inside)
            wrong_clicks += not inside
            click_details.append({"x": x, "y": y, "regions": inside})
        region_ids = [r["id"] for r in regions]
        if not clicks or not region_ids:
            base = Fraction(0)
        elif targets == "all":
            base = Fraction(sum(1 for r in region_ids if r in hit), len(region_ids))
        else:
            base = Fraction(int(bool(hit)))
        fraction = max(Fraction(0), base - penalty * wrong_clicks)
        return fraction, {
            "targets": targets,
            "clicks": click_details,
            "regions_hit": [r for r in region_ids if r in hit],
            "regions_missed": [r for r in region_ids if r not in hit],
            "wrong_clicks": wrong_clicks,
            "penalty": float(penalty * wrong_clicks),
        }

    # --- QTI 3.0 (the format: assessments/interchange/qti.py) ---------------------------
    qti_interactions: ClassVar[tuple[str, ...]] = (
        "hotspot-interaction",
        "select-point-interaction",
    )

    def qti_read(self, q: QtiItemReader) -> dict[str, Any]:
        """A hotspot interaction (its correct choices the regions) or a select-point
        interaction (its area mapping's areas with credit the regions)."""
        if q.name == "select-point-interaction":
            return self._qti_read_select_point(q)
        return self._qti_read_hotspot(q)

    def _qti_read_hotspot(self, q: QtiItemReader) -> dict[str, Any]:
        image = q.background()
        choices = {
            node.get("identifier", ""): node for node in q.interaction.iter("hotspot-choice")
        }
        wanted = q.correct()
        if q.mapped:
            wanted += [k for k, v in q.mapping().items() if v > 0 and k not in wanted]
        if not wanted:
            q.reject("no_correct")
        q.known(wanted, choices)
        regions = [q.region(choices[i], image["width"], image["height"]) for i in wanted]
        single = q.decl.cardinality == "single"
        max_clicks = q.integer("max-choices", 1 if single else len(choices)) or len(choices)
        targets = "any" if single else "all"
        if targets == "all":
            max_clicks = max(max_clicks, len(regions))
        penalty = q.attr("data-wrong-click-penalty")
        return {
            "image": image,
            "regions": regions,
            "targets": targets,
            "max_clicks": max(1, max_clicks),
            "wrong_click_penalty": q.clamp(q.number(penalty, "penalty"), 0) if penalty else 0,
        }

    def _qti_read_select_point(self, q: QtiItemReader) -> dict[str, Any]:
        """A select-point interaction scored by its area mapping: each area with credit is a
        region of a hotspot question."""
        image = q.background()
        areas = [(shape, coords) for shape, coords, value in q.decl.areas if value > 0]
        if not areas or q.processing == "match_correct":
            q.reject("no_correct")
        regions = []
        for number, (shape, coords) in enumerate(areas, start=1):
            regions.append(q.area(f"r{number}", shape, coords, image["width"], image["height"]))
        single = q.decl.cardinality == "single"
        max_clicks = q.integer("max-choices", 1) or len(regions)
        return {
            "image": image,
            "regions": regions,
            "targets": "any" if single else "all",
            "max_clicks": max(1, max_clicks, 0 if single else len(regions)),
            "wrong_click_penalty": 0,
        }

    def qti_write(self, w: QtiItemWriter) -> None:
        data = w.data
        image = data["image"]
        regions = data["regions"]
        single = data.get("targets", "any") == "any"
        ids = [w.ident(r["id"]) for r in regions]
        if single:
            mapping = [(i, 1.0, None) for i in ids] if len(ids) > 1 else []
            w.declare("single", "identifier", ids[:1], mapping)
        else:
            w.declare("multiple", "identifier", ids)
        penalty = data.get("wrong_click_penalty") or 0
        element = w.interaction(
            "qti-hotspot-interaction",
            max_choices=1 if single else max(len(ids), int(data.get("max_clicks") or 1)),
            data_wrong_click_penalty=w.format(penalty) if penalty else None,
        )
        if single and int(data.get("max_clicks") or 1) != 1:
            raise ValueError("export_invalid")
        w.image_node(element, image)
        for region, ident in zip(regions, ids, strict=True):
            shape, coords = w.shape_coords(region)
            w.add(
                element,
                "qti-hotspot-choice",
                identifier=ident,
                shape=shape,
                coords=coords,
                hotspot_label=str(region.get("label") or "") or None,
            )

"""Demo seed for assessments: a question bank per track (16+ questions, every type, in
English and Spanish, hotspots on images the platform draws), a final assessment in each
regional course, and a few finished attempts by demo officers so that item analysis has
data. Idempotent."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any, TextIO

from django.db import transaction
from wagtail.models import Locale

from courses.models import CoursePage, ModulePage
from courses.services import enrolment_create
from lms.accounts.models import User
from lms.accounts.roles import Role
from lms.seeding import SeedReport

from . import services
from .demo.answers import essay_answer, grader_comment, rubric_levels
from .demo.merge import load_bank, question_in
from .marking import services as marking
from .models import AssessmentPage, Attempt, DrawRule, Question, QuestionBank, ReviewPolicy
from .tokens import answer_for_browser

BANKS = Path(__file__).resolve().parent / "demo" / "banks"
COURSE_OF_TRACK = {
    "illicit_trade": "detecting-illicit-trade",
    "integrity": "integrity-and-corruption-prevention",
    "ftz_aeo": "free-trade-zones-and-aeo",
}
TITLES = {
    "en": "Final assessment",
    "es": "Evaluación final",
    "pt-br": "Avaliação final",
    "fr": "Évaluation finale",
}
# Three attempts from one bank: answers only once none remains (assessments/review.py).
DEMO_REVIEW_POLICY = ReviewPolicy.AFTER_LAST
DEMO_OFFICERS = ("officer.per", "officer.per2", "officer.pan", "officer.jam", "officer.bra")
# Essays (tagged so): each final assessment whose bank has one draws one. The demo grades
# every demo officer's essay but these officers', which wait in "Essays to grade".
ESSAY_TAG = "format:essay"
DEMO_ESSAYS_WAITING = ("officer.per2",)


def _bank(spec: dict[str, Any], report: SeedReport) -> QuestionBank:
    bank, created = QuestionBank.objects.get_or_create(
        title=spec["en"]["title"],
        administration=None,
        defaults={"description": spec["en"].get("description", "")},
    )
    report["created" if created else "unchanged"] += 1
    for q in spec["questions"]:
        if Question.objects.filter(bank=bank, uid=q["uid"]).exists():
            continue
        question = Question.objects.create(bank=bank, uid=q["uid"])
        texts = {}
        # English and Spanish always; Portuguese and French where the question has them.
        for language in ("en", "es", *(code for code in ("pt-br", "fr") if code in q)):
            merged = question_in(language, q)
            texts[language] = {
                "title": merged["title"],
                "stem": merged["stem"],
                "feedback": merged.get("feedback", {}),
                "data": merged["data"],
            }
        services.question_version_save(
            actor=None,
            question=question,
            qtype=q["type"],
            data=question_in("en", q)["data"],
            texts=texts,
            points=q.get("points", 1),
        )
        question.tags.add(*q.get("tags", []))
        report["created"] += 1
    return bank


def _assessment(
    course: CoursePage, bank: QuestionBank, report: SeedReport
) -> AssessmentPage | None:
    module = ModulePage.objects.child_of(course).live().order_by("-path").first()
    if module is None:
        return None
    existing = AssessmentPage.objects.child_of(module).first()
    if existing is not None:
        if existing.review_policy != DEMO_REVIEW_POLICY:
            # Demos seeded before the policy changed: answers after the last attempt.
            for page in [existing, *existing.get_translations()]:
                page = page.specific
                page.review_policy = DEMO_REVIEW_POLICY
                page.save_revision().publish()
            report["updated"] += 1
        else:
            report["unchanged"] += 1
        return existing
    page = AssessmentPage(
        title=TITLES["en"],
        slug="final-assessment",
        pass_mark=70,
        time_limit_minutes=30,
        max_attempts=3,
        delay_between_attempts_minutes=0,
        review_policy=DEMO_REVIEW_POLICY,
        locale=module.locale,
    )
    rules = []
    if bank.questions.filter(tags__name=ESSAY_TAG).exists():  # one written answer, always
        rules.append(DrawRule(bank=bank, tag=ESSAY_TAG, count=1, section=bank.title))
    count = min(16, bank.questions.count()) - len(rules)
    page.draw_rules = [*rules, DrawRule(bank=bank, count=count, section=bank.title)]
    module.add_child(instance=page)
    page.save_revision().publish()
    for code, title in TITLES.items():  # in each language the module has
        locale = Locale.objects.filter(language_code=code).first()
        if code == "en" or locale is None or module.get_translation_or_none(locale) is None:
            continue
        translated = page.copy_for_translation(locale)
        translated.title = title
        translated.save_revision().publish()
    report["created"] += 1
    return page


def _demo_attempts(page: AssessmentPage, course: CoursePage, rng: random.Random) -> None:
    for username in DEMO_OFFICERS:
        officer = User.objects.filter(username=username).first()
        if (
            officer is None
            or Attempt.objects.filter(user=officer, assessment_key=page.translation_key).exists()
        ):
            continue
        enrolment_create(actor=officer, course=course)
        attempt = services.attempt_start(
            actor=officer, assessment=page, language=officer.preferred_language
        )
        skill = rng.random()
        strong: dict[int, bool] = {}  # essays: position -> a strong answer
        for response in attempt.responses.select_related("version"):
            version = response.version
            right = rng.random() < 0.35 + 0.6 * skill
            if version.type == "essay":
                strong[response.position] = right
                answer: Any = {"text": essay_answer(attempt.language, strong=right)}
            else:
                answer = answer_for_browser(  # as the attempt page would send it
                    version.type,
                    _answer(version.type, version.data, right=right, rng=rng),
                    response.option_order.get("tokens") or {},
                )
            services.response_save(
                actor=officer,
                attempt_id=attempt.pk,
                position=response.position,
                seq=1,
                answer=answer,
            )
        services.attempt_submit(actor=officer, attempt_id=attempt.pk)
        if officer.username not in DEMO_ESSAYS_WAITING:
            _grade_essays(attempt, officer, skill, strong)


def _grader_of(officer: User) -> User | None:
    """Who grades the officer's essays in the demo: a training manager of the officer's
    administration, or else a regional author (the demo assessments are regional)."""
    managers = User.objects.filter(groups__name=Role.TRAINING_MANAGER.value, is_active=True)
    return (
        managers.filter(administration_id=officer.administration_id).order_by("pk").first()
        or managers.filter(administration__isnull=True).order_by("pk").first()
    )


def _grade_essays(attempt: Attempt, officer: User, skill: float, strong: dict[int, bool]) -> None:
    """Grade the attempt's waiting essays through the grading service, as the grader would
    on the grading page: one rubric level per criterion, following the answer written (a
    strong or a weak one) and the officer's skill, and a comment in the officer's language.
    The last grade completes the attempt (result, events, certificates)."""
    grader = _grader_of(officer)
    if grader is None:
        return
    waiting = attempt.responses.filter(needs_grading=True).select_related("version")
    for response in waiting.order_by("position"):
        good, skilled = strong.get(response.position, False), skill >= 0.5
        demo = rubric_levels(strong=good, skilled=skilled)
        target = 0.45 + 0.55 * skill if good else 0.5 * skill
        chosen: dict[str, str] = {}
        for criterion in (response.version.data.get("rubric") or {}).get("criteria", []):
            levels = sorted(criterion["levels"], key=lambda level: level["points"])
            ids = [level["id"] for level in levels]
            wanted = demo.get(criterion["id"])
            chosen[criterion["id"]] = (
                wanted if wanted in ids else ids[round(target * (len(ids) - 1))]
            )
        marking.essay_grade_save(
            actor=grader,
            response_id=response.pk,
            rubric=chosen,
            fraction=round(target, 2),  # used only when the essay has no rubric
            comment=grader_comment(attempt.language, strong=good, skilled=skilled),
        )


def _answer(qtype: str, data: dict[str, Any], *, right: bool, rng: random.Random) -> dict[str, Any]:
    ids = [o["id"] for o in data.get("options", [])]
    if qtype == "single_choice":
        return {
            "option": data["correct"]
            if right
            else rng.choice([i for i in ids if i != data["correct"]])
        }
    if qtype == "multiple_response":
        return {"options": list(data["correct"]) if right else rng.sample(ids, 1)}
    if qtype == "true_false":
        return {"value": data["correct"] if right else not data["correct"]}
    if qtype == "numeric" and "answers" in data:
        return {"value": _numeric_answer(data, right=right)}
    if qtype == "numeric":
        return {"value": str(data["answer"] if right else data["answer"] + 3)}
    if qtype == "short_answer":
        typed = [a["text"] for a in data["answers"] if "*" not in a["text"]]
        full = [a["text"] for a in data["answers"] if a["fraction"] == 1 and "*" not in a["text"]]
        return {"text": full[0] if right else typed[-1] + " ?"}
    if qtype == "description":
        return {"value": None}
    if qtype == "ordering":
        order = list(data["correct_order"])
        if not right:
            rng.shuffle(order)
        return {"order": order}
    if qtype == "matching":
        pairs = dict(data["correct"])
        if not right and len(pairs) > 1:
            keys = list(pairs)
            pairs[keys[0]], pairs[keys[1]] = pairs[keys[1]], pairs[keys[0]]
        return {"pairs": pairs}
    if qtype == "cloze":
        return {"gaps": _cloze_answer(data, right=right)}
    if qtype in ("drag_drop_text", "drag_drop_image"):
        slots = data.get("gaps") or data.get("zones")
        filled = {slot["id"]: slot["correct"] for slot in slots}
        if not right and len(slots) > 1:
            first, second = slots[0]["id"], slots[1]["id"]
            filled[first], filled[second] = filled[second], filled[first]
        return {"gaps" if "gaps" in data else "zones": filled}
    if qtype == "drag_drop_marker":
        placements: dict[str, list[list[float]]] = {}
        for zone in data["zones"] if right else data["zones"][:1]:
            placements.setdefault(zone["marker"], []).append(_zone_point(zone))
        return {"placements": placements}
    region = data["regions"][0]
    coords = region["coords"]
    if region["shape"] == "rect":
        point = [coords[0] + coords[2] / 2, coords[1] + coords[3] / 2]
    else:
        point = [sum(p[0] for p in coords) / len(coords), sum(p[1] for p in coords) / len(coords)]
    return {"clicks": [point] if right else [[1, 1]]}


def _numeric_answer(data: dict[str, Any], *, right: bool) -> str:
    """The first full-credit number (or it plus 3), in the unit of multiplier 1 when the
    question takes units."""
    value = next(
        a["value"] for a in data["answers"] if a["fraction"] == 1 and a["value"] is not None
    )
    base = [u["unit"] for u in data.get("units", []) if u["multiplier"] == 1]
    unit = f" {base[0]}" if base and data.get("unit_handling") in ("optional", "required") else ""
    return f"{value if right else value + 3}{unit}"


def _cloze_answer(data: dict[str, Any], *, right: bool) -> dict[str, Any]:
    """Every gap answered rightly, or each gap with its first answer worth nothing."""
    gaps: dict[str, Any] = {}
    for gap in data["gaps"]:
        if gap["kind"] == "choice":
            good = [o["id"] for o in gap["options"] if o["fraction"] > 0]
            bad = [o["id"] for o in gap["options"] if o["fraction"] <= 0]
            if gap["display"] != "checkbox":
                good = [o["id"] for o in gap["options"] if o["fraction"] == 1][:1]
            chosen = good if right else bad[:1]
            gaps[gap["id"]] = chosen if gap["display"] == "checkbox" else chosen[0]
            continue
        answers = [a for a in gap["answers"] if a.get("value") != "*"]
        pick = next((a for a in answers if (a["fraction"] == 1) == right), answers[0])
        gaps[gap["id"]] = str(pick["value"] if gap["kind"] == "numeric" else pick["text"])
    return gaps


def _zone_point(zone: dict[str, Any]) -> list[float]:
    """A point inside a drag-and-drop marker zone (its centre)."""
    coords = zone["coords"]
    if zone["shape"] == "circle":
        return [coords[0], coords[1]]
    if zone["shape"] == "rect":
        return [coords[0] + coords[2] / 2, coords[1] + coords[3] / 2]
    return [sum(p[0] for p in coords) / len(coords), sum(p[1] for p in coords) / len(coords)]


@transaction.atomic
def seed_demo(*, stdout: TextIO) -> None:
    report = SeedReport()
    rng = random.Random(2026)  # noqa: S311 - demo data
    for path in sorted(BANKS.glob("*.json")):
        spec = load_bank(path)
        bank = _bank(spec, report)
        course = CoursePage.objects.filter(
            slug=COURSE_OF_TRACK.get(spec["track"], ""), locale__language_code="en"
        ).first()
        if course is None:
            continue
        page = _assessment(course, bank, report)
        if page is not None:
            _demo_attempts(page, course, rng)
    stdout.write(f"assessments: {report.line()}\n")

"""Who may use and change which SCORM package: the authoring rule of
:mod:`lms.accounts.selectors` (regional packages and one's own administration's are
usable; an author bound to one administration changes only that administration's)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import groupby
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from lms.accounts.selectors import (
    authored_editable_q,
    authored_usable_q,
    can_edit_authored,
    can_use_authored,
)

from .models import ScormPackage, ScormRuntimeData

if TYPE_CHECKING:
    from lms.accounts.selectors import Actor


def scorm_package_list_for_user(actor: Actor) -> QuerySet[ScormPackage]:
    """Packages the actor may see and place in lessons: regional and their own
    administration's (every package for regional authors)."""
    return ScormPackage.objects.filter(authored_usable_q(actor))


def scorm_package_editable_list_for_user(actor: Actor) -> QuerySet[ScormPackage]:
    """Packages the actor may change or delete."""
    return ScormPackage.objects.filter(authored_editable_q(actor))


def can_see_package(actor: Actor, package: ScormPackage) -> bool:
    return can_use_authored(actor, package.administration_id)


def can_edit_package(actor: Actor, package: ScormPackage) -> bool:
    return can_edit_authored(actor, package.administration_id)


def access_scorm_package(actor: Actor, pk: int) -> ScormPackage:
    """The package with this id if the actor may see it; 404 otherwise (a missing package
    and another administration's look the same)."""
    try:
        return scorm_package_list_for_user(actor).get(pk=pk)
    except (ScormPackage.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


# --- officers' results (reports) -------------------------------------------------------------


@dataclass(frozen=True)
class PackageResult:
    """An officer's result in one SCORM package, rolled up over its SCOs: as reported by
    the browser, so progress only (never a certificate score)."""

    user_id: int
    package_id: int
    title: str
    version: str
    completion: str
    success: str
    score_percent: float | None
    attempts: int
    seconds: float
    last_at: Any

    @property
    def done(self) -> bool:
        return self.completion == "completed" and self.success != "failed"

    @property
    def completion_label(self) -> str:
        return str(COMPLETION_LABELS.get(self.completion, COMPLETION_LABELS["unknown"]))

    @property
    def success_label(self) -> str:
        return str(SUCCESS_LABELS.get(self.success, SUCCESS_LABELS["unknown"]))

    @property
    def minutes(self) -> int:
        return round(self.seconds / 60)


COMPLETION_LABELS = {
    "completed": _("completed"),
    "incomplete": _("incomplete"),
    "not attempted": _("not attempted"),
    "unknown": _("not started"),
}
SUCCESS_LABELS = {"passed": _("passed"), "failed": _("failed"), "unknown": _("unknown")}


def _percent(rows: list[ScormRuntimeData], navigation: Any) -> float | None:
    """The package's score in percent: the root's rolled-up measure, else the SCOs' scaled
    scores, else raw over max, averaged over the SCOs that have one."""
    if navigation.scaled is not None:
        return round(max(-1.0, min(1.0, navigation.scaled)) * 100, 1)
    values = []
    for row in rows:
        if row.score_scaled is not None:
            values.append(row.score_scaled)
        elif row.score_raw is not None:
            high = row.score_max if row.score_max not in (None, 0) else 100.0
            low = row.score_min or 0.0
            if high > low:
                values.append((row.score_raw - low) / (high - low))
    return round(sum(values) / len(values) * 100, 1) if values else None


def package_results(rows: Iterable[ScormRuntimeData]) -> list[PackageResult]:
    """Rows (with their package, ordered by officer and package) grouped per officer and
    package and rolled up by the package's sequencing."""
    from .sequencing import evaluate
    from .services import item_states

    results = []
    for (user_id, _package_id), group in groupby(rows, key=lambda r: (r.user_id, r.package_id)):
        chunk = list(group)
        package = chunk[0].package
        navigation = evaluate(package.manifest, item_states(chunk))
        results.append(
            PackageResult(
                user_id=user_id,
                package_id=package.pk,
                title=package.title,
                version=package.version_label,
                completion=navigation.completion,
                success=navigation.success,
                score_percent=_percent(chunk, navigation),
                attempts=max(row.attempt_count for row in chunk),
                seconds=sum(row.total_seconds + row.session_seconds for row in chunk),
                last_at=max(row.updated_at for row in chunk),
            )
        )
    return results


def scorm_results_for_officer(*, administration_id: int, officer_id: int) -> list[PackageResult]:
    """One officer's SCORM results in the packages they played as an officer of the
    administration (the caller has checked that the actor may see that officer): one
    query."""
    rows = (
        ScormRuntimeData.objects.filter(user_id=officer_id, administration_id=administration_id)
        .select_related("package")
        .order_by("user_id", "package__title", "package_id", "pk")
    )
    return package_results(rows)


def scorm_results_of_administration(administration_id: int) -> Iterator[tuple[Any, PackageResult]]:
    """(officer, result) for every officer of the administration and every SCORM package
    they played there, by officer then package: one streamed query (for the exports; the
    officer comes with their unit)."""
    rows = (
        ScormRuntimeData.objects.filter(
            administration_id=administration_id, user__administration_id=administration_id
        )
        .select_related("package", "user", "user__unit")
        .order_by("user__full_name", "user_id", "package__title", "package_id", "pk")
        .iterator(chunk_size=2000)
    )
    for (_user_id, _package_id), group in groupby(rows, key=lambda r: (r.user_id, r.package_id)):
        chunk = list(group)
        for result in package_results(chunk):
            yield chunk[0].user, result

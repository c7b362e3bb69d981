"""The officer's certificates and the managers' certificate pages. Thin: parse, call a
selector or service, render. Tenancy comes from ``certificates.selectors``: a certificate
the actor may not see is a 404, like a missing one."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q, prefetch_related_objects
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET, require_POST
from wagtail.models import Page

from lms.accounts.roles import Role, roles_of

from . import issuer, selectors, services
from .models import Certificate, CertificateEvent, Programme, ProgrammeRequirement
from .requirements import Evaluation, Facts, Requirement, evaluate
from .selectors import EXPIRING, shown_status, window_opens

if TYPE_CHECKING:
    from lms.accounts.selectors import Actor

log = logging.getLogger(__name__)

PER_PAGE = 50
INITIAL = ProgrammeRequirement.Purpose.INITIAL
RECERT = ProgrammeRequirement.Purpose.RECERT

STATUS_LABELS = {
    Certificate.Status.VALID: Certificate.Status.VALID.label,
    EXPIRING: gettext_lazy("Expiring soon"),
    Certificate.Status.EXPIRED: Certificate.Status.EXPIRED.label,
    Certificate.Status.REVOKED: Certificate.Status.REVOKED.label,
    Certificate.Status.SUPERSEDED: Certificate.Status.SUPERSEDED.label,
}
# Current certificates first.
STATUS_ORDER = {
    EXPIRING: 0,
    Certificate.Status.VALID: 1,
    Certificate.Status.EXPIRED: 2,
    Certificate.Status.REVOKED: 3,
    Certificate.Status.SUPERSEDED: 4,
}


# --- The officer's certificates -----------------------------------------------------------


@dataclass
class RequirementLine:
    """One course or assessment of a rule, for the template."""

    kind: str  # "course" | "assessment"
    title: str
    url: str | None
    min_score: Any
    met: bool


@dataclass
class Progress:
    """How an officer stands against one programme rule."""

    programme: Programme
    title: str
    purpose: str
    since: datetime | None
    met: int
    needed: int
    lines: list[RequirementLine] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return self.met >= self.needed


@dataclass
class Row:
    certificate: Certificate
    title: str
    status: str
    status_label: str
    verify_url: str
    renewed_by: Certificate | None = None
    renewal: Progress | None = None

    @property
    def window_opens(self) -> datetime | None:
        return window_opens(self.certificate)


def _rows_for(programme: Programme, purpose: str) -> list[ProgrammeRequirement]:
    """The requirement rows behind ``selectors.programme_rule`` in the same order."""
    return [
        row
        for row in programme.requirements.all()
        if row.purpose == purpose and (row.course_id or row.assessment_id)
    ]


def _renewal_purpose(programme: Programme) -> str:
    """Recertification rows when the programme has some, else the first certification's
    (as the issuing service decides)."""
    has_recert = any(row.purpose != INITIAL for row in programme.requirements.all())
    return RECERT if has_recert else INITIAL


def _item(row: ProgrammeRequirement):
    return row.course if row.course_id else row.assessment


class PageLinks:
    """Titles and addresses of the courses and assessments requirements name, in the
    active language when a translation is live, else the page the requirement names.
    One query for all of them."""

    def __init__(self, request: HttpRequest, rows: list[ProgrammeRequirement]) -> None:
        self.request = request
        self.language = translation.get_language() or "en"
        self.pages: dict[tuple[str, str], Page] = {}
        self.by_id: dict[int, Page] = {}
        keys = {_item(row).translation_key for row in rows}
        if not keys:
            return
        pages = (
            Page.objects.live()
            .filter(translation_key__in=keys)
            .select_related("locale")
            .only("id", "title", "url_path", "translation_key", "locale__language_code")
        )
        for page in pages:
            self.pages[(str(page.translation_key), page.locale.language_code)] = page
            self.by_id[page.pk] = page

    def page_for(self, row: ProgrammeRequirement) -> Page | None:
        item = _item(row)
        key = str(item.translation_key)
        for language in (self.language, self.language.split("-")[0]):
            if (key, language) in self.pages:
                return self.pages[(key, language)]
        return self.by_id.get(item.pk)

    def line(self, row: ProgrammeRequirement, met: bool) -> RequirementLine:
        page = self.page_for(row)
        return RequirementLine(
            kind="course" if row.course_id else "assessment",
            title=page.title if page is not None else _("A page that is not published"),
            url=page.get_url(self.request) if page is not None else None,
            min_score=row.min_score,
            met=met,
        )


@dataclass
class Pending:
    """A progress whose requirement lines are filled in once every page is known."""

    progress: Progress
    pairs: list[tuple[ProgrammeRequirement, Requirement]]
    evaluation: Evaluation


def _progress(
    programme: Programme, purpose: str, facts: Facts, since: datetime | None, language: str
) -> Pending | None:
    rule = selectors.programme_rule(programme, purpose)
    if not rule.requirements:
        return None
    try:
        evaluation = evaluate(rule, facts, since=since)
    except ValueError:  # an invalid rule: nothing meaningful to show
        log.warning("Programme %s has invalid requirements", programme.code)
        return None
    progress = Progress(
        programme=programme,
        title=programme.title_for(language),
        purpose=purpose,
        since=since,
        met=min(len(evaluation.satisfied), evaluation.needed),
        needed=evaluation.needed,
    )
    pairs = list(zip(_rows_for(programme, purpose), rule.requirements, strict=True))
    return Pending(progress, pairs, evaluation)


def _fill_lines(request: HttpRequest, pending: list[Pending]) -> None:
    links = PageLinks(request, [row for item in pending for row, _requirement in item.pairs])
    for item in pending:
        satisfied = set(item.evaluation.satisfied)
        item.progress.lines = [
            links.line(row, requirement in satisfied) for row, requirement in item.pairs
        ]


@login_required
@require_GET
def my_certificates(request: HttpRequest) -> HttpResponse:
    user = request.user
    now = timezone.now()
    language = translation.get_language() or "en"
    certificates = list(selectors.certificates_of_holder(user).order_by("-issued_at", "-pk"))
    by_pk = {certificate.pk: certificate for certificate in certificates}
    renewed_by = {
        certificate.previous_id: certificate
        for certificate in certificates
        if certificate.previous_id in by_pk
    }
    rows = [
        Row(
            certificate=certificate,
            title=certificate.programme.title_for(language),
            status=(status := shown_status(certificate, now)),
            status_label=str(STATUS_LABELS[status]),
            verify_url=services.verify_url(certificate),
            renewed_by=renewed_by.get(certificate.pk),
        )
        for certificate in certificates
    ]
    rows.sort(key=lambda row: (STATUS_ORDER[row.status], -row.certificate.issued_at.timestamp()))

    # Programmes with their requirements: those open to the officer, and the programmes
    # of certificates about to expire that are not among them (one more query, if any).
    programmes = {programme.pk: programme for programme in selectors.programmes_for_holder(user)}
    expiring = [row for row in rows if row.status == EXPIRING]
    others = {
        row.certificate.programme_id: row.certificate.programme
        for row in expiring
        if row.certificate.programme_id not in programmes
    }
    if others:
        prefetch_related_objects(
            list(others.values()), Prefetch("requirements", queryset=selectors.requirement_rows())
        )

    latest: dict[int, Certificate] = {}
    for certificate in sorted(certificates, key=lambda c: c.cycle):
        latest[certificate.programme_id] = certificate
    open_programmes = [
        (programme, latest.get(programme.pk))
        for programme in programmes.values()
        if latest.get(programme.pk) is None
        or latest[programme.pk].status_at(now)
        in (Certificate.Status.EXPIRED, Certificate.Status.REVOKED)
    ]

    pending: list[Pending] = []
    available: list[Progress] = []
    if expiring or open_programmes:
        facts = selectors.holder_facts(user.pk)
        for row in expiring:
            programme = programmes.get(row.certificate.programme_id) or others.get(
                row.certificate.programme_id
            )
            found = _progress(
                programme, _renewal_purpose(programme), facts, row.window_opens, language
            )
            if found:
                row.renewal = found.progress
                pending.append(found)
        for programme, previous in open_programmes:
            # After an expired or a revoked certificate only new results count.
            since = None
            if previous is not None:
                since = previous.revoked_at or previous.expires_at
            found = _progress(programme, INITIAL, facts, since, language)
            if found:
                available.append(found.progress)
                pending.append(found)
        _fill_lines(request, pending)
    return render(
        request,
        "certificates/mine.html",
        {
            "rows": rows,
            "expiring": expiring,
            "available": available,
        },
    )


# --- Downloads ---------------------------------------------------------------------------


def _stored_pdf(certificate: Certificate):
    """The stored PDF opened for reading, or None when it is missing."""
    if not certificate.pdf:
        return None
    try:
        return certificate.pdf.storage.open(certificate.pdf.name, "rb")
    except (FileNotFoundError, OSError):
        return None


@login_required
@require_GET
@cache_control(private=True, no_cache=True)
def certificate_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    certificate = selectors.access_certificate(request.user, pk)
    filename = f"{certificate.number}.pdf"
    handle = _stored_pdf(certificate)
    if handle is None:
        # Rendering failed earlier (or the file was lost): render it now.
        try:
            certificate = services.certificate_render(certificate_id=certificate.pk)
            handle = _stored_pdf(certificate)
        except Exception:
            log.exception("Rendering certificate %s on demand failed", certificate.pk)
        if handle is None:  # storage unusable: hand over a copy rendered in memory
            from .pdf import render_pdf

            content = render_pdf(services.print_data(certificate))
            response = HttpResponse(content, content_type="application/pdf")
            response["Content-Disposition"] = f'attachment; filename="{filename}"'
            response["X-Content-Type-Options"] = "nosniff"
            return response
    response = FileResponse(
        handle, as_attachment=True, filename=filename, content_type="application/pdf"
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_GET
@cache_control(private=True, no_cache=True)
def certificate_badge(request: HttpRequest, pk: int) -> HttpResponse:
    certificate = selectors.access_certificate(request.user, pk)
    response = HttpResponse(issuer.signed_badge(certificate), content_type="application/vc+jwt")
    response["Content-Disposition"] = f'attachment; filename="{certificate.number}.jwt"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- Managers ------------------------------------------------------------------------------


def _require_manager(actor: Actor) -> None:
    """Administration managers (with their administration) and platform admins; a 404 for
    everybody else, as for another tenant's data."""
    roles = roles_of(actor)
    if Role.PLATFORM_ADMIN in roles:
        return
    if Role.ADMINISTRATION_MANAGER in roles and actor.administration_id is not None:
        return
    raise Http404


STATUS_FILTERS = [
    ("", gettext_lazy("Any status")),
    (Certificate.Status.VALID, Certificate.Status.VALID.label),
    (EXPIRING, STATUS_LABELS[EXPIRING]),
    (Certificate.Status.EXPIRED, Certificate.Status.EXPIRED.label),
    (Certificate.Status.REVOKED, Certificate.Status.REVOKED.label),
    (Certificate.Status.SUPERSEDED, Certificate.Status.SUPERSEDED.label),
]


class ProgrammeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Programme) -> str:
        return f"{obj.title_for(translation.get_language())} ({obj.code})"


class CertificateFilterForm(forms.Form):
    q = forms.CharField(
        label=gettext_lazy("Holder or certificate number"), required=False, max_length=100
    )
    status = forms.ChoiceField(label=gettext_lazy("Status"), choices=STATUS_FILTERS, required=False)
    programme = ProgrammeChoiceField(
        label=gettext_lazy("Programme"),
        queryset=Programme.objects.none(),
        required=False,
        empty_label=gettext_lazy("Any programme"),
    )

    def __init__(self, *args: Any, actor: Actor, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        programmes = Programme.objects.prefetch_related("texts").order_by("code")
        if Role.PLATFORM_ADMIN not in roles_of(actor):
            programmes = programmes.filter(
                Q(administration__isnull=True) | Q(administration_id=actor.administration_id)
            )
        self.fields["programme"].queryset = programmes


def _status_filter(status: str, now: datetime) -> Q | None:
    current = Q(revoked_at__isnull=True, superseded_at__isnull=True)
    if status == Certificate.Status.VALID:
        return current & (Q(expires_at__isnull=True) | Q(expires_at__gt=now))
    if status == EXPIRING:
        # Each programme has its own window: one condition per distinct window length.
        windows = (
            Programme.objects.order_by().values_list("recert_window_days", flat=True).distinct()
        )
        inside = Q(pk__in=[])
        for days in windows:
            inside |= Q(
                programme__recert_window_days=days,
                expires_at__lte=now + timedelta(days=days),
            )
        return current & Q(expires_at__gt=now) & inside
    if status == Certificate.Status.EXPIRED:
        return current & Q(expires_at__lte=now)
    if status == Certificate.Status.REVOKED:
        return Q(revoked_at__isnull=False)
    if status == Certificate.Status.SUPERSEDED:
        return Q(revoked_at__isnull=True, superseded_at__isnull=False)
    return None


@login_required
@require_GET
def manage_list(request: HttpRequest) -> HttpResponse:
    _require_manager(request.user)
    now = timezone.now()
    form = CertificateFilterForm(request.GET or None, actor=request.user)
    form.is_valid()  # a bad value drops that filter only (and shows why)
    filters = getattr(form, "cleaned_data", {})
    certificates = selectors.certificates_visible_to(request.user)
    if query := (filters.get("q") or "").strip():
        certificates = certificates.filter(
            Q(holder_name__icontains=query) | Q(number__icontains=query)
        )
    if (status := filters.get("status")) and (condition := _status_filter(status, now)):
        certificates = certificates.filter(condition)
    if programme := filters.get("programme"):
        certificates = certificates.filter(programme=programme)
    page = Paginator(certificates.order_by("-issued_at", "-pk"), PER_PAGE).get_page(
        request.GET.get("page")
    )
    language = translation.get_language()
    rows = [
        {
            "certificate": certificate,
            "title": certificate.programme.title_for(language),
            "status": (status_key := shown_status(certificate, now)),
            "status_label": STATUS_LABELS[status_key],
        }
        for certificate in page
    ]
    return render(
        request,
        "certificates/manage_list.html",
        {"form": form, "page": page, "rows": rows},
    )


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason for revoking"),
        help_text=gettext_lazy("Shown on the public verification page. Revoking cannot be undone."),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        error_messages={"required": gettext_lazy("Give the reason for revoking the certificate.")},
    )


def _managed_certificate(actor: Actor, pk: int) -> Certificate:
    """A certificate for the manager's pages: one whose holder they may see, or one their
    administration issued (they may revoke it even after the holder moved on)."""
    _require_manager(actor)
    try:
        return selectors.access_certificate(actor, pk)
    except Http404:
        selectors.access_revocable_certificate(actor, pk)
        return (
            Certificate.objects.select_related("programme", "administration", "holder")
            .prefetch_related("programme__texts")
            .get(pk=pk)
        )


def _detail(
    request: HttpRequest,
    certificate: Certificate,
    form: RevokeForm | None = None,
    *,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    now = timezone.now()
    status_key = shown_status(certificate, now)
    events = list(
        CertificateEvent.objects.filter(certificate=certificate)
        .select_related("actor")
        .order_by("at", "pk")
    )
    previous = (
        Certificate.objects.filter(pk=certificate.previous_id).only("pk", "number").first()
        if certificate.previous_id
        else None
    )
    following = Certificate.objects.filter(previous_id=certificate.pk).only("pk", "number").first()
    may_revoke = certificate.revoked_at is None and selectors.can_revoke(request.user, certificate)
    if may_revoke and form is None:
        form = RevokeForm()
    return render(
        request,
        "certificates/manage_detail.html",
        {
            "certificate": certificate,
            "title": certificate.programme.title_for(translation.get_language()),
            "status": status_key,
            "status_label": STATUS_LABELS[status_key],
            "events": events,
            "previous": previous,
            "following": following,
            "verify_url": services.verify_url(certificate),
            "form": form if may_revoke else None,
            "error": error,
        },
        status=status,
    )


@login_required
@require_GET
def manage_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, _managed_certificate(request.user, pk))


@login_required
@require_POST
def revoke(request: HttpRequest, pk: int) -> HttpResponse:
    _require_manager(request.user)
    certificate = selectors.access_revocable_certificate(request.user, pk)
    form = RevokeForm(request.POST)
    error = ""
    if form.is_valid():
        try:
            services.certificate_revoke(
                actor=request.user, certificate=certificate, reason=form.cleaned_data["reason"]
            )
        except services.RevocationRefused as refusal:
            error = refusal.message
        else:
            messages.success(
                request,
                _("Certificate %(number)s is revoked.") % {"number": certificate.number},
            )
            return HttpResponseRedirect(reverse("certificates:manage_detail", args=[pk]))
    return _detail(request, _managed_certificate(request.user, pk), form, error=error, status=400)

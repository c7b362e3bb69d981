"""State changes of certificates: issuance and renewal (from the domain signals and from
the re-evaluation command), revocation, PDF rendering, expiry reminders.

Issuance runs under a row lock on the holder, so two events arriving at the same moment
evaluate one after the other; the unique (holder, programme, cycle) constraint is the
last guard.
"""

from __future__ import annotations

import calendar
import contextlib
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from lms.accounts.models import User
from lms.accounts.roles import Role
from lms.accounts.timezones import zone_for
from lms.audit.models import AuditAction
from lms.audit.services import audit_record
from lms.public_url import public_url

from . import codes, selectors
from .models import Certificate, CertificateEvent, Programme, ProgrammeRequirement
from .requirements import evaluate

if TYPE_CHECKING:
    from collections.abc import Iterable

log = logging.getLogger(__name__)

STATUS_LIST_SIZE = 131_072  # bits per status list: the W3C minimum, for herd privacy
REMINDER_DAYS = (90, 30, 7)


class RevocationRefused(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def add_months(moment: datetime, months: int) -> datetime:
    """The same day ``months`` later (the last day of a shorter month)."""
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def _status_index() -> int:
    """A random free position in the status lists (the spec asks for random positions,
    so that a list reveals nothing about issue order)."""
    capacity = STATUS_LIST_SIZE * max(1, 1 + Certificate.objects.count() // (STATUS_LIST_SIZE // 2))
    taken = Certificate.objects.filter
    for _attempt in range(32):
        index = secrets.randbelow(capacity)
        if not taken(status_index=index).exists():
            return index
    return capacity  # practically unreachable: the next list's first position


def _number(certificate: Certificate) -> str:
    owner = certificate.administration.code if certificate.administration else "REG"
    return f"{owner}-{certificate.issued_at:%Y}-{certificate.pk:06d}"


def certificate_issue(
    *,
    holder: User,
    programme: Programme,
    issued_at: datetime | None = None,
    previous: Certificate | None = None,
    actor: User | None = None,
    detail: dict | None = None,
) -> Certificate:
    """Issue the next cycle of ``programme`` to ``holder`` (renewing ``previous`` when
    given, which becomes superseded). The PDF is rendered by a task after commit."""
    issued_at = issued_at or timezone.now()
    if previous is not None and previous.expires_at and previous.expires_at > issued_at:
        starts = previous.expires_at  # renewing early loses no time
    else:
        starts = issued_at
    expires_at = (
        add_months(starts, programme.validity_months) if programme.validity_months else None
    )
    last_cycle = (
        Certificate.objects.filter(holder=holder, programme=programme)
        .order_by("-cycle")
        .values_list("cycle", flat=True)
        .first()
    )
    with transaction.atomic():
        certificate = Certificate.objects.create(
            holder=holder,
            holder_name=holder.full_name or holder.get_username(),
            programme=programme,
            administration_id=holder.administration_id,
            cycle=(last_cycle or 0) + 1,
            number=f"pending-{secrets.token_hex(8)}",
            code=codes.new_code(),
            language=holder.interface_language(),
            issued_at=issued_at,
            expires_at=expires_at,
            previous=previous,
            status_index=_status_index(),
        )
        certificate.number = _number(certificate)
        certificate.save(update_fields=["number"])
        CertificateEvent.objects.create(
            certificate=certificate,
            kind=CertificateEvent.Kind.ISSUED,
            at=issued_at,
            actor=actor,
            detail=detail or {},
        )
        if previous is not None:
            Certificate.objects.filter(pk=previous.pk).update(superseded_at=issued_at)
            previous.superseded_at = issued_at
            CertificateEvent.objects.create(
                certificate=previous,
                kind=CertificateEvent.Kind.RENEWED,
                at=issued_at,
                actor=actor,
                detail={"renewed_by": certificate.number},
            )
            audit_record(
                actor=actor,
                action=AuditAction.CERTIFICATE_REISSUE,
                administration=certificate.administration_id,
                target=certificate,
                target_repr=f"{certificate.number} ({certificate.holder_name})",
                before={"number": previous.number, "expires_at": previous.expires_at},
                after={"number": certificate.number, "expires_at": certificate.expires_at},
            )
        transaction.on_commit(lambda: _render_later(certificate.pk))
    return certificate


def _render_later(certificate_id: int) -> None:
    from .tasks import render_certificate_pdf

    try:
        render_certificate_pdf.enqueue(certificate_id)
    except Exception:  # the certificate stands; the command renders what is missing
        log.exception("Could not queue the PDF of certificate %s", certificate_id)


@dataclass(frozen=True)
class Decision:
    """What evaluation decided for one programme."""

    programme: Programme
    purpose: str
    since: datetime | None
    previous: Certificate | None


def _decide(programme: Programme, latest: Certificate | None, now: datetime) -> Decision | None:
    """Which rule to evaluate for a programme, given the holder's latest certificate of
    it: the first certification, a renewal inside the window, or a new certification
    after an expired or revoked one (on facts from after that)."""
    initial = ProgrammeRequirement.Purpose.INITIAL
    if latest is None:
        return Decision(programme, initial, None, None)
    status = latest.status_at(now)
    if status == Certificate.Status.VALID:
        if latest.expires_at is None:
            return None
        window_opens = latest.expires_at - timedelta(days=programme.recert_window_days)
        if now < window_opens:
            return None
        has_recert = any(r.purpose != initial for r in programme.requirements.all())
        purpose = ProgrammeRequirement.Purpose.RECERT if has_recert else initial
        return Decision(programme, purpose, window_opens, latest)
    if status == Certificate.Status.EXPIRED:
        return Decision(programme, initial, latest.expires_at, None)
    if status == Certificate.Status.REVOKED:
        return Decision(programme, initial, latest.revoked_at, None)
    return None  # superseded: its renewal is the latest


def certificates_evaluate(*, holder_id: int, now: datetime | None = None) -> list[Certificate]:
    """Issue or renew every certificate the officer has now earned. Idempotent: running it
    again (or concurrently) issues nothing more."""
    now = now or timezone.now()
    issued: list[Certificate] = []
    with transaction.atomic():
        holder = User.objects.select_for_update().filter(pk=holder_id, is_active=True).first()
        if holder is None:
            return issued
        programmes = selectors.programmes_for_holder(holder)
        if not programmes:
            return issued
        latest: dict[int, Certificate] = {}
        for certificate in Certificate.objects.filter(holder=holder).order_by("cycle"):
            latest[certificate.programme_id] = certificate
        facts = selectors.holder_facts(holder.pk)
        for programme in programmes:
            decision = _decide(programme, latest.get(programme.pk), now)
            if decision is None:
                continue
            rule = selectors.programme_rule(programme, decision.purpose)
            if not rule.requirements:
                continue
            try:
                result = evaluate(rule, facts, since=decision.since, until=now)
            except ValueError:
                log.warning("Programme %s has invalid requirements", programme.code)
                continue
            if not result.met:
                continue
            try:
                with transaction.atomic():
                    issued.append(
                        certificate_issue(
                            holder=holder,
                            programme=programme,
                            issued_at=now,
                            previous=decision.previous,
                            detail={"purpose": decision.purpose},
                        )
                    )
            except IntegrityError:  # issued meanwhile by another process
                continue
    return issued


def certificates_evaluate_all(*, now: datetime | None = None) -> int:
    """Re-evaluate every active officer who has completed or passed something; returns
    how many certificates were issued. A lost signal never loses a certificate."""
    from assessments.models import Attempt
    from courses.models import Enrolment

    holders = set(
        Enrolment.objects.filter(status=Enrolment.Status.COMPLETED).values_list(
            "user_id", flat=True
        )
    ) | set(Attempt.objects.filter(passed=True).values_list("user_id", flat=True))
    count = 0
    for holder_id in sorted(holders):
        count += len(certificates_evaluate(holder_id=holder_id, now=now))
    return count


def certificate_revoke(*, actor: User, certificate: Certificate, reason: str) -> Certificate:
    """Revoke with a reason. The caller has checked ``selectors.can_revoke``; this checks
    again and refuses an empty reason or a certificate already revoked."""
    reason = (reason or "").strip()
    if not selectors.can_revoke(actor, certificate):
        raise RevocationRefused(_("You may not revoke this certificate."))
    if not reason:
        raise RevocationRefused(_("Give the reason for revoking the certificate."))
    now = timezone.now()
    with transaction.atomic():
        updated = Certificate.objects.filter(pk=certificate.pk, revoked_at__isnull=True).update(
            revoked_at=now, revoked_reason=reason[:2000], revoked_by=actor
        )
        if not updated:
            raise RevocationRefused(_("This certificate is already revoked."))
        CertificateEvent.objects.create(
            certificate=certificate,
            kind=CertificateEvent.Kind.REVOKED,
            at=now,
            actor=actor,
            detail={"reason": reason[:2000]},
        )
        audit_record(
            actor=actor,
            action=AuditAction.CERTIFICATE_REVOKE,
            administration=certificate.administration_id,
            target=certificate,
            target_repr=f"{certificate.number} ({certificate.holder_name})",
            before={"revoked_at": None},
            after={"revoked_at": now, "reason": reason[:2000]},
        )
    certificate.refresh_from_db()
    return certificate


def verify_url(certificate: Certificate) -> str:
    return public_url(certificate.get_verify_path())


def print_data(certificate: Certificate):  # -> pdf.PrintData
    from .pdf import PrintData

    programme = certificate.programme
    language = certificate.language
    previous_number = (
        Certificate.objects.filter(pk=certificate.previous_id)
        .values_list("number", flat=True)
        .first()
        if certificate.previous_id
        else None
    )
    # Dates in the holder's zone (their own choice, else their administration's).
    zone = zone_for(certificate.holder)
    return PrintData(
        holder_name=certificate.holder_name,
        programme_title=programme.title_for(language),
        programme_description=programme.description_for(language),
        administration_name=certificate.administration.name if certificate.administration else "",
        administration_code=certificate.administration.code if certificate.administration else "",
        issued_on=timezone.localdate(certificate.issued_at, zone),
        expires_on=(
            timezone.localdate(certificate.expires_at, zone) if certificate.expires_at else None
        ),
        number=certificate.number,
        code_display=certificate.code_display,
        verify_url=verify_url(certificate),
        language=language,
        platform_name=str(settings.LMS_PLATFORM_NAME),
        previous_number=previous_number,
    )


def certificate_render(*, certificate_id: int) -> Certificate:
    """Render the certificate's PDF and store it; records ``rendered`` or, when rendering
    fails, ``render_failed`` (and raises, so that the task shows the failure). The
    certificate stays valid and verifiable either way."""
    from .pdf import render_pdf

    certificate = (
        Certificate.objects.select_related("programme", "administration", "holder__administration")
        .prefetch_related("programme__texts")
        .get(pk=certificate_id)
    )
    old_name = certificate.pdf.name if certificate.pdf else None
    try:
        content = render_pdf(print_data(certificate))
        certificate.pdf.name = _store_pdf(certificate, content)
    except Exception as error:
        CertificateEvent.objects.create(
            certificate=certificate,
            kind=CertificateEvent.Kind.RENDER_FAILED,
            detail={"error": type(error).__name__},
        )
        raise
    certificate.pdf_rendered_at = timezone.now()
    certificate.save(update_fields=["pdf", "pdf_rendered_at"])
    if old_name and old_name != certificate.pdf.name:
        certificate.pdf.storage.delete(old_name)
    CertificateEvent.objects.create(
        certificate=certificate, kind=CertificateEvent.Kind.RENDERED, detail={"bytes": len(content)}
    )
    return certificate


def _store_pdf(certificate: Certificate, content: bytes) -> str:
    """Store a complete PDF and return its name; never leaves an empty or partial file.

    Rendering happens in memory first, so a failed render writes nothing. A write that
    fails half-way (a full disk, a lost connection to the storage) or stores fewer bytes
    than given is deleted before the error is raised; the task then retries."""
    if not (content.startswith(b"%PDF-") and content.rstrip().endswith(b"%%EOF")):
        raise ValueError("The rendered PDF is incomplete")
    field = certificate.pdf.field
    storage = certificate.pdf.storage
    name = storage.get_available_name(
        field.generate_filename(certificate, f"{certificate.uuid}.pdf")
    )
    stored = ""
    try:
        stored = storage.save(name, ContentFile(content))
        if storage.size(stored) != len(content):
            raise OSError(f"Stored {storage.size(stored)} of {len(content)} bytes")
    except Exception:
        with contextlib.suppress(Exception):
            if storage.exists(stored or name):
                storage.delete(stored or name)
        raise
    return stored


def certificates_render_missing() -> int:
    """Render every PDF that is missing (a failed or lost task); returns how many."""
    rendered = 0
    for pk in Certificate.objects.filter(pdf="").values_list("pk", flat=True):
        try:
            certificate_render(certificate_id=pk)
            rendered += 1
        except Exception:
            log.exception("Rendering certificate %s failed again", pk)
    return rendered


# --- expiry reminders --------------------------------------------------------------------


def _due_reminder(certificate: Certificate, now: datetime, sent: set[int]) -> int | None:
    """The reminder threshold (days) due for a certificate, if not yet sent."""
    days_left = (certificate.expires_at - now).total_seconds() / 86400
    due = [days for days in REMINDER_DAYS if days_left <= days and days not in sent]
    return min(due) if due else None


def _send(to: Iterable[str], subject: str, body: str) -> None:
    recipients = [address for address in to if address]
    if recipients:
        EmailMessage(subject=subject, body=body, to=recipients).send()


def expiry_reminders_send(*, now: datetime | None = None) -> int:
    """Remind holders 90, 30 and 7 days before expiry (each threshold once), in their
    language, and send each administration's managers one digest. Returns how many
    holder reminders went out. Renewed, revoked and expired certificates are skipped."""
    now = now or timezone.now()
    horizon = now + timedelta(days=max(REMINDER_DAYS))
    candidates = list(
        Certificate.objects.filter(
            revoked_at__isnull=True,
            superseded_at__isnull=True,
            expires_at__gt=now,
            expires_at__lte=horizon,
        )
        .select_related("holder__administration", "programme", "administration")
        .prefetch_related("programme__texts")
    )
    sent_before: dict[int, set[int]] = {}
    for certificate_id, detail in CertificateEvent.objects.filter(
        certificate__in=candidates, kind=CertificateEvent.Kind.REMINDED
    ).values_list("certificate_id", "detail"):
        sent_before.setdefault(certificate_id, set()).add(int(detail.get("days", 0)))
    digests: dict[int, list[Certificate]] = {}
    count = 0
    for certificate in candidates:
        threshold = _due_reminder(certificate, now, sent_before.get(certificate.pk, set()))
        if threshold is None:
            continue
        holder = certificate.holder
        language = holder.preferred_language or certificate.language
        # In the holder's language and time zone (the date of expiry is theirs).
        with translation.override(language), timezone.override(zone_for(holder)):
            context = {
                "certificate": certificate,
                "holder": holder,
                "programme_title": certificate.programme.title_for(language),
                "days_left": max(0, (certificate.expires_at - now).days),
                "platform_name": settings.LMS_PLATFORM_NAME,
                "my_certificates_url": public_url(reverse("certificates:mine")),
            }
            _send(
                [holder.email],
                _("Your certificate expires on %(date)s")
                % {"date": timezone.localdate(certificate.expires_at).isoformat()},
                render_to_string("certificates/email/expiry_reminder.txt", context),
            )
        CertificateEvent.objects.create(
            certificate=certificate,
            kind=CertificateEvent.Kind.REMINDED,
            at=now,
            detail={"days": threshold},
        )
        count += 1
        if certificate.administration_id:
            digests.setdefault(certificate.administration_id, []).append(certificate)
    for administration_id, certificates in digests.items():
        managers = User.objects.filter(
            administration_id=administration_id,
            is_active=True,
            groups__name=Role.ADMINISTRATION_MANAGER.value,
        ).exclude(email="")
        for manager in managers.select_related("administration"):
            with (
                translation.override(manager.interface_language()),
                timezone.override(zone_for(manager)),
            ):
                _send(
                    [manager.email],
                    _("Certificates expiring soon: %(count)s") % {"count": len(certificates)},
                    render_to_string(
                        "certificates/email/expiry_digest.txt",
                        {
                            "certificates": [
                                (c, c.programme.title_for(translation.get_language()))
                                for c in certificates
                            ],
                            "manager": manager,
                            "platform_name": settings.LMS_PLATFORM_NAME,
                            "now": now,
                        },
                    ),
                )
    return count

"""XLSX exports of large administrations, built off the request and mailed as a link
(issue 15).

An XLSX export of an administration with more than ``LMS_EXPORT_MAILED_ABOVE_OFFICERS``
officers is not streamed by the request: :func:`mailed_export_request` records it and
queues :func:`lms.tracking.tasks.build_mailed_export`, which builds the workbook into the
default storage (a random name, never served from the media folder) and e-mails the
requester a link to the download view. The link carries a random token, but the token
alone is not enough: :func:`access_mailed_export` serves the file only to the signed-in
requester, and only while they may still track that administration; anyone else (another
administration's manager included) gets the same 404 as for a missing token. Files are
kept ``LMS_EXPORT_KEEP_DAYS`` days; the daily jobs delete older ones.
"""

from __future__ import annotations

import datetime as dt
import logging
import tempfile

from django.conf import settings
from django.core.files import File
from django.core.mail import EmailMessage
from django.db import transaction
from django.http import Http404, QueryDict
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from lms.accounts.models import Administration, User
from lms.accounts.timezones import zone_for
from lms.audit.models import AuditAction
from lms.audit.services import audit_record
from lms.public_url import public_url

from . import selectors
from .export_specs import SPECS
from .exporting import xlsx_stream
from .models import MailedExport

log = logging.getLogger(__name__)

PENDING_MINUTES = 30
"""An export still queued after this long is asked for again (its task may be lost)."""


def is_large(administration: Administration) -> bool:
    """More officers than a request should export at once (one count query)."""
    limit = settings.LMS_EXPORT_MAILED_ABOVE_OFFICERS
    return selectors.officers_of(administration)[: limit + 1].count() > limit


def mailed_export_request(
    *, actor: User, administration: Administration, kind: str, query: QueryDict
) -> MailedExport:
    """Record the export and queue its building once the row is committed. The same
    export asked again while it is still being built (a second click) is not queued
    twice."""
    from .tasks import build_mailed_export

    asked = dict(query.lists())
    pending = MailedExport.objects.filter(
        administration=administration,
        requested_by_id=actor.pk,
        kind=kind,
        status=MailedExport.Status.QUEUED,
        created_at__gte=timezone.now() - dt.timedelta(minutes=PENDING_MINUTES),
    )
    for export in pending:
        if export.query == asked:
            return export
    with transaction.atomic():
        export = MailedExport.objects.create(
            administration=administration,
            requested_by=actor,
            kind=kind,
            query=asked,
            language=translation.get_language() or settings.LANGUAGE_CODE,
        )
        audit_record(
            actor=actor,
            action=AuditAction.EXPORT_REQUEST,
            administration=administration,
            target=export,
            target_repr=f"{kind}.xlsx",
            after={"kind": kind, "format": "xlsx", "filters": asked},
        )
        transaction.on_commit(lambda: build_mailed_export.enqueue(export.pk))
    return export


def mailed_export_build(*, export_id: int) -> MailedExport:
    """Build the workbook, store it and mail the link; does nothing for an export
    already built. Raises on failure (the task retries)."""

    export = MailedExport.objects.select_related("administration", "requested_by").get(pk=export_id)
    if export.status == MailedExport.Status.READY:
        return export
    query = QueryDict(mutable=True)
    for key, values in export.query.items():
        query.setlist(key, values)
    with translation.override(export.language):
        spec = SPECS[export.kind](export.administration, query)
        with tempfile.TemporaryFile(prefix="lms-mailed-export-") as out:
            for chunk in xlsx_stream(spec.header, spec.rows, sheet_title=spec.sheet_title):
                out.write(chunk)
            out.seek(0)
            export.file.save("export.xlsx", File(out), save=False)
        export.filename = spec.filename("xlsx")
        export.status = MailedExport.Status.READY
        export.ready_at = timezone.now()
        export.save(update_fields=["file", "filename", "status", "ready_at"])
        _mail_link(export)
    return export


def _mail_link(export: MailedExport) -> None:
    requester = export.requested_by
    if not requester.email:
        log.warning("Mailed export %s is ready but its requester has no e-mail", export.pk)
        return
    context = {
        "export": export,
        "url": public_url(reverse("tracking:mailed_export", args=[export.token])),
        "until": timezone.localdate(
            export.ready_at + dt.timedelta(days=settings.LMS_EXPORT_KEEP_DAYS),
            zone_for(requester),
        ),
        "platform_name": settings.LMS_PLATFORM_NAME,
    }
    EmailMessage(
        subject=_("Your export %(name)s is ready") % {"name": export.filename},
        body=render_to_string("tracking/email/mailed_export.txt", context),
        to=[requester.email],
    ).send()


def access_mailed_export(actor: User, token: str) -> MailedExport:
    """The ready export behind ``token`` for its requester while they still track its
    administration; 404 for anyone else, exactly as for a missing or expired token."""
    oldest = timezone.now() - dt.timedelta(days=settings.LMS_EXPORT_KEEP_DAYS)
    export = (
        MailedExport.objects.select_related("administration")
        .filter(
            token=token,
            requested_by_id=actor.pk,
            status=MailedExport.Status.READY,
            ready_at__gte=oldest,
        )
        .first()
    )
    if export is None:
        raise Http404
    selectors.access_tracked_administration(actor, export.administration.code)
    return export


def mailed_exports_delete_expired(*, now: dt.datetime | None = None) -> int:
    """Delete the files and rows of exports older than ``LMS_EXPORT_KEEP_DAYS``."""
    now = now or timezone.now()
    oldest = now - dt.timedelta(days=settings.LMS_EXPORT_KEEP_DAYS)
    deleted = 0
    for export in MailedExport.objects.filter(created_at__lt=oldest):
        if export.file:
            export.file.delete(save=False)
        export.delete()
        deleted += 1
    return deleted

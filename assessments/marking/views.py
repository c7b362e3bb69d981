"""The officer's side of essays: attaching a file to an open attempt's essay, and the
download of an attached file (the officer, and the people who may grade the attempt)."""

from __future__ import annotations

from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ..services import AttemptRefused
from . import selectors, services
from .uploads import UploadRefused


def _refusal(message: str, status: int, code: str) -> JsonResponse:
    return JsonResponse({"code": code, "message": message}, status=status)


def _upload_message(refusal: UploadRefused) -> str:
    if refusal.code == "too_large":
        return _("The file is too large: at most %(size)s.") % {
            "size": filesizeformat(refusal.limit)
        }
    if refusal.code == "too_many":
        return _("No more files can be attached to this answer.")
    if refusal.code == "empty":
        return _("The file is empty.")
    if refusal.code == "content_mismatch":
        return _("The file's content is not what its name says (or the file is damaged).")
    return _("Files of this type cannot be attached to this answer.")


@require_POST
def essay_file_upload(request: HttpRequest, attempt_id: int) -> HttpResponse:
    """Multipart: ``position`` (the essay's) and ``file``. Answers JSON: the file's key,
    name and address; or a refusal with its reason."""
    if not request.user.is_authenticated:
        return _refusal(_("Sign in first."), 403, "anonymous")
    upload = request.FILES.get("file")
    try:
        position = int(request.POST.get("position", ""))
    except ValueError:
        position = 0
    if upload is None or not 1 <= position <= 32767:
        return _refusal(_("The file could not be read."), 400, "malformed")
    try:
        record = services.essay_file_upload(
            actor=request.user,
            attempt_id=attempt_id,
            position=position,
            file=upload,
            filename=upload.name or "",
            size=upload.size or 0,
        )
    except Http404:
        return _refusal(_("Not found."), 404, "not_found")
    except AttemptRefused as refusal:
        return _refusal(refusal.message, 409, refusal.code)
    except UploadRefused as refusal:
        return _refusal(
            _upload_message(refusal), 413 if refusal.code == "too_large" else 400, refusal.code
        )
    return JsonResponse(
        {
            "key": record.key,
            "name": record.filename,
            "size": record.size_bytes,
            "url": reverse("assessments:essay_file", args=[attempt_id, record.key]),
        },
        status=201,
    )


@require_GET
def essay_file(request: HttpRequest, attempt_id: int, key: str) -> HttpResponse:
    """A file attached to an essay, as a download (never shown inline on this origin)."""
    record = selectors.access_essay_file(request.user, attempt_id, key)
    try:
        handle = record.file.storage.open(record.file.name, "rb")
    except (OSError, ValueError) as error:
        raise Http404 from error
    response = FileResponse(
        handle, as_attachment=True, filename=record.filename, content_type=record.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response

"""Public media (images and their renditions) served from storage by the application.

Only images are public (:data:`lms.storage.PUBLIC_MEDIA_PREFIXES`). Documents, H5P and
SCORM content, certificate PDFs and officer import files are served by views that check who
asks (``/documents/<id>/<name>``, the content origin, ...), never by their stored name, so
the media as a whole is never served: a proxy serving a local media folder must follow
the same rule (see the README). With object storage the bucket stays private and the
images' stable addresses (:class:`lms.storage.ObjectStorage`) are answered here.
"""

from __future__ import annotations

import mimetypes

from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest
from django.views.decorators.http import require_GET

from lms.storage import is_public_media

PUBLIC_MAX_AGE = 60 * 60 * 24


@require_GET
def serve_public_media(request: HttpRequest, path: str) -> FileResponse:
    if not is_public_media(path):
        raise Http404
    try:
        handle = default_storage.open(path, "rb")
    except (OSError, ValueError) as error:  # ValueError: a name no storage accepts
        raise Http404 from error
    content_type = mimetypes.guess_type(path)[0] or "application/octet-stream"
    response = FileResponse(handle, content_type=content_type)
    response["Cache-Control"] = f"public, max-age={PUBLIC_MAX_AGE}"
    return response

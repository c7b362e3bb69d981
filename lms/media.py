"""Media files served by Django itself, in development only (DEBUG).

Only images (originals and renditions) are public. Documents, H5P content, certificate
PDFs and officer import files are served by views that check who asks
(``/documents/<id>/<name>``, ``/h5p/content/...``, ...), never from the media folder by
their file name, so the folder is not served as a whole: a proxy in front of a production
deployment must follow the same rule (see the README).
"""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.views.static import serve

PUBLIC_MEDIA_PREFIXES = ("original_images/", "images/")


def serve_public_media(request: HttpRequest, path: str) -> HttpResponse:
    if not path.startswith(PUBLIC_MEDIA_PREFIXES) or ".." in path.split("/"):
        raise Http404
    return serve(request, path, document_root=settings.MEDIA_ROOT)

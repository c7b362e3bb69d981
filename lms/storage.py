"""Where stored files live: the local media folder (the embedded default) or S3-compatible
object storage (production, through django-storages).

Every stored file (images and documents, H5P libraries and content, SCORM packages,
certificate PDFs, import files, stored exports) is written and read through Django's
storage API (``default_storage`` or a ``FileField``), never through a path on disk, so the
same code runs on either. Production selects object storage when its bucket is named
(``AWS_STORAGE_BUCKET_NAME``, see :func:`lms.settings.base.object_storage_from_env`).

Who may read what:

- **Public media** (images and their renditions, :data:`PUBLIC_MEDIA_PREFIXES`): anyone,
  at a stable address under ``MEDIA_URL`` served by :mod:`lms.media` (or by the proxy
  from a local folder), so rendered pages that name them can be cached.
- **Everything else is private**: the bucket is not public and an object's own address
  answers 403 without a signature. The application streams such files after its own
  permission checks (documents, certificate PDFs, H5P and SCORM content on the content
  origin, exports). ``storage.url(name)`` of such an object is a signed address that stops
  working after ``LMS_SIGNED_URL_SECONDS``: hand one only to someone already checked.

The deploy check :func:`check_shared_storage` refuses production with several app
processes and a local media folder (lms.E203): a file one process stored would be missing
on the others' machines.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, register
from django.core.files.storage import FileSystemStorage
from django.utils.encoding import filepath_to_uri
from storages.backends.s3 import S3Storage

#: Images (originals and renditions): public course media.
PUBLIC_MEDIA_PREFIXES = ("original_images/", "images/")


def is_public_media(name: str) -> bool:
    return name.startswith(PUBLIC_MEDIA_PREFIXES) and ".." not in name.split("/")


class ObjectStorage(S3Storage):
    """S3-compatible storage whose public media keep a stable address on the site (served
    from storage by :mod:`lms.media`), and whose other objects are addressed only by
    short-lived signed URLs."""

    def url(
        self,
        name: str,
        parameters: dict[str, str] | None = None,
        expire: int | None = None,
        http_method: str | None = None,
    ) -> str:
        if is_public_media(name):
            return f"{settings.MEDIA_URL}{filepath_to_uri(name)}"
        expire = expire if expire is not None else settings.LMS_SIGNED_URL_SECONDS
        return super().url(name, parameters=parameters, expire=expire, http_method=http_method)


# --- deploy check ------------------------------------------------------------------------


@register(Tags.security, deploy=True)
def check_shared_storage(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    """Production with several app processes needs storage they all share (lms.E203).

    As for the cache (lms.E201), a check cannot count the processes a process manager
    starts nor the machines behind the proxy: unless the operator declares exactly one
    (``WEB_CONCURRENCY=1``) or that every process runs on one machine
    (``LMS_SINGLE_MACHINE=true``), a local media folder is refused, since a certificate PDF or an
    H5P package stored by one process would be missing on another machine."""
    backend = settings.STORAGES.get("default", {}).get("BACKEND", "")
    local = backend.endswith("FileSystemStorage") or _is_filesystem_class(backend)
    if not local or getattr(settings, "LMS_APP_PROCESSES", 0) == 1:
        return []
    if getattr(settings, "LMS_SINGLE_MACHINE", False):
        return []  # every process on one machine: they share its disk
    return [
        Error(
            "Files are stored in a local folder (MEDIA_ROOT) while several app processes may "
            "serve the site: a file stored by one (a certificate PDF, an H5P or SCORM "
            "package, an export) would be missing on the others' machines.",
            hint="Set AWS_STORAGE_BUCKET_NAME, AWS_S3_ENDPOINT_URL, AWS_ACCESS_KEY_ID and "
            "AWS_SECRET_ACCESS_KEY to use S3-compatible object storage; or, with exactly "
            "one app process, set WEB_CONCURRENCY=1; or, when every app process and the "
            "task worker run on this one machine, set LMS_SINGLE_MACHINE=true.",
            id="lms.E203",
        )
    ]


def _is_filesystem_class(backend: str) -> bool:
    from django.utils.module_loading import import_string

    try:
        cls = import_string(backend)
    except ImportError:
        return False
    return isinstance(cls, type) and issubclass(cls, FileSystemStorage)

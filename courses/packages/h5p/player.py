"""Playing H5P activities: the sandboxed frame on the content origin and what it may do.

The lesson page (on the site's origin, strict policy, no ``unsafe-eval``) embeds one
``<iframe>`` per H5P block whose ``src`` is the player shell on the content origin
(:mod:`lms.content_origin`): ``<content origin>/c/<token>/h5p/player/``. The token
(:func:`lms.content_origin.content_token_mint`, scope ``h5p:<slot id>``) is minted by the
lesson page for the signed-in officer who may see the lesson; the shell and the package's
files under ``/c/<token>/h5p/content/<uuid>/`` are served to whoever holds it until it
expires, after checking that its officer is still active and may still see the activity
(:func:`access_slot`; cached briefly, the player asks for many files). Shared library files
(code, not learner data) are public on the content origin under
``/h5p/libraries/r<revision>/``, so that the browser caches them across lessons; the
revision changes when a library is upgraded or rolled back (issue 12, point 5).

The shell (``templates/courses/player/h5p.html``, ``static/js/h5p-frame.js``) runs
h5p-standalone there under :func:`frame_policy`, and talks to the lesson page only by
``postMessage`` (protocol in ``static/js/h5p-player.js``). The frame's ``sandbox`` is
:data:`SANDBOX`; what each flag allows, and why, is written beside it.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.http import Http404, HttpRequest
from django.templatetags.static import static
from django.urls import reverse
from django.utils.csp import CSP

from lms.content_origin import (
    ContentGrant,
    ContentTokenRefused,
    content_origin_for,
    content_token_mint,
    content_token_read,
    main_origin_of,
)

from ... import selectors
from ...models import H5PActivity, LessonActivity
from .policy import PLAYER_SCRIPT_HOSTS, content_media_hosts
from .services import libraries_revision, storage_path_for_content

SCOPE_PREFIX = "h5p:"

FRAME_INLINE_SCRIPT = (
    "H5PIntegration = window.parent.H5PIntegration; var H5P = H5P || {}; H5P.externalEmbed = false;"
)
"""The one inline script h5p-standalone (its ``frame.bundle.js``, H5P core's
``getHeadTags``) writes into the ``about:blank`` frame it creates inside the shell. That
frame inherits the shell's policy, which allows this script by its hash and no other."""
FRAME_INLINE_SCRIPT_HASH = (
    "'sha256-"
    + base64.b64encode(hashlib.sha256(FRAME_INLINE_SCRIPT.encode()).digest()).decode()
    + "'"
)

FRAME_INLINE_HANDLERS = ("return false;",)
"""Inline event handlers some libraries write (Image Juxtaposition: ``onselectstart`` and
``onmousedown`` that only cancel text selection while dragging), allowed by their hashes
(``script-src-attr 'unsafe-hashes'``): no other handler attribute runs."""


def _hash(source: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(source.encode()).digest()).decode() + "'"


SANDBOX = " ".join(
    (
        # H5P is JavaScript.
        "allow-scripts",
        # Keeps the frame's own origin, the content origin (never the site's: it has no
        # cookie and cannot read the lesson page), so that it loads its package files from
        # its own origin, keeps H5P's clipboard and anonymous id in its own localStorage,
        # and scripts the about:blank frame h5p-standalone creates inside it.
        "allow-same-origin",
        # H5P types made of form fields (Essay, Questionnaire, Documentation tool) submit
        # with the Enter key; the frame's policy keeps any submission on the content origin.
        "allow-forms",
        # Links in content (sources, a link's URL) open in a new tab, outside the sandbox.
        "allow-popups",
        "allow-popups-to-escape-sandbox",
        # The Documentation tool saves the officer's own document (FileSaver, a blob).
        "allow-downloads",
    )
)
"""Not granted: ``allow-top-navigation`` (content never takes the officer's page away),
``allow-modals`` (H5P has its own dialogs), ``allow-pointer-lock``, ``allow-presentation``,
``allow-orientation-lock``, ``allow-storage-access-by-user-activation`` (nothing H5P uses)."""
FRAME_ALLOW = "microphone"
"""Permissions policy of the frame: the Audio Recorder and Speak the Words types record
the officer's voice (the browser still asks)."""


def slot_scope(slot_id: int) -> str:
    return f"{SCOPE_PREFIX}{slot_id}"


def _content_path(name: str, **kwargs: Any) -> str:
    return reverse(name, urlconf=settings.LMS_CONTENT_URLCONF, kwargs=kwargs)


def frame_url(request: HttpRequest, slot: LessonActivity) -> str | None:
    """The player shell of a lesson block for the signed-in officer, on the content
    origin; None when the site has no content origin (then the block cannot play)."""
    origin = content_origin_for(request)
    if origin is None:
        return None
    token = content_token_mint(
        user_id=request.user.pk, scope=slot_scope(slot.pk), main_origin=main_origin_of(request)
    )
    return origin + _content_path("h5p_player", token=token)


@dataclass(frozen=True)
class SlotAccess:
    """A token's grant, checked: the slot it names and its activity."""

    grant: ContentGrant
    slot_id: int
    activity_uuid: str
    title: str


ACCESS_CACHE_SECONDS = 60


def access_slot(token: str) -> SlotAccess:
    """The slot a content-origin token opens, or Http404 (forged, for something else,
    officer no longer allowed) / PermissionDenied (expired: the page must be reloaded)."""
    try:
        grant = content_token_read(token)
    except ContentTokenRefused as refusal:
        if refusal.expired:
            raise PermissionDenied from refusal
        raise Http404 from refusal
    if not grant.scope.startswith(SCOPE_PREFIX) or not grant.scope[len(SCOPE_PREFIX) :].isdigit():
        raise Http404
    slot_id = int(grant.scope[len(SCOPE_PREFIX) :])
    key = f"lms:h5p:slot-access:{grant.user_id}:{slot_id}"
    found = cache.get(key)
    if found is None:
        found = _check_slot(grant.user_id, slot_id)
        cache.set(key, found, ACCESS_CACHE_SECONDS)
    if not found:
        raise Http404
    return SlotAccess(grant=grant, slot_id=slot_id, activity_uuid=found[0], title=found[1])


def _check_slot(user_id: int, slot_id: int) -> tuple[str, str] | tuple[()]:
    from lms.accounts.models import User

    slot = LessonActivity.objects.select_related("activity").filter(pk=slot_id).first()
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if slot is None or user is None or not _may_play(user, slot.activity):
        return ()
    return (str(slot.activity.uuid), slot.activity.title)


def _may_play(user: Any, activity: H5PActivity) -> bool:
    return selectors.can_see_activity(user, activity)


def activity_media_hosts(activity_uuid: str) -> list[str]:
    """The hosts an activity's content loads media from (with the hosts of their video
    players), read once from its stored content.json: an activity's content never changes."""
    key = f"lms:h5p:media-hosts:{activity_uuid}"
    found = cache.get(key)
    if found is None:
        found = []
        name = storage_path_for_content(H5PActivity(uuid=activity_uuid), "content/content.json")
        try:
            with default_storage.open(name) as handle:  # type: ignore[arg-type]
                found = sorted(content_media_hosts(json.load(handle)))
        except (OSError, ValueError):
            found = []  # a missing content.json: the player says so itself
        cache.set(key, found, 24 * 60 * 60)
    return found


def shell_settings(token: str, access: SlotAccess, allowed: Iterable[str]) -> dict[str, Any]:
    """What ``static/js/h5p-frame.js`` needs (nothing about the officer: the lesson page
    sends the saved state and the officer's name by ``postMessage``). ``mediaHosts``: the
    hosts the content loads media from; ``blockedHosts``: those no longer allowed (the
    package was imported before a platform admin removed them), which the frame reports
    to the officer at once."""
    media = activity_media_hosts(access.activity_uuid)
    allowed = set(allowed)
    return {
        "mediaHosts": media,
        "blockedHosts": [host for host in media if host not in allowed],
        "mainOrigin": access.grant.main_origin,
        "contentId": str(access.slot_id),
        "h5pJsonPath": _content_path(
            "h5p_content_file", token=token, activity_uuid=access.activity_uuid, path="x"
        ).removesuffix("/x"),
        "librariesPath": _content_path(
            "h5p_library_file", revision=libraries_revision(), folder="x", path="x"
        ).removesuffix("/x/x"),
        # H5P core's user-data requests never leave the frame: h5p-inner.js answers them
        # through the lesson page (this address is only their recognisable name).
        "stateUrl": _content_path("h5p_player", token=token)
        + "user-data/:contentId/:dataType/:subContentId",
        "frameJs": static("h5p-standalone/frame.bundle.js"),
        "frameCss": static("h5p-standalone/styles/h5p.css"),
        "innerJs": static("js/h5p-inner.js"),
    }


def frame_policy(*, main_origin: str, hosts: Iterable[str]) -> dict[str, list[str]]:
    """The shell's content security policy: ``unsafe-eval`` (EmbeddedJS templates of
    MultiChoice, QuestionSet, Course Presentation, Interactive Video), H5P core's one inline
    script by hash, inline styles; images, media, frames and requests from the content
    origin and the allowed external hosts only; scripts from a video player's host only
    when it is allowed (YouTube's API from www.youtube.com); framed by the page that minted
    the token only."""
    media = sorted(hosts)
    scripts = [host for host in media if host in PLAYER_SCRIPT_HOSTS]
    return {
        "default-src": [CSP.NONE],
        "script-src": [CSP.SELF, CSP.UNSAFE_EVAL, FRAME_INLINE_SCRIPT_HASH, *scripts],
        "script-src-attr": [CSP.UNSAFE_HASHES, *map(_hash, FRAME_INLINE_HANDLERS)],
        "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
        "img-src": [CSP.SELF, "data:", "blob:", *media],
        "media-src": [CSP.SELF, "blob:", *media],
        "font-src": [CSP.SELF, "data:"],
        "connect-src": [CSP.SELF, *media],
        "frame-src": [CSP.SELF, *media],
        "worker-src": [CSP.SELF, "blob:"],
        "frame-ancestors": [main_origin],
        "object-src": [CSP.NONE],
        "base-uri": [CSP.SELF],
        "form-action": [CSP.SELF],
    }


def page_policy(request: HttpRequest) -> dict[str, list[str]]:
    """The lesson page's policy: the site's strict one, which may frame the content
    origin (and nothing else new)."""
    policy = {name: list(values) for name, values in settings.SECURE_CSP.items()}
    origin = content_origin_for(request)
    if origin:
        policy["frame-src"] = [*policy.get("frame-src", [CSP.SELF]), origin]
    return policy

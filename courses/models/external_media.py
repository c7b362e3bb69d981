"""Hosts a platform admin allows H5P content to load media from (YouTube, a video server).

By default no package may point at media on another host: an upload whose content refers
to ``https://some.host/...`` is refused naming the hosts (``courses.packages.h5p.policy``),
and the player's frame may load nothing from another origin. A platform admin who adds a
host here lets packages use it, and the frame's policy then allows exactly these hosts for
images, media, frames and requests (and scripts from the one video player host among them
that needs its own, www.youtube.com: see ``courses.packages.h5p.policy.VIDEO_SERVICES``).
The list is global: hosts are not owned by an administration.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _

HOST_NAME = re.compile(
    r"(?=.{1,253}\Z)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+"
)
"""A DNS host name with at least one dot, lower case (no scheme, port, path or wildcard)."""

CACHE_KEY = "lms:h5p:external-media-hosts"


def normalise_host(value: str) -> str:
    return value.strip().lower().rstrip(".")


def validate_host(value: str) -> None:
    if not HOST_NAME.fullmatch(normalise_host(value)):
        raise ValidationError(
            _(
                "Enter a host name only, such as www.youtube.com: no https://, no path, no "
                "port and no wildcard."
            ),
            code="invalid_host",
        )


class ExternalMediaHost(models.Model):
    host = models.CharField(
        _("host name"),
        max_length=253,
        unique=True,
        validators=[validate_host],
        help_text=_(
            "For example h5p.org. Each host is allowed on its own (h5p.org does not allow "
            "www.h5p.org). YouTube videos need the host in their address (youtu.be or "
            "youtube.com) and www.youtube.com, where YouTube's player comes from."
        ),
    )
    note = models.CharField(_("note"), max_length=255, blank=True)
    added_at = models.DateTimeField(auto_now_add=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )

    class Meta:
        verbose_name = _("external media host")
        verbose_name_plural = _("external media hosts")
        ordering = ["host"]

    def __str__(self) -> str:
        return self.host

    def save(self, *args: object, **kwargs: object) -> None:
        self.host = normalise_host(self.host)
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def clean(self) -> None:
        self.host = normalise_host(self.host or "")

    @classmethod
    def allowed(cls) -> frozenset[str]:
        """Every allowed host name, read through the shared cache (each player frame asks)."""
        found = cache.get(CACHE_KEY)
        if found is None:
            found = frozenset(cls.objects.values_list("host", flat=True))
            cache.set(CACHE_KEY, found, 300)
        return found


def forget_allowed_hosts(sender: type, **kwargs: object) -> None:
    cache.delete(CACHE_KEY)


post_save.connect(forget_allowed_hosts, sender=ExternalMediaHost)
post_delete.connect(forget_allowed_hosts, sender=ExternalMediaHost)

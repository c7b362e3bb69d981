"""Hotspot images the platform generates itself (no downloaded images), cached once
rendered. Authors' own images will come from Wagtail's image library."""

from __future__ import annotations

from functools import cache


@cache
def render_image(name: str) -> bytes | None:
    from .demo import images

    if name not in images.NAMES:
        return None
    return images.render(name)

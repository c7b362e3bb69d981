"""``reverse`` remembered per process: the navigation and the lesson player name the same
few routes on every page, and Django resolves each name anew (a tenth of a millisecond or
so each). The answer depends only on the name, its arguments, the URLconf and the script
prefix, which are all part of the key."""

from __future__ import annotations

import functools
from typing import Any

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse


def cached_reverse(name: str, *args: Any) -> str:
    """``reverse(name, args=args)``, computed once per URLconf and script prefix."""
    return _reverse(name, args, get_urlconf() or settings.ROOT_URLCONF, get_script_prefix())


@functools.lru_cache(maxsize=1024)
def _reverse(name: str, args: tuple[Any, ...], urlconf: Any, prefix: str) -> str:
    return reverse(name, args=args, urlconf=urlconf)

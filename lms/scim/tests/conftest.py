"""Fixtures of the SCIM tests: tokens of PER and PAN made by their managers through the
service, and a scim2-client (httpx2 engine) talking to the live server."""

from __future__ import annotations

from types import SimpleNamespace

import httpx2
import pytest
from scim2_client.engines.httpx2 import SyncSCIMClient

from lms.accounts.tests.factories import UnitFactory
from lms.scim.services import scim_token_create


@pytest.fixture
def per_lima(per):
    return UnitFactory(administration=per, code="LIMA", name="Lima airport")


@pytest.fixture
def scim_tokens(per, pan, per_manager, pan_manager, per_unit, per_lima, pan_unit):
    per_token, per_secret = scim_token_create(
        actor=per_manager, administration=per, name="PER HR", expires_in_days=90
    )
    pan_token, pan_secret = scim_token_create(
        actor=pan_manager, administration=pan, name="PAN HR", expires_in_days=90
    )
    return SimpleNamespace(
        per=per_token, per_secret=per_secret, pan=pan_token, pan_secret=pan_secret
    )


def base_url(live_server) -> str:
    """The live server as the site (127.0.0.1; ``localhost`` is the content origin in tests,
    lms/content_origin.py)."""
    return live_server.url.replace("//localhost:", "//127.0.0.1:") + "/scim/v2"


def http(live_server, secret: str | None) -> httpx2.Client:
    headers = {"Authorization": f"Bearer {secret}"} if secret else {}
    return httpx2.Client(base_url=base_url(live_server), headers=headers, timeout=30)


def scim_client(live_server, secret: str) -> SyncSCIMClient:
    client = SyncSCIMClient(http(live_server, secret))
    client.discover()
    return client

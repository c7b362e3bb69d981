"""The tenant-isolation matrix helper.

Every feature that shows learner or administration data adds its URLs to the matrix in
``tests/test_tenancy.py``: each URL holds data of one administration (PER in the matrix)
and must answer 404 to a manager of another administration (PAN), while the positive
control (PER's own manager) must reach it, so that a broken URL cannot pass unnoticed.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.test import Client

from lms.accounts.models import User


def assert_hidden_from(
    client: Client,
    urls: Iterable[str],
    *,
    outsider: User,
    owner: User | None = None,
    method: str = "get",
) -> None:
    """Assert that ``outsider`` gets 404 for every URL (and ``owner``, when given, does not).

    ``owner`` is the positive control: a user of the same administration as the data who
    must be able to open the URL (any status below 400).
    """
    problems: list[str] = []
    for url in urls:
        if owner is not None:
            client.force_login(owner)
            status = getattr(client, method)(url).status_code
            if status >= 400:
                problems.append(f"{url}: the owner got {status}, expected success")
        client.force_login(outsider)
        status = getattr(client, method)(url).status_code
        if status != 404:
            problems.append(f"{url}: {outsider.username} got {status}, expected 404")
    client.logout()
    assert not problems, "Tenancy leaks:\n" + "\n".join(problems)

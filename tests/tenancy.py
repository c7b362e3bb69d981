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


def assert_not_found_by_search(
    client: Client,
    words: Iterable[str],
    *,
    outsider: User,
    owner: User,
    url: str = "/learning/search/",
) -> None:
    """Assert that searching each of ``words`` finds nothing for ``outsider`` while the
    positive control ``owner`` finds at least one result (a page of the owner's
    administration that the words appear in only). The search page answers 200 with an
    empty list rather than 404: it is the results, not the page, that must not leak."""
    problems: list[str] = []
    for word in words:
        client.force_login(owner)
        response = client.get(url, {"q": word})
        if response.status_code != 200 or "data-page=" not in response.content.decode():
            problems.append(f"{word!r}: the owner found nothing ({response.status_code})")
        client.force_login(outsider)
        response = client.get(url, {"q": word})
        if response.status_code != 200 or "data-page=" in response.content.decode():
            problems.append(f"{word!r}: {outsider.username} found it ({response.status_code})")
    client.logout()
    assert not problems, "Tenancy leaks:\n" + "\n".join(problems)

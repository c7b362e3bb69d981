"""The page cache's entries kept in each process (lms/page_cache.py): an entry read once is
read again without asking the shared cache, every read is a copy of its own, a new
generation (this process's bump or another's) drops them, and they stay within their
budget."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection

from lms import page_cache


class Reads:
    """Counts the shared cache's reads of page entries (the generation aside)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.keys: list[str] = []
        original = cache.get

        def counting(key, *args, **kwargs):
            if key != page_cache.GENERATION_KEY:
                self.keys.append(key)
            return original(key, *args, **kwargs)

        monkeypatch.setattr(cache, "get", counting)


def test_an_entry_is_read_from_the_shared_cache_once_per_process_and_generation(monkeypatch):
    reads = Reads(monkeypatch)
    builds: list[int] = []

    def build() -> dict[str, list[int]]:
        builds.append(1)
        return {"pages": [1, 2, 3]}

    first = page_cache.remember(page_cache.key("outline", 7), build)
    assert first == {"pages": [1, 2, 3]} and len(builds) == 1 and len(reads.keys) == 1
    # Read again: this process's copy, not the shared cache, and not the same object.
    first["pages"].append(4)
    again = page_cache.remember(page_cache.key("outline", 7), build)
    assert again == {"pages": [1, 2, 3]} and again is not first
    assert len(builds) == 1 and len(reads.keys) == 1
    # Another process publishes a page: it writes a new generation to the shared cache.
    cache.set(page_cache.GENERATION_KEY, page_cache.generation() + 10, None)
    page_cache.remember(page_cache.key("outline", 7), build)
    assert len(builds) == 2 and len(reads.keys) == 2  # a new key, asked and built again
    assert len(page_cache._local) == 1  # the older generation's entry is dropped
    # This process's own bump drops them too.
    page_cache.bump()
    assert len(page_cache._local) == 0
    page_cache.remember(page_cache.key("outline", 7), build)
    assert len(builds) == 3


def test_an_entry_another_process_built_is_kept_after_one_shared_read(monkeypatch):
    reads = Reads(monkeypatch)
    key = page_cache.key("course", "0001")
    cache.set(key, ["built elsewhere"], page_cache.ENTRY_SECONDS)
    for _ in range(3):
        assert page_cache.remember(key, lambda: ["built here"]) == ["built elsewhere"]
    assert reads.keys == [key]


def test_the_kept_entries_stay_within_their_budget():
    kept = page_cache._Local(max_bytes=64 * 1024)
    kept.seen(1)
    for number in range(40):
        kept.put(f"k{number}", "x" * 4000, 60)
    assert kept._bytes <= 64 * 1024
    assert kept.get("k0") is None and kept.get("k39") == "x" * 4000  # oldest dropped first
    kept.put("huge", "y" * 20_000, 60)  # more than an eighth of the budget: not kept
    assert kept.get("huge") is None
    kept.put("brief", "z", 0)  # expired at once
    assert kept.get("brief") is None


@pytest.mark.django_db
def test_a_signed_in_request_reads_the_generation_with_the_viewers_preferences(
    client, per_officer, home_page, monkeypatch
):
    """One round trip to the shared cache for both: the page cache's generation comes
    with the viewer's preferences (lms.accounts.preferences), not on a read of its own,
    and what the page shows is as fresh: site settings saved show on the next request."""
    client.force_login(per_officer)
    assert client.get("/").status_code == 200  # warms the page cache
    alone: list[str] = []
    together: list[list[str]] = []
    get, get_many = cache.get, cache.get_many
    inside = []  # a cache whose get_many calls its own get (the tests' local memory one)

    def counting_get(key, *args, **kwargs):
        if not inside:
            alone.append(key)
        return get(key, *args, **kwargs)

    def counting_get_many(keys, *args, **kwargs):
        together.append(list(keys))
        inside.append(1)
        try:
            return get_many(keys, *args, **kwargs)
        finally:
            inside.pop()

    monkeypatch.setattr(cache, "get", counting_get)
    monkeypatch.setattr(cache, "get_many", counting_get_many)
    assert client.get("/").status_code == 200
    assert page_cache.GENERATION_KEY not in alone
    assert any(page_cache.GENERATION_KEY in keys for keys in together)
    from wagtail.models import Site

    from lms.home.models import SiteSettings

    site_settings = SiteSettings.for_site(Site.objects.get(is_default_site=True))
    site_settings.footer_text = "Aviso renovado"
    site_settings.save()
    assert "Aviso renovado" in client.get("/").content.decode()


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    "connection.vendor != 'postgresql'",
    reason="a reader beside an open write transaction needs PostgreSQL (the CI leg runs it)",
)
def test_an_entry_built_before_the_change_commits_is_not_kept(per):
    """A page saved bumps the generation inside its transaction; another process that
    reads the new generation before the commit builds its entry from the old rows. The
    generation changes again at the commit, so that entry is not read afterwards."""
    import threading

    from django.db import transaction

    from lms.accounts.models import Administration

    def read_elsewhere() -> str:
        """What another process (a thread with its own connection) reads and keeps."""
        found: dict[str, str] = {}

        def run() -> None:
            try:
                found["name"] = page_cache.remember(
                    page_cache.key("probe", per.pk),
                    lambda: Administration.objects.get(pk=per.pk).name,
                )
            finally:
                connection.close()

        thread = threading.Thread(target=run)
        thread.start()
        thread.join()
        return found["name"]

    before = read_elsewhere()
    with transaction.atomic():
        Administration.objects.filter(pk=per.pk).update(name="Renamed administration")
        page_cache.bump()  # as a page's post_save does, inside the saving transaction
        assert read_elsewhere() == before  # not committed: the old name, kept under the key
    assert read_elsewhere() == "Renamed administration"

"""Public verification: the HTML page, the form and the JSON API, for every status, for
codes as people type them, for unknown and malformed codes, under throttling."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from certificates import codes, services
from certificates.api import VerifyThrottle
from certificates.models import Certificate
from certificates.tests.fixtures import issue, make_programme

pytestmark = pytest.mark.django_db

API_FIELDS = {
    "status",
    "holder_name",
    "programme",
    "programme_code",
    "administration_code",
    "issued_at",
    "expires_at",
    "certificate_number",
    "revoked_at",
    "revocation_reason",
    "superseded",
    "superseded_at",
    "renewed_by",
    "verify_url",
}
REASON = "Assessment fraud established by the integrity unit."
YEAR = timedelta(days=365)


def page(client, code: str, **extra):
    return client.get(reverse("certificates:verify", args=[code]), **extra)


def api(client, code: str, **extra):
    return client.get(reverse("api:certificate_verify", args=[code]), **extra)


def main_of(response) -> str:
    """The page's main content (the header carries the path and a CSRF token)."""
    return re.search(r"<main.*?</main>", response.content.decode(), re.DOTALL).group(0)


def shown_status(response) -> str:
    return re.search(r'data-verification="([a-z]+)"', response.content.decode()).group(1)


def assert_no_personal_data(text: str, officer) -> None:
    assert officer.email and officer.email not in text
    assert officer.username not in text
    assert not re.search(r"(?<![\w-])PER-1(?!\w)", text)  # the employee number


def assert_not_stored(response) -> None:
    assert response["Cache-Control"] == "no-store"


@pytest.fixture
def low_rate(settings):
    """Three lookups a minute (DRF reloads its settings on the change)."""
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"verify": "3/min"},
    }


# --- statuses ---------------------------------------------------------------------------


def test_a_valid_certificate_on_the_page(client, earned):
    certificate = earned.certificate
    response = page(client, certificate.code_display)
    assert response.status_code == 200
    assert "certificates/verify.html" in [t.name for t in response.templates]
    assert shown_status(response) == "valid"
    text = response.content.decode()
    assert '<meta name="robots" content="noindex">' in text
    for fact in (
        "Carlos Huamán Torres",
        "Certified illicit trade analyst",  # the active language: English
        "SUNAT – Aduanas (PER)",
        certificate.number,
        certificate.code_display,
        f"valid until {date_format(certificate.expires_at)}.",
        date_format(certificate.issued_at),
    ):
        assert fact in text
    assert_not_stored(response)
    assert_no_personal_data(text, earned.officer)


def test_a_valid_certificate_in_the_api(client, earned):
    certificate = earned.certificate
    response = api(client, certificate.code_display)
    assert response.status_code == 200
    data = response.json()
    assert set(data) == API_FIELDS
    assert data["status"] == "valid"
    assert data["holder_name"] == "Carlos Huamán Torres"
    assert data["programme"] == "Certified illicit trade analyst"
    assert data["programme_code"] == "illicit-trade"
    assert data["administration_code"] == "PER"
    assert data["certificate_number"] == certificate.number
    assert data["issued_at"].startswith(certificate.issued_at.strftime("%Y-%m-%dT%H:%M:%S"))
    assert data["expires_at"].startswith(certificate.expires_at.strftime("%Y-%m-%dT%H:%M:%S"))
    assert data["revoked_at"] is data["revocation_reason"] is None
    assert data["superseded"] is False and data["superseded_at"] is data["renewed_by"] is None
    assert data["verify_url"] == services.verify_url(certificate)
    assert data["verify_url"].endswith(f"/verify/{certificate.code_display}/")
    assert_not_stored(response)
    assert_no_personal_data(response.content.decode(), earned.officer)


def test_the_programme_title_follows_the_visitors_language(client, earned):
    code = earned.certificate.code_display
    spanish = "Analista certificado en comercio ilícito"
    assert spanish in page(client, code, HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert api(client, code, HTTP_ACCEPT_LANGUAGE="es").json()["programme"] == spanish


def test_an_expired_certificate_shows_as_expired(client, earned):
    programme = make_programme(code="integrity", validity_months=24)
    old = issue(earned.officer, programme, issued_at=timezone.now() - 3 * YEAR)
    response = page(client, old.code_display)
    assert response.status_code == 200 and shown_status(response) == "expired"
    assert "This certificate expired on" in response.content.decode()
    data = api(client, old.code_display).json()
    assert data["status"] == "expired"
    assert data["superseded"] is False and data["renewed_by"] is None
    assert data["revoked_at"] is None


def test_a_revoked_certificate_shows_when_and_why(client, earned, per_manager):
    certificate = earned.certificate
    services.certificate_revoke(actor=per_manager, certificate=certificate, reason=REASON)
    response = page(client, certificate.code_display)
    assert response.status_code == 200 and shown_status(response) == "revoked"
    text = response.content.decode()
    assert "This certificate was revoked on" in text and REASON in text
    assert_no_personal_data(text, earned.officer)
    assert per_manager.username not in text  # who revoked is nobody's business
    data = api(client, certificate.code_display).json()
    assert data["status"] == "revoked"
    assert data["revoked_at"] is not None and data["revocation_reason"] == REASON
    assert set(data) == API_FIELDS
    assert per_manager.username not in str(data)


def test_a_renewed_certificate_points_to_its_successor(client, earned):
    old = earned.certificate
    new = issue(earned.officer, earned.programme, previous=old)
    response = page(client, old.code_display)
    assert response.status_code == 200 and shown_status(response) == "renewed"
    text = response.content.decode()
    assert "Renewed — replaced by a newer certificate" in text
    assert f'href="{new.get_verify_path()}"' in text
    data = api(client, old.code_display).json()
    assert data["status"] == "expired"  # the enum is fixed: valid, expired, revoked
    assert data["superseded"] is True and data["superseded_at"] is not None
    assert data["renewed_by"] == services.verify_url(new)
    assert api(client, new.code_display).json()["status"] == "valid"
    assert shown_status(page(client, new.code_display)) == "valid"


def test_revocation_shows_at_the_very_next_request(client, earned, per_manager):
    code = earned.certificate.code_display
    assert shown_status(page(client, code)) == "valid"
    assert api(client, code).json()["status"] == "valid"
    services.certificate_revoke(actor=per_manager, certificate=earned.certificate, reason=REASON)
    assert shown_status(page(client, code)) == "revoked"
    assert api(client, code).json()["status"] == "revoked"


# --- codes as typed ---------------------------------------------------------------------

FIXED_CODE = "0123456789ABCDEFGHJKMNPQRSTV"


@pytest.fixture
def fixed(earned):
    """The certificate, with a code holding the digits people mistype (0 and 1)."""
    Certificate.objects.filter(pk=earned.certificate.pk).update(code=FIXED_CODE)
    return codes.display(FIXED_CODE)


@pytest.mark.parametrize(
    "typed",
    [
        "0123-4567-89AB-CDEF-GHJK-MNPQ-RSTV",
        "0123-4567-89ab-cdef-ghjk-mnpq-rstv",  # small letters
        "0123456789ABCDEFGHJKMNPQRSTV",  # no hyphens
        "0123 4567 89AB CDEF GHJK MNPQ RSTV",  # spaces
        "O123-4567-89AB-CDEF-GHJK-MNPQ-RSTV",  # O for 0
        "0I23-4567-89AB-CDEF-GHJK-MNPQ-RSTV",  # I for 1
        "0l23-4567-89ab-cdef-ghjk-mnpq-rstv",  # l for 1
    ],
)
def test_codes_typed_loosely_are_found(client, fixed, typed):
    response = page(client, typed)
    assert response.status_code == 200 and shown_status(response) == "valid"
    assert fixed in response.content.decode()
    assert api(client, typed).json()["status"] == "valid"


def _other(character: str) -> str:
    return "Z" if character != "Z" else "Y"


def wrong_codes() -> list[str]:
    edited = FIXED_CODE[:10] + _other(FIXED_CODE[10]) + FIXED_CODE[11:]
    return [
        codes.display(codes.new_code()),  # forged: well formed, unknown
        codes.display(edited),  # one character changed
        codes.display(FIXED_CODE)[:-5],  # truncated
        codes.display(FIXED_CODE) + "-7",  # too long
        FIXED_CODE[:-1] + "U",  # U is not in the alphabet
        "hello",
        "x" * 200,
        "' OR 1=1 --",
    ]


def test_unknown_and_malformed_codes_get_the_same_404(client, fixed):
    pages = [page(client, code) for code in wrong_codes()]
    answers = [api(client, code) for code in wrong_codes()]
    for response in pages:
        assert response.status_code == 404
        assert response.templates[0].name == "certificates/verify_missing.html"
        assert main_of(response) == main_of(pages[0])
        assert_not_stored(response)
    for response in answers:
        assert response.status_code == 404
        assert response.content == answers[0].content
        assert_not_stored(response)
    assert answers[0].json() == {"detail": "No certificate has this verification code."}


# --- the form ---------------------------------------------------------------------------


def test_the_form_is_shown_without_a_code(client, db):
    response = client.get(reverse("certificates:verify_form"))
    assert response.status_code == 200
    text = response.content.decode()
    assert 'name="code"' in text and 'method="get"' in text
    assert '<meta name="robots" content="noindex">' in text
    assert "<script" not in main_of(response)  # works without JavaScript


def test_an_empty_code_is_asked_for_again(client, db):
    response = client.get(reverse("certificates:verify_form"), {"code": "  "})
    assert response.status_code == 200
    assert "Enter the verification code printed on the certificate." in response.content.decode()


def test_the_form_goes_to_the_canonical_page(client, fixed):
    response = client.get(
        reverse("certificates:verify_form"), {"code": "0l23456789abcdefghjkmnpqrstv"}
    )
    assert response.status_code == 302
    assert response["Location"] == f"/verify/{fixed}/"


@pytest.mark.parametrize("typed", ["hello", "a/b", "47NF-T4YW-NWXC-5DAK-1E7H-831K-F31B"])
def test_the_form_lands_on_the_same_404_for_anything_else(client, fixed, typed):
    response = client.get(reverse("certificates:verify_form"), {"code": typed}, follow=True)
    assert response.status_code == 404
    assert response.templates[0].name == "certificates/verify_missing.html"
    assert main_of(response) == main_of(page(client, "hello"))


# --- throttling -------------------------------------------------------------------------


def test_the_default_rate_comes_from_the_settings():
    assert VerifyThrottle().rate == "60/min"


def test_the_page_is_throttled_per_client(client, fixed, low_rate):
    for code in (fixed, "hello", fixed):
        assert page(client, code).status_code in (200, 404)
    response = page(client, fixed)
    assert response.status_code == 429
    assert int(response["Retry-After"]) >= 1
    assert response.templates[0].name == "certificates/throttled.html"
    assert "Try again in" in response.content.decode()
    assert_not_stored(response)
    # Another client address has its own allowance.
    assert page(client, fixed, REMOTE_ADDR="192.0.2.7").status_code == 200


def test_the_api_is_throttled_per_client(client, fixed, low_rate):
    for code in (fixed, "hello", fixed):
        assert api(client, code).status_code in (200, 404)
    response = api(client, fixed)
    assert response.status_code == 429
    assert int(response["Retry-After"]) >= 1
    assert "detail" in response.json()
    assert_not_stored(response)


def test_page_and_api_share_one_allowance(client, fixed, low_rate):
    page(client, fixed)
    api(client, fixed)
    page(client, fixed)
    assert api(client, fixed).status_code == 429
    assert page(client, fixed).status_code == 429


def test_a_forged_forwarded_for_header_does_not_reset_the_count(client, fixed, low_rate):
    for number in range(3):
        api(client, fixed, HTTP_X_FORWARDED_FOR=f"203.0.113.{number}")
    assert api(client, fixed, HTTP_X_FORWARDED_FOR="203.0.113.99").status_code == 429
    assert page(client, fixed, HTTP_X_FORWARDED_FOR="198.51.100.1").status_code == 429

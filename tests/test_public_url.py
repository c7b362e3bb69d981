"""Every absolute link names the site by its public address, ``LMS_PUBLIC_URL``
(``lms/public_url.py``), whatever host a request came in on, and when there is no request
at all (a PDF rendered by the task worker, an e-mail); production refuses an address that
is unset, plain HTTP or this machine (the deploy check; with production settings in
``lms/accounts/tests/test_settings.py``)."""

from __future__ import annotations

import io
import json
import re

import pypdf
import pytest
from django.core import mail
from django.urls import reverse

from certificates import issuer
from certificates.services import certificate_render, print_data, verify_url
from certificates.tests.fixtures import issue, make_programme
from lms.accounts.password_reset import SITE, password_reset_send
from lms.public_url import check_public_url, public_host, public_url
from lms.tracking.officers import officer_invitations_send

PUBLIC = "https://training.customs.example"
URL = re.compile(r"https?://[^\s\"'<>]+")
# Vocabularies a credential names (its @context and schemas), not links of this site.
VOCABULARIES = ("https://www.w3.org/", "https://purl.imsglobal.org/", "https://w3id.org/")


@pytest.fixture(autouse=True)
def public_address(settings):
    settings.LMS_PUBLIC_URL = PUBLIC


def test_links_are_built_on_the_public_origin(settings):
    assert public_url(reverse("certificates:mine")) == f"{PUBLIC}/certificates/"
    assert public_url("certificates/") == f"{PUBLIC}/certificates/"
    assert public_url() == f"{PUBLIC}/"
    # A URL of a Wagtail site's host name keeps its path, query and fragment only.
    assert public_url("http://localhost/courses/a/?b=1#c") == f"{PUBLIC}/courses/a/?b=1#c"
    assert public_host() == "training.customs.example"
    settings.LMS_PUBLIC_URL = "https://training.customs.example:8443/"
    assert public_url("/verify/X/") == "https://training.customs.example:8443/verify/X/"
    assert public_host() == "training.customs.example:8443"


@pytest.fixture
def certificate(per_officer):
    return issue(per_officer, make_programme(code="links"))


@pytest.mark.django_db
def test_a_certificates_qr_code_verification_link_and_pdf_use_the_public_address(certificate):
    expected = PUBLIC + certificate.get_verify_path()
    assert verify_url(certificate) == expected
    assert print_data(certificate).verify_url == expected  # what the QR code encodes
    rendered = certificate_render(certificate_id=certificate.pk)
    with rendered.pdf.open("rb") as stored:
        page = pypdf.PdfReader(io.BytesIO(stored.read())).pages[0]
    links = [annotation.get_object()["/A"]["/URI"] for annotation in page["/Annots"]]
    assert links == [expected]


@pytest.mark.django_db
def test_a_badge_names_the_issuer_achievement_status_and_evidence_on_the_public_address(
    certificate,
):
    credential = issuer.badge_credential(certificate)
    assert credential["issuer"]["id"] == PUBLIC + reverse("certificates:issuer")
    links = [
        link for link in URL.findall(json.dumps(credential)) if not link.startswith(VOCABULARIES)
    ]
    assert len(links) >= 4  # issuer, its home page, achievement, status list, evidence
    assert all(link.startswith(PUBLIC + "/") for link in links), links
    assert PUBLIC + certificate.get_verify_path() in links


@pytest.mark.django_db
def test_an_invitation_e_mail_links_to_the_public_address(per_officer):
    per_officer.set_unusable_password()
    per_officer.save()
    assert officer_invitations_send(officer_ids=[per_officer.pk]) == 1
    (message,) = mail.outbox
    links = URL.findall(message.body)
    assert links and all(link.startswith(PUBLIC + "/accounts/") for link in links), links


@pytest.mark.django_db
def test_a_password_reset_e_mail_links_to_the_public_address(per_officer):
    assert password_reset_send(email=per_officer.email, purpose=SITE, language="en") == 1
    (message,) = mail.outbox
    links = URL.findall(message.body)
    assert links and all(link.startswith(PUBLIC + "/accounts/") for link in links), links


@pytest.mark.parametrize(
    ("value", "ids"),
    [
        ("https://training.customs.example", []),
        ("https://training.customs.example/", []),
        ("", ["lms.E110"]),
        ("training.customs.example", ["lms.E111"]),
        ("https://training.customs.example/lms/", ["lms.E111"]),
        ("http://training.customs.example", ["lms.E112"]),
        ("https://localhost:8000", ["lms.E113"]),
        ("https://127.0.0.1", ["lms.E113"]),
        ("https://0.0.0.0:8000", ["lms.E113"]),
        ("https://[::1]", ["lms.E113"]),
        ("http://127.0.0.1:8000", ["lms.E112", "lms.E113"]),
    ],
)
def test_the_deploy_check_refuses_an_unset_plain_or_local_address(settings, value, ids):
    settings.LMS_PUBLIC_URL = value
    errors = check_public_url()
    assert [error.id for error in errors] == ids
    assert all("LMS_PUBLIC_URL" in error.msg for error in errors)

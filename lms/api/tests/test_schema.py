"""The OpenAPI schema and the documentation page (assets served locally, strict CSP)."""

from __future__ import annotations

import re

import pytest
import yaml
from django.core.management import call_command
from django.test import Client

pytestmark = pytest.mark.django_db

ENDPOINTS = [
    "/api/v1/officers/",
    "/api/v1/officers/{id}/",
    "/api/v1/units/",
    "/api/v1/enrolments/",
    "/api/v1/assignments/",
    "/api/v1/assignments/{id}/records/",
    "/api/v1/certificates/",
    "/api/v1/certificates/{id}/",
    "/api/v1/programmes/",
    "/api/v1/courses/",
    "/api/v1/certificates/verify/{code}/",
]


def test_the_schema_validates_without_warnings(tmp_path):
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    schema = yaml.safe_load(target.read_text())
    assert set(ENDPOINTS) <= set(schema["paths"])
    assert not [path for path in schema["paths"] if not path.startswith("/api/v1/")]
    scheme = schema["components"]["securitySchemes"]["apiToken"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")
    officers = schema["paths"]["/api/v1/officers/"]
    assert {"get", "post"} <= set(officers)
    filters = {parameter["name"] for parameter in officers["get"]["parameters"]}
    assert {"unit", "q", "employee_number", "is_active", "page", "page_size"} <= filters
    assert "patch" in schema["paths"]["/api/v1/officers/{id}/"]


def test_the_schema_is_public():
    response = Client().get("/api/v1/schema/")
    assert response.status_code == 200
    assert b"/api/v1/officers/" in response.content


def test_the_docs_page_loads_everything_from_this_site():
    client = Client()
    response = client.get("/api/v1/docs/")
    assert response.status_code == 200
    page = response.content.decode()
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    # No inline script or style: every script has a src, and there is no <style>.
    assert "<style" not in page and "style=" not in page
    scripts = re.findall(r"<script([^>]*)>", page)
    assert scripts and all("src=" in attributes for attributes in scripts)
    assets = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert assets
    assert not [url for url in assets if "//" in url], "an asset from another host"
    for url in assets:
        assert url.startswith(("/static/", "/api/v1/docs/?")), url
        fetched = client.get(url)
        assert fetched.status_code == 200, url
        body = b"".join(fetched.streaming_content) if fetched.streaming else fetched.content
        assert body
    script = client.get("/api/v1/docs/?script=").content.decode()
    assert "/api/v1/schema/" in script


def test_an_unset_language_is_null_and_the_schema_says_so(tmp_path, per_manager, per_officer):
    import jsonschema

    from lms.api.tests.helpers import make_token, token_client

    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--file", str(target))
    schema = yaml.safe_load(target.read_text())
    officer_schema = {"$ref": "#/components/schemas/Officer", "components": schema["components"]}
    _token, secret = make_token(per_manager)
    client = token_client(secret)

    def officer_body() -> dict:
        response = client.get(f"/api/v1/officers/{per_officer.pk}/")
        assert response.status_code == 200, response.content
        body = response.json()
        jsonschema.validate(body, officer_schema)
        return body

    per_officer.preferred_language = ""
    per_officer.save(update_fields=["preferred_language"])
    assert officer_body()["preferred_language"] is None
    per_officer.preferred_language = "pt-br"
    per_officer.save(update_fields=["preferred_language"])
    assert officer_body()["preferred_language"] == "pt-br"
    # "" is what the API returned before: it is not a value the schema allows.
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**officer_body(), "preferred_language": ""}, officer_schema)

"""whitenoise serves compressed, fingerprinted static files with long cache lifetimes."""

import json
import subprocess
import sys
import textwrap

import pytest

from .test_settings import GOOD_ENV, ROOT, manage

PROBE = textwrap.dedent(
    """
    import json, sys, django
    django.setup()
    from django.test import Client
    from django.templatetags.static import static
    url = static("css/site.css")
    client = Client(HTTP_HOST="training.customs.example")
    response = client.get(url, secure=True, HTTP_ACCEPT_ENCODING="gzip, br")
    plain = client.get(url, secure=True)
    print(json.dumps({
        "url": url,
        "status": response.status_code,
        "encoding": response.get("Content-Encoding"),
        "cache": response.get("Cache-Control"),
        "vary": response.get("Vary"),
        "compressed_size": int(response.get("Content-Length", 0)),
        "plain_size": int(plain.get("Content-Length", 0)),
    }))
    """
)


@pytest.mark.slow
def test_static_files_are_fingerprinted_compressed_and_cached_for_a_year(tmp_path):
    env = {**GOOD_ENV, "DJANGO_STATIC_ROOT": str(tmp_path)}
    collected = manage("collectstatic", "--noinput", "-v", "0", env=env)
    assert collected.returncode == 0, collected.stderr
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env={**env, "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    facts = json.loads(result.stdout.strip().splitlines()[-1])
    assert facts["status"] == 200
    assert facts["url"].startswith("/static/css/site.") and facts["url"] != "/static/css/site.css"
    assert facts["encoding"] in {"gzip", "br"}
    assert facts["compressed_size"] < facts["plain_size"]
    assert "max-age=315360000" in facts["cache"] and "immutable" in facts["cache"]
    assert "Accept-Encoding" in facts["vary"]

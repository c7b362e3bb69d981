"""The deployment artefacts of deploy/ (issue 15, points 6 and 7), tested as an operator
uses them: the systemd units checked by systemd itself, the nginx configuration checked by
``nginx -t`` and run in front of a real app process (gunicorn, production settings), the
compose file against the units, and the backup and restore scripts run on PostgreSQL with
the restored copy served by a real app process and checked as an outside verifier would.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import re
import subprocess

import pytest
import yaml

from tests.topology import (
    CONTENT,
    DEPLOY,
    METRICS_TOKEN,
    ROOT,
    SITE,
    VENV,
    answers,
    app_process,
    find_program,
    free_port,
    nginx_command,
    production_environment,
    render_nginx,
    request,
    running,
    tls_context,
)

UNITS = DEPLOY / "systemd"
SERVICES = ("lms-app.service", "lms-worker.service", "lms-job@.service")
TIMERS = {
    "lms-daily-jobs.timer": "run_daily_jobs",
    "lms-overdue-attempts.timer": "close_overdue_attempts",
    "lms-prepare-attempts.timer": "prepare_attempts",
}
HARDENING = {
    "NoNewPrivileges": "yes",
    "ProtectSystem": "strict",
    "PrivateTmp": "yes",
    "ProtectHome": "yes",
    "PrivateDevices": "yes",
    "CapabilityBoundingSet": "",
    "RestrictSUIDSGID": "yes",
}
MiB = 1024 * 1024


# --- systemd ----------------------------------------------------------------------------


def unit(name: str) -> dict[str, dict[str, str]]:
    """The unit's sections and keys; a key given several times (Environment=) keeps every
    value, one a line."""
    sections: dict[str, dict[str, str]] = {}
    section: dict[str, str] = {}
    for line in (UNITS / name).read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            section = sections.setdefault(line.strip("[]"), {})
            continue
        key, value = line.split("=", 1)
        section[key] = f"{section[key]}\n{value}" if key in section else value
    return sections


def test_systemd_accepts_every_unit(tmp_path):
    """``systemd-analyze verify`` reads each unit as systemd would: an unknown key, a bad
    value or a missing program is reported (the release's paths point at this checkout)."""
    analyze = find_program("systemd-analyze")
    names = sorted(path.name for path in UNITS.iterdir())
    assert set(SERVICES) | set(TIMERS) <= set(names)
    for name in names:
        text = (UNITS / name).read_text().replace("/srv/lms/.venv", str(VENV))
        (tmp_path / name).write_text(text)
    result = subprocess.run(
        [analyze, "verify", "--man=no", *(f"./{name}" for name in names)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout + result.stderr == ""


def test_the_units_run_the_app_the_worker_and_the_daily_jobs_hardened():
    app, worker, jobs = (unit(name)["Service"] for name in SERVICES)
    assert app["ExecStart"] == (
        "/srv/lms/.venv/bin/gunicorn --config deploy/gunicorn.conf.py lms.wsgi"
    )
    assert app["Type"] == "notify"  # gunicorn tells systemd when it is ready
    assert "check --deploy --fail-level WARNING" in app["ExecStartPre"]
    assert worker["ExecStart"] == "/srv/lms/.venv/bin/python manage.py db_worker"
    # One template for the scheduled commands: the instance names the command.
    assert jobs["ExecStart"] == "/srv/lms/.venv/bin/python manage.py %i"
    assert jobs["Type"] == "oneshot"
    for service in (app, worker, jobs):
        assert service["EnvironmentFile"] == "/etc/lms/lms.env"
        assert "DJANGO_SETTINGS_MODULE=lms.settings.production" in service["Environment"]
        assert service["User"] == "lms"
        assert service["Restart"] in {"on-failure", "always"}
        for key, value in HARDENING.items():
            assert service[key] == value, key
    timers = {name: unit(name)["Timer"] for name in TIMERS}
    for name, command in TIMERS.items():
        assert timers[name]["Unit"] == f"lms-job@{command}.service"
    daily = timers["lms-daily-jobs.timer"]
    assert daily["Persistent"] == "true"  # a day missed while off runs at the next boot
    assert daily["OnCalendar"].startswith("*-*-*")
    assert timers["lms-overdue-attempts.timer"]["OnCalendar"] == "minutely"


def test_the_commands_the_units_run_exist():
    from django.core.management import get_commands

    commands = get_commands()
    for name in ("db_worker", *TIMERS.values(), "migrate", "check", "collectstatic"):
        assert name in commands, name


# --- compose ----------------------------------------------------------------------------


def test_the_compose_file_runs_the_units_commands_with_its_services():
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services = compose["services"]
    assert {
        "app",
        "worker",
        "daily-jobs",
        "overdue-attempts",
        "db",
        "redis",
        "nginx",
        "migrate",
    } <= set(services)

    def command(name: str) -> str:
        return " ".join(services[name]["command"])

    def unit_command(name: str) -> str:
        return unit(name)["Service"]["ExecStart"].split("/srv/lms/.venv/bin/", 1)[1]

    assert command("app") == unit_command("lms-app.service")
    assert command("worker") == unit_command("lms-worker.service")
    for service, timer in (
        ("daily-jobs", "lms-daily-jobs.timer"),
        ("overdue-attempts", "lms-overdue-attempts.timer"),
        ("prepare-attempts", "lms-prepare-attempts.timer"),
    ):
        assert f"python manage.py {TIMERS[timer]};" in command(service)
    for name in ("app", "worker", "daily-jobs", "overdue-attempts", "prepare-attempts", "migrate"):
        service = services[name]
        assert service["build"] == {"context": "..", "dockerfile": "deploy/Containerfile"}
        assert service["env_file"] == "lms.env"
        environment = service["environment"]
        assert (
            environment["DATABASE_URL"].startswith("postgres://")
            and "@db:5432/" in (environment["DATABASE_URL"])
        )
        assert environment["REDIS_URL"].startswith("redis://redis:6379/")
        assert "media:/var/lib/lms/media" in service["volumes"]
    assert services["app"]["depends_on"]["migrate"] == {
        "condition": "service_completed_successfully"
    }
    nginx_volumes = services["nginx"]["volumes"]
    assert "./nginx/lms.conf:/etc/nginx/conf.d/default.conf:ro" in nginx_volumes
    assert (DEPLOY / "nginx" / "compose" / "upstream.conf").read_text().count("server app:8000")
    assert (DEPLOY / "Containerfile").exists()
    containerfile = (DEPLOY / "Containerfile").read_text()
    assert "FROM python:3.12-slim" in containerfile
    assert "-c requirements.lock" in containerfile
    assert "collectstatic --noinput" in containerfile
    assert re.search(r"^USER lms$", containerfile, re.MULTILINE)
    cmd = re.search(r"^CMD (.+)$", containerfile, re.MULTILINE)
    assert cmd and " ".join(json.loads(cmd.group(1))) == command("app")


# --- nginx ------------------------------------------------------------------------------


def nginx_locations() -> dict[str, int]:
    """The body limit of each location of the site's server block (prefix: bytes), and of
    the server as a whole (key "")."""
    text = (DEPLOY / "nginx" / "lms.conf").read_text()
    site = text.split(f"server_name {SITE};", 1)[1].split("\nserver {", 1)[0]
    units = {"k": 1024, "m": MiB, "g": 1024 * MiB}

    def size(value: str) -> int:
        return int(value[:-1]) * units[value[-1]]

    limits = {"": size(re.search(r"^client_max_body_size (\w+);", text, re.MULTILINE)[1])}
    for prefix, body in re.findall(r"location (/[^ ]*) \{(.*?)\}", site, re.DOTALL):
        if found := re.search(r"client_max_body_size (\w+);", body):
            limits[prefix] = size(found[1])
    return limits


def test_nginx_lets_through_the_largest_body_of_each_address_and_no_more(settings):
    """nginx's limits follow the app's (lms/middleware.py): at each address, the largest
    body the app accepts passes nginx, and nginx allows no more than the largest of its
    location."""
    from lms.middleware import body_limit_for

    limits = nginx_locations()
    paths = [
        "/cms/documents/add/",
        "/cms/snippets/scorm/scormpackage/add/",
        "/cms/snippets/courses/h5pactivity/add/",
        "/administrations/PER/imports/",
        "/cms/banks/3/import/",
        "/attempts/7/files/",
        "/cms/images/add/",
        "/cms/pages/3/edit/",
        "/api/v1/officers/",
        "/verify/",
    ]
    largest: dict[str, int] = {}
    for path in paths:
        prefix = max((p for p in limits if p and path.startswith(p)), key=len, default="")
        app = body_limit_for(path).max_bytes
        assert limits[prefix] >= app, path
        largest[prefix] = max(largest.get(prefix, 0), app)
    assert largest == limits


def test_nginx_accepts_the_shipped_configuration(tmp_path):
    main = render_nginx(
        tmp_path,
        http_port=free_port(),
        https_port=free_port(),
        servers=["127.0.0.1:8000"],
        static_root=tmp_path,
    )
    result = subprocess.run(nginx_command(main, "-t"), capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr
    assert "warn" not in result.stderr


# --- real processes ---------------------------------------------------------------------


@pytest.mark.slow
def test_nginx_in_front_of_the_app(tmp_path):
    """The shipped configuration in front of gunicorn with production settings: probes over
    HTTP, everything else redirected to HTTPS, static files compressed and cached, HTTPS
    known to Django through X-Forwarded-Proto, bodies limited, /metrics not public, the
    content origin routed to the app under its own name."""
    static = tmp_path / "static"
    stylesheet = (ROOT / "static" / "css" / "certificates.css").read_bytes()
    fingerprint = hashlib.md5(stylesheet, usedforsecurity=False).hexdigest()[:12]
    (static / "css").mkdir(parents=True)
    (static / "css" / f"certificates.{fingerprint}.css").write_bytes(stylesheet)
    (static / "css" / "certificates.css").write_bytes(stylesheet)
    (static / "h5p-standalone").mkdir()
    (static / "h5p-standalone" / "main.bundle.js").write_bytes(b"/* the player */")
    # A metrics file left by a previous run: deploy/gunicorn.conf.py empties the folder.
    metrics = tmp_path / "metrics"
    metrics.mkdir()
    (metrics / "counter_99999.db").write_bytes(b"stale")
    env = production_environment(
        tmp_path,
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        PROMETHEUS_MULTIPROC_DIR=str(metrics),
    )
    http_port, https_port = free_port(), free_port()
    with app_process(tmp_path, env) as app_port:
        assert not (metrics / "counter_99999.db").exists()
        main = render_nginx(
            tmp_path,
            http_port=http_port,
            https_port=https_port,
            servers=[f"127.0.0.1:{app_port}"],
            static_root=static,
        )
        with running(
            nginx_command(main),
            env=dict(os.environ),
            log=tmp_path / "nginx.log",
            ready=lambda: answers(http_port),
        ):
            tls = tls_context(tmp_path / "fullchain.pem")

            # Plain HTTP: the probe is answered by the app, the rest goes to HTTPS.
            status, headers, body = request(http_port, "GET", "/healthz", host=SITE)
            assert (status, body) == (200, b"ok")
            assert headers["x-request-id"]  # nginx's $request_id, kept by the app
            status, headers, _ = request(http_port, "GET", "/verify/ABC/?x=1", host=SITE)
            assert status == 301
            assert headers["location"] == f"https://{SITE}/verify/ABC/?x=1"

            # HTTPS: Django sees it (no second redirect), and the same request sent to the
            # app without nginx's header is redirected: X-Forwarded-Proto is what tells.
            status, headers, body = request(
                https_port, "GET", "/credentials/jwks.json", tls=tls, host=SITE
            )
            assert status == 200, body
            assert json.loads(body)["keys"][0]["kty"] == "OKP"
            assert "strict-transport-security" in headers
            status, headers, _ = request(app_port, "GET", "/credentials/jwks.json", host=SITE)
            assert status == 301 and headers["location"].startswith("https://")

            # Static files: compressed, a year for fingerprinted names, an hour otherwise.
            status, headers, body = request(
                https_port,
                "GET",
                f"/static/css/certificates.{fingerprint}.css",
                headers={"Accept-Encoding": "gzip"},
                tls=tls,
                host=SITE,
            )
            assert status == 200
            assert headers["content-encoding"] == "gzip"
            assert gzip.decompress(body) == stylesheet
            assert headers["cache-control"] == "public, max-age=31536000, immutable"
            status, headers, _ = request(
                https_port, "GET", "/static/css/certificates.css", tls=tls, host=SITE
            )
            assert status == 200 and headers["cache-control"] == "public, max-age=3600"
            # Media: only images; a certificate PDF is the app's to serve (with its checks).
            status, _, _ = request(
                https_port, "GET", "/media/certificates/pdf/x.pdf", tls=tls, host=SITE
            )
            assert status == 404

            # Bodies: the largest the site's addresses accept reaches the app (which refuses
            # an anonymous one with its own message); one byte more is refused by nginx.
            # Documents (201 MiB) have a location of their own.
            json_headers = {"Accept": "application/json", "Content-Type": "application/json"}
            for path, passes, refused in (
                ("/verify/", 11 * MiB, 11 * MiB + 1),
                ("/cms/documents/add/", 12 * MiB, 201 * MiB + 1),
            ):
                status, _, body = request(
                    https_port, "POST", path, headers=json_headers, body=b" " * passes,
                    tls=tls, host=SITE,
                )  # fmt: skip
                # The app's answer: it refuses by Content-Length, before reading the body
                # (gunicorn's post_request reads the rest, or nginx would answer 502).
                assert status == 413 and "detail" in json.loads(body), path
                # nginx's answer, before the body is sent.
                status, _, body = request(
                    https_port, "POST", path,
                    headers={**json_headers, "Content-Length": str(refused)}, tls=tls, host=SITE,
                )  # fmt: skip
                assert status == 413 and b"<html>" in body, path

            # /metrics: answered with the token by the instance, never through the site.
            bearer = {"Authorization": f"Bearer {METRICS_TOKEN}"}
            status, _, body = request(app_port, "GET", "/metrics", headers=bearer)
            assert status == 200 and b'route="ops:healthz"' in body
            status, _, body = request(
                https_port, "GET", "/metrics", headers=bearer, tls=tls, host=SITE
            )
            assert status == 404 and b"lms_http_requests_total" not in body

            # The content origin: its own server block, routed to the app under its name
            # (which serves only the players' static files there, with its closed policy).
            player = "/static/h5p-standalone/main.bundle.js"
            status, headers, body = request(https_port, "GET", player, tls=tls, host=CONTENT)
            assert (status, body) == (200, b"/* the player */")
            assert headers["referrer-policy"] == "no-referrer"  # set by the app, not nginx
            assert "default-src 'none'" in headers["content-security-policy"]
            status, _, _ = request(
                https_port, "GET", "/static/css/certificates.css", tls=tls, host=CONTENT
            )
            assert status == 404

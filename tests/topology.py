"""Real processes as an operator runs them, and a topology of several of them standing for
several machines: nginx with the shipped configuration (deploy/nginx/) in front of app
instances (gunicorn with deploy/gunicorn.conf.py, production settings), the task worker
(``manage.py db_worker``), Redis and the S3 server (SeaweedFS, tests/s3_server.py), on a
PostgreSQL database given by the caller.

Used by tests/test_deploy.py, tests/test_backup_restore.py, tests/test_shared_cache.py,
tests/test_multinode.py and bench/multinode.py. Nothing here imports Django at import
time: the bench loads this module before it sets Django up.

Each app instance listens on a loopback address of its own (127.0.0.2, 127.0.0.3, ...)
as it would on a private address of its own machine: nginx reaches it there, and killing
its process group is what a machine failing does to it. The instances are not in network
namespaces of their own: the shared PostgreSQL server listens on 127.0.0.1 only, and a
namespace cannot reach another namespace's loopback.
"""

from __future__ import annotations

import datetime
import http.client
import json
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.ports import free_port

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
VENV = ROOT / ".venv"
SITE = "training.customs.example"
CONTENT = "content.training.customs.example"
METRICS_TOKEN = "t" * 40
REDIS_SERVER = "/usr/bin/redis-server"  # Debian's redis-server (make browser-deps installs it)
START_TIMEOUT = 60.0


def find_program(name: str) -> str:
    """A Debian program (the Makefile's browser-deps installs it); a missing one fails."""
    found = shutil.which(name) or shutil.which(name, path="/usr/sbin:/sbin")
    assert found, f"{name} is not installed: run 'make browser-deps'"
    return found


# --- processes ----------------------------------------------------------------------------


class Process:
    """One command in its own process group (a program and the children it starts, as a
    service manager sees them), its output in ``log``."""

    def __init__(self, command: list[str], *, env: dict[str, str], log: Path) -> None:
        self.command, self.env, self.log = command, env, log
        self.popen: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int:
        assert self.popen is not None
        return self.popen.pid

    def start(self, ready: Callable[[], bool] = lambda: True) -> None:
        """Started, and back once ``ready()`` is true (60 s at most)."""
        with self.log.open("ab") as output:
            self.popen = subprocess.Popen(
                self.command,
                cwd=ROOT,
                env=self.env,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + START_TIMEOUT
        while not ready():
            assert self.popen.poll() is None, self.tail()
            assert time.monotonic() < deadline, self.tail()
            time.sleep(0.1)

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:] if self.log.exists() else ""

    @property
    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def kill(self) -> None:
        """SIGKILL to the whole group: what a machine failing does to it."""
        if self.popen is not None:
            with suppress(ProcessLookupError):
                os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait()

    def stop(self, timeout: float = 20) -> None:
        """SIGTERM to the group (a graceful stop), SIGKILL after ``timeout``."""
        if self.popen is None or self.popen.poll() is not None:
            return
        try:
            os.killpg(self.popen.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        try:
            self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()


@contextmanager
def running(command: list[str], *, env: dict[str, str], log: Path, ready) -> Iterator[None]:
    """``command`` started in its own process group, until ``ready()`` is true (60 s at
    most), stopped at the end."""
    process = Process(command, env=env, log=log)
    try:
        process.start(ready)
        yield
    finally:
        process.stop()


# --- HTTP ---------------------------------------------------------------------------------


def request(
    port: int,
    method: str,
    path: str,
    *,
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
    tls: ssl.SSLContext | None = None,
    host: str = "127.0.0.1",
    address: str = "127.0.0.1",
    source: str | None = None,
    timeout: float = 30,
) -> tuple[int, dict[str, str], bytes]:
    """One request to ``address``:``port`` (from the local address ``source`` when given:
    another client), over TLS with ``host`` as the server name when ``tls`` is given."""
    sock = socket.create_connection(
        (address, port), timeout=timeout, source_address=(source, 0) if source else None
    )
    if tls is not None:
        sock = tls.wrap_socket(sock, server_hostname=host)
    connection = http.client.HTTPConnection(host, port, timeout=timeout)
    connection.sock = sock
    try:
        connection.request(method, path, body=body, headers={"Host": host, **(headers or {})})
        response = connection.getresponse()
        answer: dict[str, str] = {}
        for name, value in response.getheaders():  # several Set-Cookie: one a line
            name = name.lower()
            answer[name] = f"{answer[name]}\n{value}" if name in answer else value
        return response.status, answer, response.read()
    finally:
        connection.close()


def answers(port: int, path: str = "/healthz", address: str = "127.0.0.1") -> bool:
    try:
        status, _, _ = request(port, "GET", path, address=address, timeout=5)
    except OSError:
        return False
    return status == 200


def tls_context(cert: Path) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(cert))


# --- the app ------------------------------------------------------------------------------


def production_environment(folder: Path, **extra: str) -> dict[str, str]:
    """The environment of an app process with production settings, as in lms.env.example."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(
            ("DJANGO_", "DATABASE_", "LMS_", "REDIS_", "PROMETHEUS_", "AWS_", "WEB_", "GUNICORN_")
        )
    }
    env.update(
        DJANGO_SETTINGS_MODULE="lms.settings.production",
        DJANGO_SECRET_KEY="deploy-test-" + "k" * 50,
        DJANGO_ALLOWED_HOSTS=f"{SITE},127.0.0.1",
        LMS_PUBLIC_URL=f"https://{SITE}",
        LMS_CONTENT_ORIGIN=f"https://{CONTENT}",
        DJANGO_NUM_PROXIES="1",
        WEB_CONCURRENCY="1",
        LMS_VAR_DIR=str(folder / "var"),
        DJANGO_MEDIA_ROOT=str(folder / "media"),
        DJANGO_STATIC_ROOT=str(folder / "static"),
        METRICS_TOKEN=METRICS_TOKEN,
        DJANGO_LOG_FORMAT="text",
        PATH=f"{VENV / 'bin'}:{os.environ.get('PATH', '')}",
    )
    env.update(extra)
    return env


def database_url(config: dict[str, Any], name: str | None = None) -> str:
    """The URL of the database ``config`` (a ``DATABASES`` entry) names, or of database
    ``name`` on the same PostgreSQL server."""
    from urllib.parse import quote

    user = quote(config["USER"] or "postgres")
    password = f":{quote(config['PASSWORD'])}" if config["PASSWORD"] else ""
    host = config["HOST"] or "127.0.0.1"
    return f"postgres://{user}{password}@{host}:{config['PORT'] or 5432}/{name or config['NAME']}"


GUNICORN = [str(VENV / "bin" / "gunicorn"), "--config", "deploy/gunicorn.conf.py", "lms.wsgi"]


@contextmanager
def app_process(folder: Path, env: dict[str, str]) -> Iterator[int]:
    """gunicorn with deploy/gunicorn.conf.py, as lms-app.service starts it."""
    port = free_port()
    env = {**env, "GUNICORN_BIND": f"127.0.0.1:{port}"}
    with running(GUNICORN, env=env, log=folder / "gunicorn.log", ready=lambda: answers(port)):
        yield port


def static_manifest(static_root: Path) -> None:
    """A manifest naming every static file as itself, so that production's storage renders
    pages without collectstatic's half a minute (stylesheets' addresses are unversioned)."""
    from django.contrib.staticfiles.finders import get_finders

    names = {path for finder in get_finders() for path, _ in finder.list(None)}
    static_root.mkdir(parents=True, exist_ok=True)
    (static_root / "staticfiles.json").write_text(
        json.dumps({"version": "1.1", "paths": {name: name for name in names}, "hash": ""})
    )


# --- nginx --------------------------------------------------------------------------------


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A throwaway certificate for both host names, and its key."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, SITE)])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName(SITE), x509.DNSName(CONTENT)]), False
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "fullchain.pem", folder / "privkey.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


SHIPPED_SERVER = re.compile(r"^(\s*)server 127\.0\.0\.1:8000 (.*)$", re.MULTILINE)


def render_nginx(
    folder: Path, *, http_port: int, https_port: int, servers: list[str], static_root: Path
) -> Path:
    """deploy/nginx/*.conf with this machine's paths and ports and one upstream ``server``
    line per app instance (``address:port``), under a main configuration that keeps every
    file nginx writes in ``folder`` (no root needed)."""
    cert, key = self_signed(folder)
    media = folder / "var"
    (media / "media").mkdir(parents=True)
    site = (DEPLOY / "nginx" / "lms.conf").read_text()
    for old, new in {
        "listen 80 ": f"listen 127.0.0.1:{http_port} ",
        "listen 443 ": f"listen 127.0.0.1:{https_port} ",
        "/etc/ssl/lms/fullchain.pem": str(cert),
        "/etc/ssl/lms/privkey.pem": str(key),
        "/srv/lms/staticfiles/": f"{static_root}/",
        "root /var/lib/lms;": f"root {media};",
        "/etc/nginx/lms/upstream.conf": str(folder / "upstream.conf"),
    }.items():
        assert old in site, old
        site = site.replace(old, new)
    site = "\n".join(line for line in site.splitlines() if "listen [::]" not in line)
    (folder / "lms.conf").write_text(site)
    upstream = (DEPLOY / "nginx" / "upstream.conf").read_text()
    shipped = SHIPPED_SERVER.search(upstream)
    assert shipped, "deploy/nginx/upstream.conf names no server 127.0.0.1:8000"
    lines = "\n".join(f"{shipped[1]}server {server} {shipped[2]}" for server in servers)
    (folder / "upstream.conf").write_text(SHIPPED_SERVER.sub(lambda _: lines, upstream))
    mime_types = Path("/etc/nginx/mime.types")
    main = folder / "nginx.conf"
    # As root, nginx's workers would switch to "nobody", who cannot read pytest's folders.
    user = "user root;\n" if os.geteuid() == 0 else ""
    main.write_text(
        f"""{user}daemon off;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections 512; }}
http {{
    include {mime_types};
    default_type application/octet-stream;
    access_log {folder}/access.log;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    include {folder}/lms.conf;
}}
"""
    )
    return main


def nginx_command(main: Path, *args: str) -> list[str]:
    return [find_program("nginx"), "-p", str(main.parent), "-c", str(main), *args]


# --- Redis --------------------------------------------------------------------------------


class RedisServer:
    """One redis-server on a free port, no persistence, its files in a temporary folder."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        import redis

        self.process = subprocess.Popen(
            [
                *(REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1"),
                *("--save", "", "--appendonly", "no", "--dir", str(self.directory)),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port, socket_connect_timeout=0.2)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                return
            except redis.ConnectionError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise
                time.sleep(0.02)
            finally:
                client.close()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)
        self.process = None

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None


# --- the topology -------------------------------------------------------------------------


@dataclass
class Instance:
    """One app instance: gunicorn on its own address, as on a machine of its own."""

    number: int
    address: str
    port: int
    process: Process
    metrics: Path

    @property
    def bind(self) -> str:
        return f"{self.address}:{self.port}"

    def metric(self, name: str, **labels: str) -> float:
        """The sum of ``name``'s samples with ``labels`` on this instance's /metrics."""
        status, _, body = request(
            self.port,
            "GET",
            "/metrics",
            address=self.address,
            headers={"Authorization": f"Bearer {METRICS_TOKEN}"},
        )
        assert status == 200, body[:500]
        total = 0.0
        for line in body.decode().splitlines():
            found = re.match(rf"{name}\{{(.*)\}} (\S+)$", line)
            if found and all(f'{key}="{value}"' in found[1] for key, value in labels.items()):
                total += float(found[2])
        return total


@dataclass
class Topology:
    """nginx, ``instances`` app instances, the task worker, Redis and the S3 server with
    production settings on ``database_url`` (migrated, its static files in
    ``folder/static``). ``s3`` reuses a running SeaweedFS; otherwise one is started."""

    folder: Path
    database_url: str
    instances: int = 2
    web_concurrency: int = 2
    s3: Any = None
    extra_env: dict[str, str] = field(default_factory=dict)
    apps: list[Instance] = field(default_factory=list, init=False)
    env: dict[str, str] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        self.redis = RedisServer(self._dir("redis"))
        self.http_port, self.https_port = free_port(), free_port()
        self.own_s3 = self.s3 is None
        self.processes: list[Process] = []

    def _dir(self, name: str) -> Path:
        path = self.folder / name
        path.mkdir(parents=True, exist_ok=True)
        return path

    # --- start and stop --------------------------------------------------------------

    def start(self) -> Topology:
        """Everything started, or, when a part fails to start, everything stopped."""
        try:
            return self._start()
        except BaseException:
            self.stop()
            raise

    def _start(self) -> Topology:
        from django.conf import settings

        from certificates.credentials import IssuerKey

        self.redis.start()
        if self.s3 is None:
            from tests.s3_server import SeaweedServer

            self.s3 = SeaweedServer(self._dir("s3"))
            self.s3.start()
        self.env = production_environment(
            self.folder,
            DATABASE_URL=self.database_url,
            REDIS_URL=self.redis.url,
            # The caller's secret: the sessions it prepared are signed with it.
            DJANGO_SECRET_KEY=settings.SECRET_KEY,
            WEB_CONCURRENCY=str(self.web_concurrency),
            DJANGO_TASKS_BACKEND="django_tasks_db.DatabaseBackend",
            LMS_CREDENTIAL_KEY=IssuerKey.generate().private_pem().decode(),
            **self.s3.environment(),
            **self.extra_env,
        )
        for _ in range(self.instances):
            self.start_instance()
        main = render_nginx(
            self._dir("nginx"),
            http_port=self.http_port,
            https_port=self.https_port,
            servers=[app.bind for app in self.apps],
            static_root=Path(self.env["DJANGO_STATIC_ROOT"]),
        )
        self.nginx_main = main
        self.tls = tls_context(main.parent / "fullchain.pem")
        nginx = Process(nginx_command(main), env=dict(os.environ), log=self.folder / "nginx.log")
        nginx.start(lambda: answers(self.http_port))
        self.processes.append(nginx)
        self.nginx_process = nginx
        self.worker = Process(
            [sys.executable, "manage.py", "db_worker", "--interval", "0.5"],
            env=self.env,
            log=self.folder / "worker.log",
        )
        self.worker.start()
        self.processes.append(self.worker)
        return self

    def stop(self) -> None:
        for process in reversed(self.processes):
            process.stop(timeout=10)
        self.redis.stop()
        if self.own_s3 and self.s3 is not None:
            self.s3.stop()
            self.s3 = None

    def __enter__(self) -> Topology:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- the app instances -----------------------------------------------------------

    def start_instance(self) -> Instance:
        """A new instance on the next loopback address: 127.0.0.2, 127.0.0.3, ..."""
        number = len(self.apps) + 1
        address = f"127.0.0.{number + 1}"
        port = free_port(address)
        metrics = self._dir(f"metrics-{number}")
        env = {
            **self.env,
            "GUNICORN_BIND": f"{address}:{port}",
            "PROMETHEUS_MULTIPROC_DIR": str(metrics),
        }
        process = Process(GUNICORN, env=env, log=self.folder / f"app-{number}.log")
        process.start(lambda: answers(port, address=address))
        self.processes.append(process)
        instance = Instance(number, address, port, process, metrics)
        self.apps.append(instance)
        return instance

    def kill_instance(self, instance: Instance) -> None:
        instance.process.kill()

    def reload_instance(self, instance: Instance) -> None:
        """``systemctl reload lms-app``: SIGHUP to gunicorn (new workers on the release's
        code, the old ones finish their requests); back once the new workers answer."""
        before = set(worker_pids(instance.process.pid))
        os.kill(instance.process.pid, signal.SIGHUP)
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            now = set(worker_pids(instance.process.pid))
            if now and not now & before and answers(instance.port, address=instance.address):
                return
            assert time.monotonic() < deadline, instance.process.tail()
            time.sleep(0.1)

    def add_upstream_server(self, instance: Instance) -> None:
        """The runbook's scale out: one more ``server`` line in upstream.conf (a copy of the
        last one with the new instance's address), then ``nginx -s reload``."""
        path = self.nginx_main.parent / "upstream.conf"
        text = path.read_text()
        last = list(re.finditer(r"^(\s*)server (\S+) (.*)$", text, re.MULTILINE))[-1]
        line = f"{last[1]}server {instance.bind} {last[3]}"
        path.write_text(text[: last.end()] + "\n" + line + text[last.end() :])
        self.nginx("-s", "reload")

    def nginx(self, *args: str) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            nginx_command(self.nginx_main, *args), capture_output=True, text=True, timeout=30
        )
        assert result.returncode == 0, result.stderr
        return result

    def manage(self, *args: str) -> subprocess.CompletedProcess[str]:
        """``python manage.py ...`` with the instances' environment, as the runbook runs
        it; fails on a non-zero exit."""
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        return result

    # --- Redis ------------------------------------------------------------------------

    def redis_down(self) -> None:
        self.redis.stop()

    def redis_up(self) -> None:
        self.redis.start()


def worker_pids(master: int) -> list[int]:
    """The children of gunicorn's master (its workers)."""
    try:
        children = Path(f"/proc/{master}/task/{master}/children").read_text()
    except OSError:
        return []
    return [int(pid) for pid in children.split()]


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of ``pid`` and of its children it waited for (/proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    ticks = os.sysconf("SC_CLK_TCK")
    # utime, stime, cutime, cstime: fields 14-17 of proc(5), 12-15 after the name
    return sum(int(value) for value in fields[11:15]) / ticks


def postgres_cpu() -> float:
    """CPU seconds of the local PostgreSQL server so far: its postmaster (with every
    backend it has reaped) and its live backends. The bench reads it before and after a
    phase, on a server nothing else uses meanwhile."""
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        name, rest = stat.split("(", 1)[1].rsplit(")", 1)
        if name != "postgres":
            continue
        parent = int(rest.split()[1])
        try:
            parent_name = Path(f"/proc/{parent}/stat").read_text().split("(", 1)[1]
        except OSError:
            parent_name = ""
        is_postmaster = not parent_name.startswith("postgres)")
        # The postmaster's own time with its reaped children's; a backend's without.
        total += cpu_seconds(int(entry.name)) if is_postmaster else own_cpu(int(entry.name))
    return total


def own_cpu(pid: int) -> float:
    """User and system CPU time of ``pid`` alone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def instance_cpu(instance: Instance) -> float:
    """CPU seconds of an instance so far: its master, its live workers, and the workers
    it replaced (waited for by the master)."""
    master = instance.process.pid
    return cpu_seconds(master) + sum(cpu_seconds(pid) for pid in worker_pids(master))

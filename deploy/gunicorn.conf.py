"""gunicorn's settings for the app (deploy/systemd/lms-app.service, deploy/Containerfile).

Each value can be changed from the environment without editing this file: WEB_CONCURRENCY
(the number of worker processes, also what the deploy check reads), GUNICORN_BIND,
GUNICORN_TIMEOUT.

With PROMETHEUS_MULTIPROC_DIR set, the folder is emptied when gunicorn starts and a finished
worker's live gauges are dropped, as prometheus-client's multiprocess mode asks.
"""

import multiprocessing
import os
import shutil

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# As many workers as cores, at least two (one slow request never blocks the instance).
workers = int(os.environ.get("WEB_CONCURRENCY") or max(2, multiprocessing.cpu_count()))
# A request slower than this is cut (nginx's proxy_read_timeout is a little longer).
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
# Workers are replaced after this many requests (a slow leak never grows for ever). A new
# worker imports the app again: some 2 s of a core, while the other workers carry its
# load. At 2,000 requests (the value until stop 25), make bench-exam's two workers were
# replaced every minute, at nearly the same moment, and one autosave in a hundred waited
# 2 to 6 s; with these values a worker is replaced after 20,000 to 30,000 requests (10 to
# 15 minutes at that bench's rate), and the jitter keeps the workers apart.
max_requests = 20000
max_requests_jitter = 10000
# Logs on standard error (the journal); the app writes its own request logs.
accesslog = None
errorlog = "-"
# nginx in front: trust its X-Forwarded-* headers only when it runs on this machine.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")


def on_starting(server) -> None:
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        shutil.rmtree(directory, ignore_errors=True)
        os.makedirs(directory, exist_ok=True)


def child_exit(server, worker) -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


# A request the app answered without reading its whole body (a 413 for a body too large for
# the sender, decided by Content-Length): read the rest before the worker closes the
# connection. Closing a socket with unread data resets it, and nginx, still sending the
# body, would then answer 502 instead of the app's message. At most this much is read
# (nginx sends no more than client_max_body_size: deploy/nginx/lms.conf; gunicorn's timeout
# bounds the time).
UNREAD_BODY_MAX_BYTES = 256 * 1024 * 1024


def post_request(worker, req, environ, resp) -> None:
    body = environ.get("wsgi.input")
    remaining = UNREAD_BODY_MAX_BYTES
    while body is not None and remaining > 0:
        chunk = body.read(min(remaining, 256 * 1024))
        if not chunk:
            break
        remaining -= len(chunk)

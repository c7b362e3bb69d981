"""Operations: what an operator and a load balancer ask of a running instance.

- :mod:`lms.ops.probes`: ``/healthz`` (liveness: the process answers, nothing else) and
  ``/readyz`` (readiness: database, cache, storage, task queue, through django-health-check),
  answered before the site's middleware (no host check, no HTTPS redirect, no session).
- :mod:`lms.ops.metrics`: Prometheus metrics (requests, latency, task outcomes, queue depth,
  open attempts) at ``/metrics``, for a bearer token (``METRICS_TOKEN``) only.
- :mod:`lms.ops.request_id`: a request id on every request, response and log record;
  JSON log lines in production.
- :mod:`lms.ops.sentry`: optional error reporting when ``SENTRY_DSN`` is set.

A top layer, like ``lms.tracking`` and ``lms.api``: it reads the lower apps, none reads it.
Everything it reports is aggregate: no label, field or line names a person, an
administration or a row.
"""

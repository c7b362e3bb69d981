"""Background tasks: thin wrappers around services."""

from django_tasks import task

from . import services


@task()
def render_certificate_pdf(certificate_id: int) -> int:
    """Render one certificate's PDF (queued after the issuing transaction commits)."""
    return services.certificate_render(certificate_id=certificate_id).pk


@task()
def send_expiry_reminders() -> int:
    """Daily: reminders before expiry to holders, digests to managers."""
    return services.expiry_reminders_send()


@task()
def evaluate_all_certificates() -> int:
    """Nightly: issue whatever a lost signal missed."""
    return services.certificates_evaluate_all()


@task()
def render_missing_certificates() -> int:
    """Retry the PDFs whose rendering failed."""
    return services.certificates_render_missing()

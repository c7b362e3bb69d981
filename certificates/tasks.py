"""Background tasks: thin wrappers around services."""

from lms.tasks_retry import retrying_task

from . import services


@retrying_task()
def render_certificate_pdf(certificate_id: int) -> int:
    """Render one certificate's PDF (queued after the issuing transaction commits)."""
    return services.certificate_render(certificate_id=certificate_id).pk


@retrying_task()
def send_expiry_reminders() -> int:
    """Daily: reminders before expiry to holders, digests to managers."""
    return services.expiry_reminders_send()


@retrying_task()
def evaluate_all_certificates() -> int:
    """Nightly: issue whatever a lost signal missed."""
    return services.certificates_evaluate_all()


@retrying_task()
def render_missing_certificates() -> int:
    """Retry the PDFs whose rendering failed."""
    return services.certificates_render_missing()

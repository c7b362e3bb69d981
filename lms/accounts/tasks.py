"""Background tasks of accounts: thin wrappers around services."""

from lms.tasks_retry import retrying_task


@retrying_task()
def send_password_reset(email: str, purpose: str, language: str) -> int:
    """Look the address up and e-mail a password reset link (see password_reset.py)."""
    from .password_reset import password_reset_send

    return password_reset_send(email=email, purpose=purpose, language=language)

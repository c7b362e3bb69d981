"""Background tasks of tracking: thin wrappers around services."""

from django_tasks import task


@task()
def send_assignment_reminders() -> int:
    """Daily: remind officers of assignments due soon and of overdue ones."""
    from .assignments import assignment_reminders_send

    return assignment_reminders_send()


@task()
def sync_assignments() -> None:
    """Nightly: give later joiners of assigned units their rows, whatever a lost signal
    missed."""
    from .assignments import assignments_sync

    assignments_sync()


@task()
def apply_officer_import(officer_import_id: int, actor_id: int) -> str:
    """Apply a large officer import queued from its preview page."""
    from django.contrib.auth.models import AnonymousUser

    from lms.accounts.models import User

    from .officers import officer_import_apply

    # Someone deleted since is nobody: the import then fails, writing nothing.
    actor = User.objects.filter(pk=actor_id).first() or AnonymousUser()
    return officer_import_apply(actor=actor, officer_import_id=officer_import_id).code


@task()
def send_officer_invitations(officer_ids: list[int]) -> int:
    """Invite newly imported officers to choose a password (a batch of them)."""
    from .officers import officer_invitations_send

    return officer_invitations_send(officer_ids=officer_ids)

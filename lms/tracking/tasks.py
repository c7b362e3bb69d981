"""Background tasks of tracking: thin wrappers around services."""

from lms.tasks_retry import HEAVY_POLICY, retrying_task


@retrying_task()
def send_assignment_reminders() -> int:
    """Daily: remind officers of assignments due soon and of overdue ones."""
    from .assignments import assignment_reminders_send

    return assignment_reminders_send()


@retrying_task()
def sync_assignments() -> None:
    """Nightly: give later joiners of assigned units their rows, whatever a lost signal
    missed."""
    from .assignments import assignments_sync

    assignments_sync()


@retrying_task(HEAVY_POLICY)
def apply_officer_import(officer_import_id: int, actor_id: int) -> str:
    """Apply a large officer import queued from its preview page."""
    from django.contrib.auth.models import AnonymousUser

    from lms.accounts.models import User

    from .officers import officer_import_apply

    # Someone deleted since is nobody: the import then fails, writing nothing.
    actor = User.objects.filter(pk=actor_id).first() or AnonymousUser()
    return officer_import_apply(actor=actor, officer_import_id=officer_import_id).code


@retrying_task()
def send_officer_invitations(officer_ids: list[int]) -> int:
    """Invite newly imported officers to choose a password (a batch of them)."""
    from .officers import officer_invitations_send

    return officer_invitations_send(officer_ids=officer_ids)


@retrying_task(HEAVY_POLICY)
def build_mailed_export(export_id: int) -> int:
    """Build a large administration's XLSX export and mail its link to the requester."""
    from .mailed_exports import mailed_export_build

    return mailed_export_build(export_id=export_id).pk

"""Background tasks of the courses layer: thin wrappers around services."""

from lms.tasks_retry import retrying_task

from .packages.h5p import lrs


@retrying_task()
def forward_h5p_statements() -> int:
    """Send the queued H5P statements to the external learning record store (when one is
    configured); returns how many were forwarded."""
    return lrs.statements_forward().sent

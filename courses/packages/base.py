"""What every package format shares on the Django side.

:class:`PackageRefused` is the one refusal of an import (SCORM today; H5P keeps its own
class in ``courses.packages.h5p.services`` until it moves here).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class PackageRefused(Exception):
    """A package was refused. ``messages`` say why, in the active language, one per
    problem (every problem found, not only the first); ``codes`` are the problems' stable
    codes in the same order; ``notes`` are the warnings that would not have refused it."""

    messages: list[str] = field(default_factory=list)
    codes: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return "\n".join(self.messages)

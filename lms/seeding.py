"""Helpers shared by the apps' demo seeders (``<app>/seed.py``)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.db import models


class SeedReport(Counter[str]):
    """Counts of created / updated / unchanged rows, printed by ``seed_demo``."""

    def line(self) -> str:
        return ", ".join(f"{self[key]} {key}" for key in ("created", "updated", "unchanged"))


def upsert[M: models.Model](
    model: type[M], lookup: dict[str, Any], values: dict[str, Any], report: SeedReport
) -> M:
    """Create the row, or update only the fields that differ; unchanged rows are not saved.

    So that running the seed twice changes nothing.
    """
    obj = model._default_manager.filter(**lookup).first()
    if obj is None:
        obj = model._default_manager.create(**lookup, **values)
        report["created"] += 1
        return obj
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    if changed:
        for name in changed:
            setattr(obj, name, values[name])
        obj.save(update_fields=changed)
        report["updated"] += 1
    else:
        report["unchanged"] += 1
    return obj

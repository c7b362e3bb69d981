from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from django.conf import settings


@pytest.fixture(autouse=True)
def _leave_storage_as_found():
    """Imports store files in this run's MEDIA_ROOT: remove what each test stored under
    scorm/, so that other tests list and scan only their own files."""
    root = Path(settings.MEDIA_ROOT) / "scorm"
    before = set(root.iterdir()) if root.exists() else set()
    yield
    if root.exists():
        for path in set(root.iterdir()) - before:
            shutil.rmtree(path) if path.is_dir() else path.unlink()

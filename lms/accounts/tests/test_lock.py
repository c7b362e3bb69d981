"""The lock file pins what installs: every dependency pyproject.toml names is in
requirements.lock, and the virtualenv the suite runs in holds exactly the locked versions
(so CI ran against what a fresh clone gets)."""

from __future__ import annotations

import re
import tomllib
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def locked() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        if line and not line.startswith("#"):
            name, version = line.split("==")
            pins[re.sub(r"[-_.]+", "-", name).lower()] = version
    return pins


def test_every_declared_dependency_is_locked():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = [*project["dependencies"], *project["optional-dependencies"]["dev"]]
    names = {
        re.sub(r"[-_.]+", "-", re.split(r"[\s\[<>=!~;]", d, maxsplit=1)[0]).lower()
        for d in declared
    }
    assert names - set(locked()) == set()


def test_the_suite_runs_on_the_locked_versions():
    wrong = {
        name: (version, metadata.version(name))
        for name, version in locked().items()
        if metadata.version(name) != version
    }
    assert wrong == {}

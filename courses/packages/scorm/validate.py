"""Validation of an uploaded SCORM package: archive, files and manifest together.

Plain Python, no Django. :func:`validate_package` (or :func:`inspect_archive` on an
archive already open) returns a :class:`ScormReport` listing every problem found, not only
the first, and the warnings that do not refuse the package.

What is checked, in order:

1. **The archive** (:mod:`courses.packages.archive`): size, number of entries, unpacked
   size, compression ratio, path traversal and absolute paths in any spelling,
   backslashes, control characters, duplicate names, links and special files, encryption,
   lying headers, overlapping entries. Operating-system litter (``__MACOSX/``,
   ``.DS_Store``, ``._*``, ``Thumbs.db``) is skipped: never stored.
2. **The files**: hidden files and folders (``.htaccess``, ``.git/``...) are refused, as
   are server configuration files (``web.config``, ``php.ini``) and server-side scripts and
   programs (:data:`SERVER_SIDE_EXTENSIONS`; a PHP extension anywhere in a name, as in
   ``shell.php.jpg``, since some servers run those). Everything a browser plays is allowed
   (HTML, JavaScript, CSS, media, XML and its schemas, fonts, documents): SCORM content
   is web content, and the platform serves it from a separate, sandboxed origin.
3. **The manifest**: ``imsmanifest.xml`` at the root of the archive (one in a folder is
   refused with a hint; AICC and cmi5 packages are named as such), parsed as
   :mod:`courses.packages.scorm.manifest` describes: organizations, a default
   organization with something to launch, identifiers and titles, resources referred to
   by items and dependencies.
4. **References**: every file the manifest names, as a resource's ``href`` or in a
   ``<file>`` element, is in the package (exactly: names are case-sensitive on the web).
   External hrefs (``http(s)://``) are not files of the package and are not checked.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..archive import ArchiveLimits, SafeArchive, Source
from .manifest import MANIFEST_NAME, parse_manifest
from .problems import WARNING_CODES, ScormProblem

MiB = 1024 * 1024
MAX_MANIFEST_BYTES = 16 * MiB

SERVER_SIDE_EXTENSIONS = frozenset(
    {
        *("php", "php3", "php4", "php5", "php7", "php8", "pht", "phtml", "phar", "phps"),
        *("asp", "aspx", "ascx", "ashx", "asmx", "asa", "axd", "cshtml", "vbhtml"),
        *("jsp", "jspx", "jspf", "cfm", "cfml", "cfc", "cgi", "fcgi", "pl", "pm", "py"),
        *("pyc", "rb", "sh", "bash", "zsh", "csh", "ksh", "shtml", "shtm", "stm"),
        *("exe", "dll", "so", "bat", "cmd", "com", "msi", "scr", "ps1", "psm1", "vbs"),
        *("vbe", "jse", "wsf", "wsh", "hta", "htaccess", "htpasswd"),
    }
)
"""Run by a web server or by the operating system, never by a browser playing SCORM."""
PHP_EXTENSIONS = frozenset({"php", "php3", "php4", "php5", "php7", "php8", "pht", "phtml", "phar"})
"""Apache runs these wherever they appear in a name (``x.php.jpg``), so any part counts."""
SERVER_CONFIG_NAMES = frozenset({"web.config", "php.ini", ".user.ini", ".htaccess", ".htpasswd"})
AICC_EXTENSIONS = frozenset({"crs", "au", "des", "cst"})


@dataclass
class ScormReport:
    """The outcome of a validation. ``manifest`` is the parsed model (see
    :mod:`courses.packages.scorm.manifest`) whenever the manifest could be read, even
    when the package is refused; ``files`` are the archive names to store."""

    ok: bool
    problems: list[ScormProblem] = field(default_factory=list)
    warnings: list[ScormProblem] = field(default_factory=list)
    manifest: dict[str, Any] | None = None
    manifest_path: str = ""
    files: list[str] = field(default_factory=list)
    archive_bytes: int = 0
    unpacked_bytes: int = 0

    @property
    def codes(self) -> set[str]:
        return {problem.code for problem in self.problems}

    @property
    def warning_codes(self) -> set[str]:
        return {warning.code for warning in self.warnings}

    @property
    def title(self) -> str:
        return (self.manifest or {}).get("title", "")


def validate_package(source: Source, *, limits: ArchiveLimits | None = None) -> ScormReport:
    """Validate a package (bytes, a path or a seekable binary file)."""
    with SafeArchive(source, limits) as archive:
        return inspect_archive(archive)


def inspect_archive(archive: SafeArchive) -> ScormReport:
    """Validate a package whose archive is open (see :func:`validate_package`)."""
    return _Validation(archive).run()


class _Validation:
    def __init__(self, archive: SafeArchive) -> None:
        self.archive = archive
        self.problems: list[ScormProblem] = [ScormProblem.of(p) for p in archive.problems]
        self.warnings: list[ScormProblem] = []
        self._seen = {(p.code, p.path, repr(sorted(p.params.items()))) for p in self.problems}
        self.limit = archive.limits.max_problems

    def add(self, problem: ScormProblem) -> None:
        if problem.code in WARNING_CODES:
            self.warnings.append(problem)
            return
        key = (problem.code, problem.path, repr(sorted(problem.params.items())))
        if key in self._seen:
            return
        self._seen.add(key)
        if len(self.problems) < self.limit:
            self.problems.append(problem)
        elif not any(p.code == "too_many_problems" for p in self.problems):
            self.problems.append(ScormProblem("too_many_problems", "", {"limit": self.limit}))

    def problem(self, code: str, path: str = "", **params: Any) -> None:
        self.add(ScormProblem(code, path, params))

    def run(self) -> ScormReport:
        archive = self.archive
        report = ScormReport(ok=False, archive_bytes=archive.archive_bytes)
        if not archive.opened:
            report.problems = self.problems
            return report
        names = self.check_files()
        manifest_path = self.find_manifest(names)
        if manifest_path is not None and archive.readable:
            report.manifest_path = manifest_path
            report.manifest = self.read_manifest(manifest_path, names)
        report.problems = self.problems
        report.warnings = self.warnings
        report.ok = not self.problems
        report.files = sorted(archive.files) if report.ok else []
        report.unpacked_bytes = archive.unpacked_bytes
        if report.manifest is not None:
            report.manifest["warnings"] = [warning.as_dict() for warning in self.warnings]
        return report

    def check_files(self) -> set[str]:
        """Names of every file the package holds (junk left out); refuses hidden files,
        server configuration and server-side scripts."""
        names: set[str] = set()
        for entry in self.archive.entries:
            if entry.junk:
                continue
            base = entry.name.rstrip("/").rpartition("/")[2]
            if base.casefold() in SERVER_CONFIG_NAMES:
                self.problem("server_config", entry.name)
            elif entry.hidden:
                self.problem("dotfile", entry.name)
            if entry.is_dir:
                continue
            names.add(entry.name)
            parts = [part.lower() for part in base.lstrip(".").split(".")[1:]]
            extension = entry.extension
            if extension in SERVER_SIDE_EXTENSIONS:
                self.problem("server_script", entry.name, extension=extension)
            elif php := next((part for part in parts if part in PHP_EXTENSIONS), None):
                self.problem("server_script", entry.name, extension=php)
        return names

    def find_manifest(self, names: set[str]) -> str | None:
        if MANIFEST_NAME in names:
            return MANIFEST_NAME
        at_root = [name for name in names if "/" not in name]
        variant = next((n for n in at_root if n.casefold() == MANIFEST_NAME), None)
        if variant is not None:
            self.problem("manifest_name_case", variant)
            return variant
        nested = sorted(
            (n for n in names if n.rpartition("/")[2].casefold() == MANIFEST_NAME),
            key=lambda n: (n.count("/"), n),
        )
        if nested:
            self.problem("manifest_not_at_root", nested[0], folder=nested[0].rpartition("/")[0])
            return None
        if "cmi5.xml" in {n.casefold() for n in at_root}:
            self.problem("cmi5_not_supported", "cmi5.xml")
            return None
        aicc = sorted(n for n in at_root if n.rpartition(".")[2].lower() in AICC_EXTENSIONS)
        if aicc:
            self.problem("aicc_not_supported", aicc[0])
            return None
        self.problem("manifest_missing")
        return None

    def read_manifest(self, path: str, names: set[str]) -> dict[str, Any] | None:
        entry = self.archive.files.get(path)
        if entry is None:  # refused by the archive checks: already reported
            return None
        if entry.size > MAX_MANIFEST_BYTES:
            self.problem("manifest_too_large", path, size=entry.size, limit=MAX_MANIFEST_BYTES)
            return None
        result = parse_manifest(self.archive.read(path), path=path)
        for problem in (*result.problems, *result.warnings):
            self.add(problem)
        if result.manifest is not None:
            self.check_references(result.manifest, names, path)
        return result.manifest

    def check_references(self, manifest: dict[str, Any], names: set[str], path: str) -> None:
        folded: dict[str, str] = {}
        for name in sorted(names):
            folded.setdefault(name.casefold(), name)
        reported: set[str] = set()
        for identifier, resource in manifest["resources"].items():
            wanted: list[tuple[str, str]] = []
            if resource["path"] is not None and not resource["external"]:
                wanted.append((resource["path"], "launch_file_missing"))
            wanted += [(file, "file_missing") for file in resource["files"]]
            for file, code in wanted:
                if file in names or file in reported:
                    continue
                reported.add(file)
                candidate = folded.get(file.casefold())
                if candidate is not None:
                    self.problem("file_name_case", file, resource=identifier, candidate=candidate)
                    continue
                self.add(ScormProblem(code, file, {"resource": identifier}))

"""Reading ``imsmanifest.xml`` (SCORM 1.2 and SCORM 2004 2nd, 3rd and 4th editions).

Plain Python, no Django. :func:`parse_manifest` reads the manifest's bytes with a safe XML
parser (defusedxml: no entity declarations, no external references; a DOCTYPE without
them is allowed) and returns the package's structure as plain JSON-ready data
(:data:`MANIFEST_FORMAT` 1, described below), with the problems that refuse the package
and the warnings that do not. Files are checked against the archive by
:mod:`courses.packages.scorm.validate`.

Tolerance, because tools write manifests in many ways:

- elements and attributes are matched by local name, whatever their namespace (IMS CP
  1.1.2 ``imsproject.org``, 1.1.4 ``imsglobal.org``, none at all), and case-insensitively
  (``adlcp:scormtype`` in 1.2, ``adlcp:scormType`` in 2004, ``adlcp:dataFromLMS`` or
  ``adlcp:datafromlms``, ``identifierref`` or ``identifierRef``);
- the version comes from ``metadata/schemaversion`` (``1.2``, ``CAM 1.3`` = 2004 2nd
  edition, ``2004 3rd Edition``, ``2004 4th Edition``...) or, when it is missing or
  unknown, from the namespaces (``*_rootv1p2`` = 1.2; ``imscp_v1p1``, ``adlcp_v1p3``,
  ``imsss``, ``adlseq``, ``adlnav`` = 2004, 4th edition when 4th-edition elements are used)
  and the spelling of ``scormType``, with a warning;
- ``xml:base`` on the manifest, ``resources``, ``resource`` and sub-manifests is applied
  as a folder (``content`` and ``content/`` both mean the folder ``content``); hrefs are
  URLs: percent-decoded to find the file, query string and fragment kept for the launch,
  backslashes read as slashes (as browsers do), ``..`` allowed while it stays inside;
- ``parameters`` of an item are added to its resource's href as SCORM 2004 CAM says
  (leading ``?`` and ``&`` dropped, joined with ``&`` or ``?``; ``#...`` only when the href
  has no fragment);
- a ``default`` naming no organization is followed when there is only one organization
  (with a warning, as Moodle does), refused when several leave it ambiguous; no
  ``default`` means the first organization (IMS CP);
- an item may refer to a resource of a sub-manifest, or to a sub-manifest itself, whose
  default organization's items then become its children (IMS CP aggregation).

The manifest model (``format`` 1), stored as :attr:`ScormPackage.manifest`::

    {
      "format": 1,
      "identifier": "com.example.course",         # manifest@identifier
      "version": "1.2" | "2004",
      "edition": 2 | 3 | 4 | null,                 # SCORM 2004 only; null when unknown
      "schemaversion": "2004 3rd Edition",         # as written ("" when absent)
      "version_source": "schemaversion" | "namespaces",
      "title": "...",                              # the default organization's title
      "default_organization": "org_id",
      "organizations": [organization, ...],       # in document order
      "resources": {"res_id": resource, ...},     # of the manifest and its sub-manifests
      "sequencing_collection": {"ID": sequencing, ...},   # imsss:sequencingCollection
      "launchable": ["item_id", ...],             # default organization, document order
      "warnings": [{"code", "path", "params"}, ...],
    }
    organization = {
      "identifier", "title", "structure",
      "objectives_global_to_system": bool | null,  # adlseq: attribute
      "shared_data_global_to_system": bool | null, # adlcp: attribute (4th)
      "sequencing": sequencing | null,
      "items": [item, ...],
    }
    item = {
      "identifier", "title",
      "is_visible": bool,                         # @isvisible, default true
      "parameters": str,                          # @parameters as written ("" when none)
      "resource": "res_id" | null,                # @identifierref (a resource)
      "submanifest": "manifest_id" | null,        # @identifierref naming a sub-manifest
      "launchable": bool,                         # 1.2: any item with a resource href;
                                                  # 2004: leaves only
      "launch": "shared/launch.html?x=1" | null,  # URL relative to the package root,
                                                  # parameters applied; absolute if external
      "scorm_type": "sco" | "asset" | null,
      "mastery_score": float 0-100 | null,        # adlcp:masteryscore (1.2)
      "max_time_allowed": str | null,             # adlcp:maxtimeallowed (1.2), as written
      "time_limit_action": "exit,message" | "exit,no message" | "continue,message"
                           | "continue,no message" | null,
      "data_from_lms": str | null,                # adlcp:dataFromLMS / datafromlms
      "prerequisites": {"type", "script"} | null, # adlcp:prerequisites (1.2)
      "completion_threshold": {                   # adlcp:completionThreshold (2004)
          "min_progress_measure": float | null,   #   3rd: the element's text; 4th: @
          "progress_weight": float | null,        #   4th
          "completed_by_measure": bool | null,    #   4th; true for the 3rd's text form
      } | null,
      "sequencing": sequencing | null,            # imsss:sequencing (IDRef kept)
      "presentation": {"hide_lms_ui": [...]} | null,   # adlnav:presentation
      "shared_data": [{"target_id", "read_shared_data", "write_shared_data"}] | null,
      "children": [item, ...],
    }
    resource = {
      "identifier", "type", "scorm_type": "sco" | "asset",
      "href": "shared/launch.html?x=1" | null,    # resolved against xml:base
      "path": "shared/launch.html" | null,        # the file in the package (decoded)
      "external": bool,                           # href outside the package (http...)
      "files": ["shared/a.js", ...],              # <file> paths in the package (decoded)
      "dependencies": ["res_id", ...],
    }

``sequencing`` is IMS Simple Sequencing as written, mechanically: element and attribute
names in snake_case (``controlMode/@choiceExit`` → ``control_mode.choice_exit``),
``xs:boolean`` / integer / decimal attributes typed, repeated elements as lists under
plural keys (``pre_condition_rules``, ``exit_condition_rules``, ``post_condition_rules``,
``conditions``, ``rules``, ``objectives``, ``map_info``, ``auxiliary_resources``),
``adlseq:objectives`` (4th) as the list ``adl_objectives``, ``ID``/``IDRef`` as ``id``/``id_ref``.
Only what the manifest states is there: defaults are the spec's (:func:`effective_sequencing`
merges an item's sequencing over the collection entry it names).
"""

from __future__ import annotations

import posixpath
import re
import unicodedata
import urllib.parse
import xml.etree.ElementTree as ET  # types and errors only: parsing goes through defusedxml
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import defusedxml
import defusedxml.ElementTree as SafeET

from .problems import KINDS, WARNING_CODES, ScormProblem

MANIFEST_FORMAT = 1
MANIFEST_NAME = "imsmanifest.xml"
MAX_DEPTH = 64  # items inside items, sub-manifests inside sub-manifests
MAX_ITEMS = 10_000
MAX_IDENTIFIER = 255  # the database column of ScormItem.identifier

XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"
XSI = "http://www.w3.org/2001/XMLSchema-instance"

SCORM_12 = "1.2"
SCORM_2004 = "2004"

TIME_LIMIT_ACTIONS = frozenset(
    {"exit,message", "exit,no message", "continue,message", "continue,no message"}
)


@dataclass
class ParseResult:
    manifest: dict[str, Any] | None
    problems: list[ScormProblem] = field(default_factory=list)
    warnings: list[ScormProblem] = field(default_factory=list)


def parse_manifest(payload: bytes, *, path: str = MANIFEST_NAME) -> ParseResult:
    """Parse a manifest; ``manifest`` is None when the document cannot be read at all."""
    return _Parser(path).parse(payload)


# --- XML helpers ------------------------------------------------------------------------


def _local(tag: Any) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _namespace(tag: Any) -> str:
    return tag[1:].split("}", 1)[0] if isinstance(tag, str) and tag.startswith("{") else ""


def _children(element: ET.Element, name: str) -> list[ET.Element]:
    wanted = name.casefold()
    return [child for child in element if _local(child.tag).casefold() == wanted]


def _child(element: ET.Element, name: str) -> ET.Element | None:
    found = _children(element, name)
    return found[0] if found else None


def _attr(element: ET.Element, name: str) -> str | None:
    """An attribute by local name, any namespace, any case (exact spelling first)."""
    if name in element.attrib:
        return element.attrib[name]
    wanted = name.casefold()
    for key, value in element.attrib.items():
        if _local(key).casefold() == wanted and _namespace(key) != XSI:
            return value
    return None


def _text(element: ET.Element | None) -> str:
    return "".join(element.itertext()).strip() if element is not None else ""


def _snake(name: str) -> str:
    special = {"hideLMSUI": "hide_lms_ui", "IDRef": "id_ref", "ID": "id"}
    if name in special:
        return special[name]
    name = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", name)
    return re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name).lower()


# --- typed values -----------------------------------------------------------------------

BOOLEAN_ATTRIBUTES = frozenset(
    {
        *("choice", "choiceExit", "flow", "forwardOnly"),
        *("useCurrentAttemptObjectiveInfo", "useCurrentAttemptProgressInfo"),
        *("rollupObjectiveSatisfied", "rollupProgressCompletion", "satisfiedByMeasure"),
        *("readSatisfiedStatus", "readNormalizedMeasure"),
        *("writeSatisfiedStatus", "writeNormalizedMeasure", "reorderChildren", "tracked"),
        *("completionSetByContent", "objectiveSetByContent", "preventActivation"),
        *("constrainChoice", "measureSatisfactionIfActive"),
        *("readRawScore", "readMinScore", "readMaxScore", "readCompletionStatus"),
        *("readProgressMeasure", "writeRawScore", "writeMinScore", "writeMaxScore"),
        *("writeCompletionStatus", "writeProgressMeasure", "objectivesGlobalToSystem"),
        *("sharedDataGlobalToSystem", "readSharedData", "writeSharedData"),
        *("completedByMeasure", "isvisible"),
    }
)
INTEGER_ATTRIBUTES = frozenset({"attemptLimit", "minimumCount", "selectCount"})
DECIMAL_ATTRIBUTES = frozenset(
    {"measureThreshold", "objectiveMeasureWeight", "minimumPercent"}
    | {"minProgressMeasure", "progressWeight"}
)
DECIMAL_TEXT = frozenset({"minNormalizedMeasure"})
PLURALS = {
    "preConditionRule": "pre_condition_rules",
    "exitConditionRule": "exit_condition_rules",
    "postConditionRule": "post_condition_rules",
    "ruleCondition": "conditions",
    "rollupRule": "rules",
    "rollupCondition": "conditions",
    "objective": "objectives",
    "mapInfo": "map_info",
    "auxiliaryResource": "auxiliary_resources",
    "hideLMSUI": "hide_lms_ui",
    "map": "maps",
}
_INTEGER = re.compile(r"[+-]?[0-9]+")
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
_FOUR_TH_EDITION_ATTRIBUTES = ("minProgressMeasure", "progressWeight", "completedByMeasure")


def _boolean(value: str) -> bool | None:
    return {"true": True, "1": True, "false": False, "0": False}.get(value.strip().lower())


def _integer(value: str) -> int | None:
    value = value.strip()
    return int(value) if _INTEGER.fullmatch(value) else None


def _decimal(value: str) -> float | None:
    value = value.strip()
    return float(value) if _DECIMAL.fullmatch(value) else None


# --- hrefs ------------------------------------------------------------------------------

_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
_URL_SAFE = "/!$&'()*+,;=:@~-._"


@dataclass(frozen=True)
class Href:
    """A manifest href resolved against its ``xml:base``."""

    url: str  # relative to the package root, canonically encoded; absolute when external
    path: str | None  # the file in the package (decoded), None when external or unsafe
    external: bool = False
    unsafe: bool = False
    query: str = ""
    fragment: str | None = None


def _is_external(value: str) -> bool:
    lowered = value.lower()
    return lowered.startswith(("http://", "https://", "//"))


def join_base(base: str, value: str | None) -> str:
    """Apply an ``xml:base`` (a folder, or an external URL) to ``base``."""
    value = (value or "").strip().replace("\\", "/")
    if not value:
        return base
    if _is_external(value) or _SCHEME.match(value) or value.startswith("/"):
        return value if value.endswith("/") else f"{value}/"
    if _is_external(base):
        return urllib.parse.urljoin(base, value.rstrip("/") + "/")
    return f"{base}{value.rstrip('/')}/"


def resolve_href(base: str, href: str) -> Href:
    """Resolve ``href`` against ``base`` (from :func:`join_base`)."""
    href = href.strip().replace("\\", "/")
    target = href
    if not (_is_external(href) or _SCHEME.match(href) or href.startswith("/")):
        target = base + href
    if _is_external(target):
        return Href(url=target, path=None, external=True)
    if _SCHEME.match(target) or target.startswith("/"):
        return Href(url=target, path=None, unsafe=True)
    rest, hash_sign, fragment = target.partition("#")
    raw_path, _question, query = rest.partition("?")
    decoded = urllib.parse.unquote(raw_path)
    for variant in (decoded, unicodedata.normalize("NFKC", decoded)):
        if variant.startswith("/") or "\\" in variant or "\x00" in variant:
            return Href(url=target, path=None, unsafe=True)
    clean = posixpath.normpath(decoded) if decoded else ""
    if clean in ("", ".") or clean == ".." or clean.startswith("../"):
        return Href(url=target, path=None, unsafe=True)
    url = urllib.parse.quote(clean, safe=_URL_SAFE)
    if query:
        url += f"?{query}"
    if hash_sign:
        url += f"#{fragment}"
    return Href(
        url=url,
        path=clean,
        query=query,
        fragment=fragment if hash_sign else None,
    )


def launch_url(href: Href, parameters: str) -> str:
    """The resource's href with an item's ``parameters`` (SCORM 2004 CAM's rules)."""
    parameters = (parameters or "").strip()
    if not parameters:
        return href.url
    base, hash_sign, fragment = href.url.partition("#")
    has_fragment = bool(hash_sign)
    if parameters.startswith("#"):
        return href.url if has_fragment else f"{href.url}{parameters}"
    extra, extra_hash, extra_fragment = parameters.partition("#")
    extra = extra.lstrip("?&")
    if extra:
        base = f"{base}&{extra}" if "?" in base else f"{base}?{extra}"
    if has_fragment:
        return f"{base}#{fragment}"
    if extra_hash:
        return f"{base}#{extra_fragment}"
    return base


# --- the parser -------------------------------------------------------------------------


class _Parser:
    def __init__(self, path: str) -> None:
        self.path = path
        self.problems: list[ScormProblem] = []
        self.warnings: list[ScormProblem] = []
        self.version = SCORM_12
        self.resources: dict[str, dict[str, Any]] = {}
        self.manifests: dict[str, ET.Element] = {}
        self.item_count = 0
        self.identifiers: dict[str, set[str]] = {"item": set(), "resource": set()}
        self.hrefs: dict[str, Href | None] = {}  # resource identifier: its resolved href
        self._too_deep = False

    def problem(self, code: str, **params: Any) -> None:
        self.problems.append(ScormProblem(code, self.path, params))

    def warn(self, code: str, **params: Any) -> None:
        assert code in WARNING_CODES, code
        self.warnings.append(ScormProblem(code, self.path, params))

    # -- the document

    def parse(self, payload: bytes) -> ParseResult:
        try:
            root = SafeET.fromstring(
                payload, forbid_dtd=False, forbid_entities=True, forbid_external=True
            )
        except defusedxml.DefusedXmlException:
            self.problem("manifest_unsafe_xml")
            return ParseResult(None, self.problems, self.warnings)
        except ET.ParseError as exc:
            line, column = getattr(exc, "position", (0, 0))
            self.problem("manifest_not_xml", line=line, column=column)
            return ParseResult(None, self.problems, self.warnings)
        if _local(root.tag) != "manifest":
            self.problem("manifest_root_invalid", element=_local(root.tag) or "?")
            return ParseResult(None, self.problems, self.warnings)
        version, edition, schemaversion, source = self.detect_version(root)
        self.version = version
        base = join_base("", root.get(XML_BASE))
        self.collect_manifests(root, base, depth=0)
        self.check_dependencies()
        collection = self.sequencing_collection(root)
        organizations, default = self.organizations(root, base)
        default_org = next((org for org in organizations if org["identifier"] == default), None)
        launchable: list[str] = []
        if default_org is not None:
            launchable = [
                item["identifier"]
                for item in walk_items(default_org["items"])
                if item["launchable"]
            ]
            if default_org["items"] and not launchable:
                self.problem("no_launchable_item", organization=default or "?")
        manifest = {
            "format": MANIFEST_FORMAT,
            "identifier": (root.get("identifier") or "").strip(),
            "version": version,
            "edition": edition,
            "schemaversion": schemaversion,
            "version_source": source,
            "title": default_org["title"] if default_org else "",
            "default_organization": default or "",
            "organizations": organizations,
            "resources": self.resources,
            "sequencing_collection": collection,
            "launchable": launchable,
            "warnings": [warning.as_dict() for warning in self.warnings],
        }
        return ParseResult(manifest, self.problems, self.warnings)

    # -- version

    def detect_version(self, root: ET.Element) -> tuple[str, int | None, str, str]:
        metadata = _child(root, "metadata")
        schemaversion = ""
        if metadata is not None:
            schemaversion = " ".join(_text(_child(metadata, "schemaversion")).split())
        known = _from_schemaversion(schemaversion)
        if known is not None:
            return (*known, schemaversion, "schemaversion")
        version, edition = self.from_namespaces(root)
        label = f"SCORM {version}" + (f" {_ordinal(edition)} Edition" if edition else "")
        if schemaversion:
            self.warn("schemaversion_unknown", value=schemaversion, version=label)
        else:
            self.warn("version_inferred", version=label)
        return version, edition, schemaversion, "namespaces"

    def from_namespaces(self, root: ET.Element) -> tuple[str, int | None]:
        namespaces: set[str] = set()
        camel_scormtype = lower_scormtype = False
        fourth = False
        for element in root.iter():
            namespaces.add(_namespace(element.tag))
            for key in element.attrib:
                namespaces.add(_namespace(key))
                local = _local(key)
                camel_scormtype |= local == "scormType"
                lower_scormtype |= local == "scormtype"
                fourth |= local == "sharedDataGlobalToSystem"
            local = _local(element.tag)
            if local == "completionThreshold" and any(
                name in element.attrib for name in _FOUR_TH_EDITION_ATTRIBUTES
            ):
                fourth = True
            if local in ("data", "map") and "adlcp" in _namespace(element.tag):
                fourth = True
            if local == "objectives" and "adlseq" in _namespace(element.tag):
                fourth = True
        joined = " ".join(namespaces).lower()
        if "rootv1p2" in joined or "imscp_rootv1p1p2" in joined:
            return SCORM_12, None
        markers = ("imscp_v1p1", "adlcp_v1p3", "imsss", "adlseq", "adlnav")
        if any(marker in joined for marker in markers) or camel_scormtype:
            return SCORM_2004, 4 if fourth else None
        if lower_scormtype:
            return SCORM_12, None
        return SCORM_12, None

    # -- sub-manifests and resources

    def collect_manifests(self, manifest: ET.Element, base: str, depth: int) -> None:
        if depth > MAX_DEPTH:
            self.too_deep()
            return
        identifier = (manifest.get("identifier") or "").strip()
        if identifier and depth:
            self.manifests[identifier] = manifest
        resources = _child(manifest, "resources")
        if resources is not None:
            resources_base = join_base(base, resources.get(XML_BASE))
            for position, element in enumerate(_children(resources, "resource"), start=1):
                self.resource(element, resources_base, position)
        for sub in _children(manifest, "manifest"):
            self.collect_manifests(sub, join_base(base, sub.get(XML_BASE)), depth + 1)

    def resource(self, element: ET.Element, base: str, position: int) -> None:
        identifier = (element.get("identifier") or _attr(element, "identifier") or "").strip()
        if not identifier:
            self.problem("resource_identifier_missing", position=position)
            return
        if identifier in self.resources:
            self.problem("identifier_duplicate", identifier=identifier, kind=KINDS["resource"])
            return
        if len(identifier) > MAX_IDENTIFIER:
            self.problem(
                "identifier_too_long",
                identifier=identifier[:80] + "…",
                length=len(identifier),
                limit=MAX_IDENTIFIER,
            )
        base = join_base(base, element.get(XML_BASE))
        raw_type = _attr(element, "scormtype")
        scorm_type = (raw_type or "").strip().lower()
        if raw_type is None:
            self.warn("scormtype_missing", resource=identifier)
            scorm_type = "asset"
        elif scorm_type not in ("sco", "asset"):
            self.warn("scormtype_invalid", resource=identifier, value=raw_type)
            scorm_type = "asset"
        href_value = _attr(element, "href")
        href = None
        if href_value is not None and href_value.strip():
            href = resolve_href(base, href_value)
            if href.unsafe:
                self.problem("unsafe_href", href=href_value, element=f"resource {identifier}")
        files = []
        for file_element in _children(element, "file"):
            value = _attr(file_element, "href")
            if not value or not value.strip():
                continue
            resolved = resolve_href(base, value)
            if resolved.unsafe:
                self.problem("unsafe_href", href=value, element=f"resource {identifier}")
            elif resolved.path is not None:
                files.append(resolved.path)
        dependencies = [
            ref.strip()
            for ref in (_attr(dep, "identifierref") for dep in _children(element, "dependency"))
            if ref and ref.strip()
        ]
        self.resources[identifier] = {
            "identifier": identifier,
            "type": (element.get("type") or "").strip(),
            "scorm_type": scorm_type,
            "href": href.url if href is not None and not href.unsafe else None,
            "path": href.path if href is not None else None,
            "external": bool(href is not None and href.external),
            "files": files,
            "dependencies": dependencies,
        }
        self.hrefs[identifier] = href

    def check_dependencies(self) -> None:
        for identifier, resource in self.resources.items():
            for dependency in resource["dependencies"]:
                if dependency not in self.resources:
                    self.problem("dependency_unknown", resource=identifier, dependency=dependency)

    # -- organizations and items

    def organizations(self, root: ET.Element, base: str) -> tuple[list[dict[str, Any]], str | None]:
        container = _child(root, "organizations")
        elements = _children(container, "organization") if container is not None else []
        if not elements:
            self.problem("no_organization")
            return [], None
        organizations = []
        seen: set[str] = set()
        for position, element in enumerate(elements, start=1):
            organization = self.organization(element, position)
            if organization["identifier"]:
                if organization["identifier"] in seen:
                    self.problem(
                        "identifier_duplicate",
                        identifier=organization["identifier"],
                        kind=KINDS["organization"],
                    )
                seen.add(organization["identifier"])
            organizations.append(organization)
        default = (container.get("default") or "").strip() if container is not None else ""
        named = [org["identifier"] for org in organizations if org["identifier"]]
        first = organizations[0]["identifier"] or None
        if not default:
            if len(organizations) > 1:
                self.warn("default_organization_missing", organization=first or "?")
            return organizations, first
        if default in named:
            return organizations, default
        if len(organizations) == 1:
            self.warn("default_organization_fallback", default=default, organization=first or "?")
            return organizations, first
        self.problem(
            "default_organization_unknown", default=default, available=", ".join(named) or "—"
        )
        return organizations, None

    def organization(self, element: ET.Element, position: int) -> dict[str, Any]:
        identifier = (element.get("identifier") or "").strip()
        if not identifier:
            self.problem("organization_identifier_missing", position=position)
        label = identifier or f"#{position}"
        title_element = _child(element, "title")
        title = _text(title_element)
        if title_element is None or not title:
            self.problem("organization_title_missing", organization=label)
        items = [
            self.item(child, label, depth=1, visited=frozenset())
            for child in _children(element, "item")
        ]
        if not items:
            self.problem("organization_empty", organization=label)
        sequencing = _child(element, "sequencing")
        return {
            "identifier": identifier,
            "title": title,
            "structure": (element.get("structure") or "hierarchical").strip(),
            "objectives_global_to_system": self.boolean_attr(
                element, "objectivesGlobalToSystem", f"organization {label}"
            ),
            "shared_data_global_to_system": self.boolean_attr(
                element, "sharedDataGlobalToSystem", f"organization {label}"
            ),
            "sequencing": self.structure(sequencing, f"organization {label}")
            if sequencing is not None
            else None,
            "items": items,
        }

    def item(
        self, element: ET.Element, organization: str, depth: int, visited: frozenset[str]
    ) -> dict[str, Any]:
        self.item_count += 1
        if self.item_count == MAX_ITEMS + 1:
            self.problem("manifest_too_many_items", limit=MAX_ITEMS)
        identifier = (element.get("identifier") or _attr(element, "identifier") or "").strip()
        title = _text(_child(element, "title"))
        if not identifier:
            self.problem("item_identifier_missing", organization=organization, title=title or "—")
        elif identifier in self.identifiers["item"]:
            self.problem("identifier_duplicate", identifier=identifier, kind=KINDS["item"])
        elif len(identifier) > MAX_IDENTIFIER:
            self.problem(
                "identifier_too_long",
                identifier=identifier[:80] + "…",
                length=len(identifier),
                limit=MAX_IDENTIFIER,
            )
        self.identifiers["item"].add(identifier)
        label = identifier or title or "?"
        where = f"item {label}"
        if not title:
            self.problem("item_title_missing", item=label)
        children: list[dict[str, Any]] = []
        if depth >= MAX_DEPTH:
            self.too_deep()
        else:
            children = [
                self.item(child, organization, depth + 1, visited)
                for child in _children(element, "item")
            ]
        reference = (_attr(element, "identifierref") or "").strip() or None
        parameters = _attr(element, "parameters") or ""
        resource = None
        submanifest = None
        if reference is not None:
            if reference in self.resources:
                resource = self.resources[reference]
            elif reference in self.manifests and reference not in visited:
                submanifest = reference
                children += self.aggregate(reference, organization, depth, visited | {reference})
            else:
                self.problem("item_resource_unknown", item=label, resource=reference)
        launchable = False
        launch = None
        if resource is not None:
            if children and self.version == SCORM_2004:
                self.warn("parent_item_resource_ignored", item=label)
            elif (href := self.hrefs.get(reference)) is None:
                self.problem("resource_without_href", item=label, resource=reference)
            elif not href.unsafe:
                launchable = True
                launch = launch_url(href, parameters)
                if resource["external"]:
                    self.warn("external_launch", resource=reference, href=launch)
        elif reference is None and not children:
            self.warn("leaf_item_without_resource", item=label)
        visible = self.boolean_attr(element, "isvisible", where)
        return {
            "identifier": identifier,
            "title": title,
            "is_visible": True if visible is None else visible,
            "parameters": parameters,
            "resource": reference if resource is not None else None,
            "submanifest": submanifest,
            "launchable": launchable,
            "launch": launch,
            "scorm_type": resource["scorm_type"] if resource is not None else None,
            **self.item_extensions(element, where),
            "children": children,
        }

    def aggregate(
        self, reference: str, organization: str, depth: int, visited: frozenset[str]
    ) -> list[dict[str, Any]]:
        """The items of a sub-manifest's default organization (IMS CP aggregation)."""
        manifest = self.manifests[reference]
        container = _child(manifest, "organizations")
        elements = _children(container, "organization") if container is not None else []
        if not elements:
            return []
        default = (container.get("default") or "").strip() if container is not None else ""
        chosen = next(
            (org for org in elements if (org.get("identifier") or "").strip() == default),
            elements[0],
        )
        if depth >= MAX_DEPTH:
            self.too_deep()
            return []
        return [
            self.item(child, organization, depth + 1, visited)
            for child in _children(chosen, "item")
        ]

    def item_extensions(self, element: ET.Element, where: str) -> dict[str, Any]:
        """ADL's item elements (adlcp, adlnav, imsss), read whatever their spelling."""
        mastery = None
        if (raw := _child(element, "masteryscore")) is not None:
            mastery = _decimal(_text(raw))
            if mastery is None or not 0 <= mastery <= 100:
                self.warn("invalid_value", value=_text(raw), field="masteryscore", element=where)
                mastery = None
        action = None
        if (raw := _child(element, "timeLimitAction")) is not None:
            action = ",".join(part.strip() for part in _text(raw).lower().split(","))
            action = " ".join(action.split())
            if action not in TIME_LIMIT_ACTIONS:
                self.warn("invalid_value", value=_text(raw), field="timeLimitAction", element=where)
                action = None
        data_from_lms = _child(element, "dataFromLMS")
        max_time = _child(element, "maxtimeallowed")
        prerequisites = _child(element, "prerequisites")
        sequencing = _child(element, "sequencing")
        presentation = _child(element, "presentation")
        shared = _child(element, "data")
        return {
            "mastery_score": mastery,
            "max_time_allowed": _text(max_time) or None,
            "time_limit_action": action,
            "data_from_lms": _text(data_from_lms) if data_from_lms is not None else None,
            "prerequisites": {
                "type": (prerequisites.get("type") or "aicc_script").strip(),
                "script": _text(prerequisites),
            }
            if prerequisites is not None and _text(prerequisites)
            else None,
            "completion_threshold": self.completion_threshold(element, where),
            "sequencing": self.structure(sequencing, where) if sequencing is not None else None,
            "presentation": self.presentation(presentation, where),
            "shared_data": self.structure(shared, where).get("maps", [])
            if shared is not None
            else None,
        }

    def completion_threshold(self, element: ET.Element, where: str) -> dict[str, Any] | None:
        threshold = _child(element, "completionThreshold")
        if threshold is None:
            return None
        result: dict[str, Any] = {
            "min_progress_measure": None,
            "progress_weight": None,
            "completed_by_measure": None,
        }
        if any(_attr(threshold, name) is not None for name in _FOUR_TH_EDITION_ATTRIBUTES):
            for name in _FOUR_TH_EDITION_ATTRIBUTES:
                raw = _attr(threshold, name)
                if raw is None:
                    continue
                value: Any = _boolean(raw) if name == "completedByMeasure" else _decimal(raw)
                if value is None or (not isinstance(value, bool) and not 0 <= value <= 1):
                    self.warn("invalid_value", value=raw, field=name, element=where)
                    continue
                result[_snake(name)] = value
            return result
        text = _text(threshold)
        value = _decimal(text)
        if value is None or not 0 <= value <= 1:
            self.warn("invalid_value", value=text, field="completionThreshold", element=where)
            return None
        result["min_progress_measure"] = value
        result["completed_by_measure"] = True
        return result

    def presentation(self, element: ET.Element | None, where: str) -> dict[str, Any] | None:
        if element is None:
            return None
        hidden = [
            _text(node)
            for interface in _children(element, "navigationInterface")
            for node in _children(interface, "hideLMSUI")
            if _text(node)
        ]
        return {"hide_lms_ui": hidden}

    def sequencing_collection(self, root: ET.Element) -> dict[str, Any]:
        collection = _child(root, "sequencingCollection")
        if collection is None:
            return {}
        entries = {}
        for element in _children(collection, "sequencing"):
            identifier = (element.get("ID") or _attr(element, "ID") or "").strip()
            if identifier:
                entries[identifier] = self.structure(element, f"sequencing {identifier}")
        return entries

    # -- generic structures (sequencing and friends)

    def structure(self, element: ET.Element, where: str) -> dict[str, Any]:
        """An element as data: typed attributes, children by snake_case name, repeated
        elements under plural keys (see the module's docstring)."""
        result: dict[str, Any] = {}
        for key, raw in element.attrib.items():
            local = _local(key)
            if _namespace(key) == XSI:
                continue
            value = self.typed(local, raw, where)
            if value is not None:
                result[_snake(local)] = value
        for child in element:
            local = _local(child.tag)
            if not local:
                continue
            if len(child) or child.attrib:
                value: Any = self.structure(child, where)
            elif local in DECIMAL_TEXT:
                value = _decimal(_text(child))
                if value is None:
                    self.warn("invalid_value", value=_text(child), field=local, element=where)
                    continue
            else:
                value = _text(child)
            if local in PLURALS:
                result.setdefault(PLURALS[local], []).append(value)
            elif local == "objectives" and "adlseq" in _namespace(child.tag):
                result["adl_objectives"] = value.get("objectives", []) if value else []
            else:
                result[_snake(local)] = value
        return result

    def typed(self, name: str, raw: str, where: str) -> Any:
        if name in BOOLEAN_ATTRIBUTES:
            value: Any = _boolean(raw)
        elif name in INTEGER_ATTRIBUTES:
            value = _integer(raw)
        elif name in DECIMAL_ATTRIBUTES:
            value = _decimal(raw)
        else:
            return raw.strip()
        if value is None:
            self.warn("invalid_value", value=raw, field=name, element=where)
        return value

    def boolean_attr(self, element: ET.Element, name: str, where: str) -> bool | None:
        raw = _attr(element, name)
        if raw is None:
            return None
        value = _boolean(raw)
        if value is None:
            self.warn("invalid_value", value=raw, field=name, element=where)
        return value

    def too_deep(self) -> None:
        if not self._too_deep:
            self._too_deep = True
            self.problem("manifest_too_deep", limit=MAX_DEPTH)


def _from_schemaversion(value: str) -> tuple[str, int | None] | None:
    text = value.strip().lower()
    if not text:
        return None
    if text in ("1.2", "1.1", "scorm 1.2"):
        return SCORM_12, None
    if text in ("cam 1.3", "1.3", "scorm cam 1.3"):
        return SCORM_2004, 2
    match = re.fullmatch(r"(?:scorm\s*)?2004(?:\s*(\d)\s*(?:st|nd|rd|th)?\s*edition)?", text)
    if match:
        edition = int(match.group(1)) if match.group(1) else None
        if edition is not None and not 2 <= edition <= 4:
            return None
        return SCORM_2004, edition
    return None


def _ordinal(number: int) -> str:
    return {1: "1st", 2: "2nd", 3: "3rd"}.get(number, f"{number}th")


def walk_items(items: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Every item of a tree, in document order (pre-order)."""
    for item in items:
        yield item
        yield from walk_items(item["children"])


def version_label(version: str, edition: int | None) -> str:
    """ "SCORM 1.2", "SCORM 2004 3rd Edition", "SCORM 2004"."""
    if version == SCORM_2004 and edition:
        return f"SCORM 2004 {_ordinal(edition)} Edition"
    return f"SCORM {version}"


def effective_sequencing(
    sequencing: dict[str, Any] | None, collection: dict[str, Any]
) -> dict[str, Any]:
    """An activity's sequencing: the collection entry its ``id_ref`` names, overridden
    element by element by what the activity states itself (IMS SS / SCORM 2004 CAM)."""
    if not sequencing:
        return {}
    merged = dict(collection.get(sequencing.get("id_ref", ""), {}))
    merged.pop("id", None)
    merged.update({key: value for key, value in sequencing.items() if key != "id_ref"})
    return merged

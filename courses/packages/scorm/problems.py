"""What can be wrong with a SCORM package, and what the import notes without refusing.

Plain Python, no Django. Every problem and warning is a :class:`ScormProblem`: a stable
``code``, the ``path`` of the file concerned (usually ``imsmanifest.xml``) and ``params``
naming the element (item, resource, organization) and the values involved. The Django
layer translates :attr:`ScormProblem.template` with gettext and fills it; the templates
here are only marked for the catalogue (``gettext_noop``).

*Problems* refuse the package; *warnings* are recorded with the package and shown in the
admin, because what they note is harmless (and real LMSs such as Moodle accept it).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from ..archive import HEADER_FIELDS, Problem, gettext_noop
from ..archive import MESSAGES as ARCHIVE_MESSAGES

SCORM_MESSAGES: dict[str, str] = {
    # --- the package as a whole
    "manifest_missing": gettext_noop(
        "The package has no imsmanifest.xml file at its root, so it is not a SCORM package."
    ),
    "manifest_not_at_root": gettext_noop(
        "The package's manifest is {path}, inside the folder {folder}, instead of at the root "
        "of the ZIP file. Zip the contents of that folder (not the folder itself) and upload "
        "the new file."
    ),
    "aicc_not_supported": gettext_noop(
        "This is an AICC package ({path}), not a SCORM package. AICC packages are not "
        "supported: export the course as SCORM 1.2 or SCORM 2004."
    ),
    "cmi5_not_supported": gettext_noop(
        "This is a cmi5 package ({path}), not a SCORM package. cmi5 packages are not supported yet."
    ),
    "dotfile": gettext_noop(
        "The file {path} is hidden (its name, or the name of a folder it is in, starts with a "
        "dot). Hidden files such as .htaccess are not allowed."
    ),
    "server_script": gettext_noop(
        "The file {path} is a server-side script or a program (.{extension}). SCORM content "
        "plays in the browser: server-side scripts and programs are not allowed."
    ),
    "server_config": gettext_noop(
        "The file {path} configures a web server. Such files are not allowed."
    ),
    "unexpected_error": gettext_noop(
        "The package could not be checked, so it was refused as a precaution."
    ),
    # --- the manifest document
    "manifest_too_large": gettext_noop(
        "The manifest {path} is too large ({size} bytes; the limit is {limit} bytes)."
    ),
    "manifest_not_xml": gettext_noop(
        "The manifest {path} is not well-formed XML (line {line}, column {column})."
    ),
    "manifest_unsafe_xml": gettext_noop(
        "The manifest {path} declares XML entities or refers to external documents, which "
        "are not allowed."
    ),
    "manifest_root_invalid": gettext_noop(
        "The file {path} is not a content package manifest: its root element is <{element}>, "
        "not <manifest>."
    ),
    "manifest_too_deep": gettext_noop(
        "The manifest nests items or sub-manifests more than {limit} levels deep."
    ),
    "manifest_too_many_items": gettext_noop(
        "The manifest defines more than {limit} items. The limit is {limit}."
    ),
    # --- organizations and items
    "no_organization": gettext_noop(
        "The manifest defines no organization (no course structure), so there is nothing to launch."
    ),
    "organization_identifier_missing": gettext_noop(
        "Organization number {position} of the manifest has no identifier."
    ),
    "organization_title_missing": gettext_noop("The organization {organization} has no title."),
    "organization_empty": gettext_noop("The organization {organization} contains no items."),
    "default_organization_unknown": gettext_noop(
        "The manifest names {default} as its default organization, but none of its "
        "organizations has that identifier (they are: {available})."
    ),
    "no_launchable_item": gettext_noop(
        "The organization {organization} has no item that can be launched: no item refers to "
        "a resource with a file to start from."
    ),
    "item_identifier_missing": gettext_noop(
        "An item of the organization {organization} has no identifier (its title: {title})."
    ),
    "item_title_missing": gettext_noop("The item {item} has no title."),
    "identifier_duplicate": gettext_noop(
        "The identifier {identifier} is used by more than one {kind} in the manifest."
    ),
    "identifier_too_long": gettext_noop(
        "The identifier {identifier} is too long ({length} characters; the limit is {limit})."
    ),
    "item_resource_unknown": gettext_noop(
        "The item {item} refers to the resource {resource}, which the manifest does not define."
    ),
    # --- resources and files
    "resource_identifier_missing": gettext_noop(
        "Resource number {position} of the manifest has no identifier."
    ),
    "resource_without_href": gettext_noop(
        "The item {item} launches the resource {resource}, which has no href (no file to start "
        "from)."
    ),
    "dependency_unknown": gettext_noop(
        "The resource {resource} depends on {dependency}, which the manifest does not define."
    ),
    "unsafe_href": gettext_noop(
        "The manifest refers to {href} ({element}), which points outside the package or is not "
        "an address this platform can serve."
    ),
    "launch_file_missing": gettext_noop(
        "The resource {resource} starts at {path}, which is not in the package."
    ),
    "file_missing": gettext_noop(
        "The manifest lists the file {path} (resource {resource}), which is not in the package."
    ),
    "file_name_case": gettext_noop(
        "The manifest refers to {path} (resource {resource}), but the package has {candidate}: "
        "file names must match exactly, including upper and lower case."
    ),
    # --- warnings (the package is imported; the note is kept with it)
    "manifest_name_case": gettext_noop(
        "The manifest is named {path}; SCORM names it imsmanifest.xml, in lower case. It was "
        "read anyway."
    ),
    "version_inferred": gettext_noop(
        "The manifest does not say which SCORM version it follows; it was read as {version} "
        "from the XML namespaces it uses."
    ),
    "schemaversion_unknown": gettext_noop(
        "The manifest's schema version {value} is not one SCORM defines; the package was read "
        "as {version} from the XML namespaces it uses."
    ),
    "default_organization_fallback": gettext_noop(
        "The manifest names {default} as its default organization, but its only organization "
        "is {organization}: that one is used."
    ),
    "default_organization_missing": gettext_noop(
        "The manifest does not name a default organization; the first one, {organization}, is used."
    ),
    "parent_item_resource_ignored": gettext_noop(
        "The item {item} contains other items and also refers to a resource. SCORM 2004 "
        "launches only items without children, so the resource is ignored there."
    ),
    "leaf_item_without_resource": gettext_noop(
        "The item {item} refers to no resource and contains no items: it shows in the outline "
        "but cannot be launched."
    ),
    "scormtype_missing": gettext_noop(
        "The resource {resource} does not say whether it is a SCO or an asset; it is treated "
        "as an asset."
    ),
    "scormtype_invalid": gettext_noop(
        "The resource {resource} has the SCORM type {value}, which is neither sco nor asset; "
        "it is treated as an asset."
    ),
    "invalid_value": gettext_noop(
        "The value {value} of {field} ({element}) is not valid; it is ignored."
    ),
    "external_launch": gettext_noop(
        "The resource {resource} starts at an address outside the package ({href}). Content "
        "from elsewhere cannot talk to this platform, so it will not report progress."
    ),
}

MESSAGES: dict[str, str] = {**ARCHIVE_MESSAGES, **SCORM_MESSAGES}

WARNING_CODES = frozenset(
    {
        "manifest_name_case",
        "version_inferred",
        "schemaversion_unknown",
        "default_organization_fallback",
        "default_organization_missing",
        "parent_item_resource_ignored",
        "leaf_item_without_resource",
        "scormtype_missing",
        "scormtype_invalid",
        "invalid_value",
        "external_launch",
    }
)

# Words that fill the {kind} of "identifier_duplicate"; translated like the messages.
KINDS = {
    "item": gettext_noop("item"),
    "organization": gettext_noop("organization"),
    "resource": gettext_noop("resource"),
}


class ScormProblem(Problem):
    """A problem or warning about a SCORM package (see :data:`MESSAGES`)."""

    messages: ClassVar[Mapping[str, str]] = MESSAGES
    translated_params: ClassVar[frozenset[str]] = HEADER_FIELDS | frozenset(KINDS.values())

    @classmethod
    def of(cls, problem: Problem) -> ScormProblem:
        return cls(problem.code, problem.path, problem.params)

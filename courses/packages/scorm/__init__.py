"""SCORM 1.2 and SCORM 2004 packages (Django app label ``scorm``).

- ``problems``: what can be wrong with a package (coded, translatable messages);
- ``manifest``: reading ``imsmanifest.xml`` into the manifest model the runtime uses;
- ``validate``: the whole package checked (archive, files, manifest, references);
- ``models``: :class:`ScormPackage` (one upload) and :class:`ScormItem` (its launchable
  items);
- ``services``: inspect, import (stored through Django's storage API under
  ``scorm/<uuid>/``), delete; ``selectors``: who may use and edit which package;
- ``admin_views`` / ``wagtail_hooks``: the "SCORM packages" snippets in the Wagtail admin;
- ``management/commands/scorm_import.py``: the same import from the command line.

The safe ZIP reader is shared by every format: :mod:`courses.packages.archive`.
"""

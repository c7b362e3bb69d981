"""Interchange formats beyond GIFT and the project's JSON: Moodle XML (:mod:`.moodlexml`).

Each format module is plain Python (no Django at import time): it reads a file into
:class:`assessments.gift.ImportResult` and writes questions back; checking against the
grading rules, storing images and saving happen in :mod:`assessments.portability`.
"""

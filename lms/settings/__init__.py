"""Settings modules: base (shared), dev (embedded default), production, test.

All configuration that varies between deployments is read from environment
variables in :mod:`lms.settings.env` and nowhere else.
"""

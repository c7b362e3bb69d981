"""Production keeps the second factor on; the deploy check refuses it off."""

from __future__ import annotations

from lms.accounts.tests.test_settings import GOOD_ENV, manage, settings_of


def test_base_and_production_settings_require_the_second_factor():
    assert settings_of(GOOD_ENV, "LMS_MFA_REQUIRED") == {"LMS_MFA_REQUIRED": True}


def test_deploy_check_refuses_production_without_the_second_factor():
    result = manage("check", "--deploy", env={**GOOD_ENV, "LMS_MFA_REQUIRED": "false"})
    assert result.returncode != 0
    assert "mfa.E001" in result.stderr


def test_the_suite_runs_with_it_off_and_these_tests_with_it_on(settings):
    from lms.settings import test as test_settings

    assert test_settings.LMS_MFA_REQUIRED is False
    assert settings.LMS_MFA_REQUIRED is True  # lms/mfa/tests/conftest.py

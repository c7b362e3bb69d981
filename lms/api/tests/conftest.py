from lms.api.tests.fixtures import catalogue_fixture, world_fixture  # noqa: F401

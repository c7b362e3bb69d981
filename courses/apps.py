from typing import Any

from django.apps import AppConfig, apps
from django.utils.translation import gettext_lazy as _


class CoursesConfig(AppConfig):
    name = "courses"
    verbose_name = _("Courses")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from . import receivers

        receivers.connect()
        post_migrate.connect(author_groups_sync_on_migrate, dispatch_uid="courses.authors")


def author_groups_sync_on_migrate(app_config: AppConfig, **kwargs: Any) -> None:
    """post_migrate receiver: once every app has migrated, the authors' groups, the media
    collections and their permissions follow ownership (a deployment never keeps grants
    that an older version gave)."""
    from .services import author_groups_sync

    with_models = [config for config in apps.get_app_configs() if config.models_module]
    if app_config is with_models[-1]:
        author_groups_sync()

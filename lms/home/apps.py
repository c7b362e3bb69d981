from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HomeConfig(AppConfig):
    name = "lms.home"
    label = "home"
    verbose_name = _("Home page and site settings")

    def ready(self) -> None:
        from lms import content_origin, page_cache, public_url, storage  # noqa: F401  (system checks)

        page_cache.connect()

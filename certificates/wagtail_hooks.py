from wagtail import hooks

from .admin_views import ProgrammeViewSet


@hooks.register("register_admin_viewset")
def register_programmes() -> ProgrammeViewSet:
    return ProgrammeViewSet("programmes")

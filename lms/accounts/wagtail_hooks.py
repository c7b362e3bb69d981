from wagtail import hooks

from .admin_views import PeopleViewSetGroup


@hooks.register("register_admin_viewset")
def register_viewsets() -> PeopleViewSetGroup:
    return PeopleViewSetGroup()

from wagtail import hooks

from lms import admin_tenancy

from .admin_views import ProgrammeViewSet
from .models import Programme
from .selectors import programme_list_for_user

admin_tenancy.register(
    admin_tenancy.TenantScope(
        model=Programme, visible=programme_list_for_user, namespaces=("programmes",)
    )
)


@hooks.register("register_admin_viewset")
def register_programmes() -> ProgrammeViewSet:
    return ProgrammeViewSet("programmes")

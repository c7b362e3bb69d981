"""Wagtail wiring for SCORM packages: the snippets, their permission policy and the
tenancy gate of the admin (the rules are in ``courses.packages.scorm.selectors``)."""

from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet

from lms import admin_tenancy

from . import selectors
from .admin_views import ScormPackagePermissionPolicy, ScormPackageViewSet
from .models import ScormPackage

register_permission_policy(ScormPackage, ScormPackagePermissionPolicy(ScormPackage))
register_snippet(ScormPackageViewSet)

# Object views naming a package the author may not see answer 404 (lms/admin_tenancy.py).
admin_tenancy.register(
    admin_tenancy.TenantScope(
        model=ScormPackage,
        visible=selectors.scorm_package_list_for_user,
        namespaces=(
            "wagtailsnippets_scorm_scormpackage",
            "wagtailsnippetchoosers_scorm_scormpackage",
        ),
    )
)

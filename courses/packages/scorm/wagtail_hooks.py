"""Wagtail wiring for SCORM packages: the snippets, their permission policy and the
tenancy gate of the admin (the rules are in ``courses.packages.scorm.selectors``)."""

from django.urls import include, path
from wagtail import hooks
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet

from lms import admin_tenancy

from . import selectors
from .admin_views import (
    ScormPackagePermissionPolicy,
    ScormPackageViewSet,
    scorm_course_create_view,
)
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
            "scorm_scormpackage_course",
        ),
    )
)


@hooks.register("register_admin_urls")
def course_from_package_urls() -> list:
    """Make a draft course from a package (the view answers 404 itself as well)."""
    return [
        path(
            "scorm/scormpackage/<int:pk>/course/",
            include(
                (
                    [path("", scorm_course_create_view, name="create")],
                    "scorm_scormpackage_course",
                ),
                namespace="scorm_scormpackage_course",
            ),
        )
    ]

"""The content origin's routes (``LMS_CONTENT_URLCONF``, see :mod:`lms.content_origin`).

Only these answer on the content origin; none of them answers on the site's origin, so
package content never runs there. ``/c/<token>/...``: a signed, expiring token for one
officer and one activity; relative URLs inside a package stay under it. Library files are
shared code, public here and cached by the browser across lessons.
"""

from django.urls import path, re_path

from courses import views as courses_views
from courses.packages.scorm import views as scorm_views

urlpatterns = [
    path("c/<str:token>/h5p/player/", courses_views.h5p_player, name="h5p_player"),
    path(
        "c/<str:token>/h5p/content/<uuid:activity_uuid>/<path:path>",
        courses_views.h5p_content_file,
        name="h5p_content_file",
    ),
    # The player's librariesPath: "r<revision>" names which patches are current (see
    # courses.packages.h5p.services.libraries_revision), so upgrades change the address.
    re_path(
        r"^h5p/libraries/r(?P<revision>[0-9a-f]{12})/(?P<folder>[^/]+)/(?P<path>.+)\Z",
        courses_views.h5p_library_file,
        name="h5p_library_file",
    ),
    path(
        "h5p/libraries/<str:folder>/<path:path>",
        courses_views.h5p_library_file,
        name="h5p_library_file_current",
    ),
]

# SCORM: the player shell (scorm-again's API) and the package's files, under a token of the
# block (courses.packages.scorm.player).
urlpatterns += [
    path("c/<str:token>/scorm/player/", scorm_views.player_shell, name="scorm_player"),
    path(
        "c/<str:token>/scorm/content/<uuid:package_uuid>/<path:path>",
        scorm_views.content_file,
        name="scorm_content_file",
    ),
]

handler404 = "lms.content_origin.not_found"
# The other errors in plain text too: lms.errors answers so on the content origin (the
# site's pages need the site's URLconf, which does not answer here).
handler400 = "lms.errors.bad_request"
handler403 = "lms.errors.permission_denied"
handler500 = "lms.errors.server_error"

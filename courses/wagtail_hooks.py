from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet

from .admin_views import H5PActivityPermissionPolicy, H5PActivityViewSet, H5PLibraryViewSet
from .models import H5PActivity

register_permission_policy(H5PActivity, H5PActivityPermissionPolicy(H5PActivity))
register_snippet(H5PActivityViewSet)
register_snippet(H5PLibraryViewSet)

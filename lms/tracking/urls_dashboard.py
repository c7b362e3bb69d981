"""Routes of the tracking dashboard pages."""

urlpatterns: list = []

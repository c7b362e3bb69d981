"""Routes of the tracking assignments pages."""

urlpatterns: list = []

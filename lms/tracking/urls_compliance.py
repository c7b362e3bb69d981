"""Routes of the tracking compliance pages."""

urlpatterns: list = []

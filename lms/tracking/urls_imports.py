"""Routes of the tracking imports pages."""

urlpatterns: list = []

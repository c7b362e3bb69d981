"""Pages of the API app (token management), outside /api/v1/."""

app_name = "api_pages"

urlpatterns: list = []

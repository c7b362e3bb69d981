from django.urls import include, path

from . import views

app_name = "courses"

urlpatterns = [
    path("learning/", views.my_learning, name="my_learning"),
    path("learning/catalogue/", views.catalogue_redirect, name="catalogue"),
    path("learning/search/", views.search_results, name="search"),
    path("learning/enrol/<int:course_id>/", views.enrol, name="enrol"),
    path("h5p/xapi/<int:slot_id>/", views.h5p_xapi, name="h5p_xapi"),
    path(
        "h5p/messages/<str:language>/<str:version>.js",
        views.h5p_player_messages,
        name="h5p_player_messages",
    ),
    path(
        "h5p/state/<int:slot_id>/<str:data_type>/<str:sub_content_id>/",
        views.h5p_state,
        name="h5p_state",
    ),
    path("scorm/", include("courses.packages.scorm.urls")),
    # Package files and the player are served on the content origin only (lms/content_urls.py).
]

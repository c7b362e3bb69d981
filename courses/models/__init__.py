"""Course pages, learning records and H5P packages."""

from .external_media import ExternalMediaHost
from .h5p import (
    H5PActivity,
    H5PLibrary,
    H5PLibraryVersion,
    H5PResult,
    H5PUserData,
    LessonActivity,
)
from .learning import Enrolment, LessonProgress
from .media import AdministrationCollection
from .pages import CourseIndexPage, CoursePage, LessonPage, Level, ModulePage, Track
from .search import SearchDocument

__all__ = [
    "AdministrationCollection",
    "CourseIndexPage",
    "CoursePage",
    "Enrolment",
    "ExternalMediaHost",
    "H5PActivity",
    "H5PLibrary",
    "H5PLibraryVersion",
    "H5PResult",
    "H5PUserData",
    "LessonActivity",
    "LessonPage",
    "LessonProgress",
    "Level",
    "ModulePage",
    "SearchDocument",
    "Track",
]

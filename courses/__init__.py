"""Courses: Wagtail pages, enrolment, progress and H5P activities."""

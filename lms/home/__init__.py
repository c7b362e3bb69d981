"""The Wagtail home page and site-wide settings."""

"""SQLite only: an FTS5 index of the search documents' folded text, kept in step by
triggers (``courses.search.sqlite_fts_install``). PostgreSQL has its GIN index (0009)."""

from django.db import migrations


def install(apps, schema_editor):
    from courses.search import sqlite_fts_install

    sqlite_fts_install(schema_editor.connection)


def remove(apps, schema_editor):
    from courses.search import sqlite_fts_remove

    sqlite_fts_remove(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("courses", "0009_search_documents")]

    operations = [migrations.RunPython(install, remove)]

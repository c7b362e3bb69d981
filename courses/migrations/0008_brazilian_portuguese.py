"""Portuguese is Brazilian Portuguese: the content locale ``pt`` becomes ``pt-br`` (pages keep
their locale row, renamed), and so do the H5P activities' language."""

from django.db import migrations

OLD, NEW = "pt", "pt-br"


def rename(apps, old: str, new: str) -> None:
    Locale = apps.get_model("wagtailcore", "Locale")
    Page = apps.get_model("wagtailcore", "Page")
    current = Locale.objects.filter(language_code=old).first()
    if current is not None:
        unused = Locale.objects.filter(language_code=new).exclude(pk=current.pk)
        for locale in unused:
            if not Page.objects.filter(locale=locale).exists():
                locale.delete()
        if not Locale.objects.filter(language_code=new).exists():
            current.language_code = new
            current.save(update_fields=["language_code"])
    apps.get_model("courses", "H5PActivity").objects.filter(language=old).update(language=new)


def forwards(apps, schema_editor) -> None:
    rename(apps, OLD, NEW)


def backwards(apps, schema_editor) -> None:
    rename(apps, NEW, OLD)


class Migration(migrations.Migration):
    dependencies = [
        ("courses", "0007_h5p_library_versions"),
        ("wagtailcore", "0098_apitoken"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards),
    ]

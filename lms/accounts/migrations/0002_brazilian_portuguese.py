"""Portuguese is Brazilian Portuguese: the language code ``pt`` becomes ``pt-br`` in the
officers' preferred language and the administrations' official languages."""

from django.db import migrations, models

OLD, NEW = "pt", "pt-br"


def rename(apps, old: str, new: str) -> None:
    User = apps.get_model("accounts", "User")
    User.objects.filter(preferred_language=old).update(preferred_language=new)
    Administration = apps.get_model("accounts", "Administration")
    for administration in Administration.objects.all():
        languages = administration.official_languages or []
        if old in languages:
            administration.official_languages = [new if code == old else code for code in languages]
            administration.save(update_fields=["official_languages"])


def forwards(apps, schema_editor) -> None:
    rename(apps, OLD, NEW)


def backwards(apps, schema_editor) -> None:
    rename(apps, NEW, OLD)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
    ]

    operations = [
        migrations.AlterField(
            model_name="user",
            name="preferred_language",
            field=models.CharField(
                choices=[
                    ("en", "English"),
                    ("es", "Español"),
                    ("pt-br", "Português (Brasil)"),
                    ("fr", "Français"),
                ],
                default="en",
                max_length=8,
                verbose_name="preferred language",
            ),
        ),
        migrations.RunPython(forwards, backwards),
    ]

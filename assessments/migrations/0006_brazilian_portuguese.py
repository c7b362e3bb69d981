"""Portuguese is Brazilian Portuguese: ``pt`` becomes ``pt-br`` as the key of the question
texts and in attempts and imports."""

from django.db import migrations

OLD, NEW = "pt", "pt-br"


def rename(apps, old: str, new: str) -> None:
    QuestionVersion = apps.get_model("assessments", "QuestionVersion")
    for version in QuestionVersion.objects.filter(texts__has_key=old).iterator():
        version.texts = {
            (new if code == old else code): text for code, text in version.texts.items()
        }
        version.save(update_fields=["texts"])
    apps.get_model("assessments", "Attempt").objects.filter(language=old).update(language=new)
    apps.get_model("assessments", "QuestionImport").objects.filter(language=old).update(
        language=new
    )


def forwards(apps, schema_editor) -> None:
    rename(apps, OLD, NEW)


def backwards(apps, schema_editor) -> None:
    rename(apps, NEW, OLD)


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0005_question_imports_and_type_registry"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards),
    ]

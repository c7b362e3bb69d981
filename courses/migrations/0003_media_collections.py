"""Root > "Regional" and Root > <code> for every administration, for images and documents;
media left directly in the root collection is regional, so it moves to "Regional".

Written against the historical models (no treebeard methods): a child's path is its
parent's path followed by its position in base 36 on four characters, as treebeard's
materialised path does. ``courses.services.media_collections_sync`` does the same with the
real models for administrations created later.
"""

from django.db import migrations

STEPLEN = 4
ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _step(number):
    digits = ""
    while number:
        number, remainder = divmod(number, len(ALPHABET))
        digits = ALPHABET[remainder] + digits
    return digits.rjust(STEPLEN, "0")


def _number(step):
    value = 0
    for char in step:
        value = value * len(ALPHABET) + ALPHABET.index(char)
    return value


def create(apps, schema_editor):
    Collection = apps.get_model("wagtailcore", "Collection")
    Administration = apps.get_model("accounts", "Administration")
    AdministrationCollection = apps.get_model("courses", "AdministrationCollection")
    Document = apps.get_model("wagtaildocs", "Document")
    Image = apps.get_model("wagtailimages", "Image")

    root = Collection.objects.filter(depth=1).order_by("path").first()
    if root is None:
        root = Collection.objects.create(name="Root", path=_step(1), depth=1, numchild=0)
    children = Collection.objects.filter(depth=2, path__startswith=root.path)
    last = max((_number(c.path[STEPLEN:]) for c in children), default=0)
    owned = set(AdministrationCollection.objects.values_list("administration_id", flat=True))
    wanted = [(None, "Regional")]
    wanted += list(Administration.objects.order_by("code").values_list("pk", "code"))
    regional = AdministrationCollection.objects.filter(administration_id=None).first()
    for owner, name in wanted:
        if owner in owned:
            continue
        last += 1
        collection = Collection.objects.create(
            name=name, path=root.path + _step(last), depth=2, numchild=0
        )
        row = AdministrationCollection.objects.create(
            collection=collection, administration_id=owner
        )
        if owner is None:
            regional = row
    root.numchild = Collection.objects.filter(depth=2, path__startswith=root.path).count()
    root.save(update_fields=["numchild"])
    for model in (Document, Image):
        model.objects.filter(collection=root).update(collection_id=regional.collection_id)


class Migration(migrations.Migration):
    dependencies = [
        ("courses", "0002_administration_collections"),
        ("accounts", "0001_initial"),
        ("wagtailcore", "0098_apitoken"),
        ("wagtaildocs", "0014_alter_document_file_size"),
        ("wagtailimages", "0027_image_description"),
    ]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]

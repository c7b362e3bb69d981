from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_time_zones"),
    ]

    operations = [
        migrations.CreateModel(
            name="BudgetCount",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("key", models.CharField(max_length=200, unique=True)),
                ("count", models.PositiveIntegerField(default=0)),
                ("started_at", models.FloatField()),
                ("expires_at", models.FloatField(db_index=True)),
            ],
        ),
    ]

"""The audit log's model now belongs to the `audit` app."""

from django.db import migrations

MOVED = {"auditentry"}


def move_content_types(apps, schema_editor):
    """Permissions and content types follow the models to their new app."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.filter(app_label="deliberate", model__in=MOVED).update(app_label="audit")


def unmove_content_types(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.filter(app_label="audit", model__in=MOVED).update(app_label="deliberate")


class Migration(migrations.Migration):
    dependencies = [
        ("deliberate", "0002_audit"),
        ("audit", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        # State only: the tables stay where they are, under the names they had.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(
                    name="AuditEntry",
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(move_content_types, unmove_content_types),
    ]

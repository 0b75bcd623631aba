"""The roadmap's and the debates' models now belong to their own apps (`roadmap`, `debates`)."""

from django.db import migrations

MOVED = {
    "roadmap": [
        "roadmap",
        "roadmapversion",
        "item",
        "versionitem",
        "contribution",
        "contributionrevision",
        "support",
        "edition",
    ],
    "debates": [
        "debate",
        "message",
        "messagerevision",
        "reaction",
        "flag",
        "moderationentry",
        "livesession",
        "agendapoint",
        "speakerrequest",
    ],
}


def move_content_types(apps, schema_editor):
    """Permissions and content types follow the models to their new apps."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    for app, models in MOVED.items():
        ContentType.objects.filter(app_label="assemblies", model__in=models).update(app_label=app)


def unmove_content_types(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for app, models in MOVED.items():
        ContentType.objects.filter(app_label=app, model__in=models).update(app_label="assemblies")


class Migration(migrations.Migration):
    dependencies = [
        ("assemblies", "0005_editions"),
        ("roadmap", "0001_initial"),
        ("debates", "0001_initial"),
        ("polls", "0003_contributions_in_roadmap"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        # State only: the tables stay where they are, under the names they had.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(
                    model_name="livesession",
                    name="current_point",
                ),
                migrations.RemoveField(
                    model_name="contribution",
                    name="author",
                ),
                migrations.RemoveField(
                    model_name="contribution",
                    name="base_version",
                ),
                migrations.RemoveField(
                    model_name="contribution",
                    name="space",
                ),
                migrations.RemoveField(
                    model_name="contribution",
                    name="target_item",
                ),
                migrations.RemoveField(
                    model_name="contribution",
                    name="target_proposal",
                ),
                migrations.RemoveField(
                    model_name="contributionrevision",
                    name="contribution",
                ),
                migrations.RemoveField(
                    model_name="roadmapversion",
                    name="contribution",
                ),
                migrations.RemoveField(
                    model_name="support",
                    name="contribution",
                ),
                migrations.RemoveField(
                    model_name="contributionrevision",
                    name="base_version",
                ),
                migrations.RemoveField(
                    model_name="debate",
                    name="assembly",
                ),
                migrations.RemoveField(
                    model_name="debate",
                    name="space",
                ),
                migrations.RemoveField(
                    model_name="message",
                    name="debate",
                ),
                migrations.RemoveField(
                    model_name="edition",
                    name="published_by",
                ),
                migrations.RemoveField(
                    model_name="edition",
                    name="roadmap",
                ),
                migrations.RemoveField(
                    model_name="edition",
                    name="version",
                ),
                migrations.RemoveField(
                    model_name="flag",
                    name="message",
                ),
                migrations.RemoveField(
                    model_name="flag",
                    name="user",
                ),
                migrations.RemoveField(
                    model_name="item",
                    name="roadmap",
                ),
                migrations.RemoveField(
                    model_name="item",
                    name="space",
                ),
                migrations.RemoveField(
                    model_name="versionitem",
                    name="item",
                ),
                migrations.RemoveField(
                    model_name="livesession",
                    name="assembly",
                ),
                migrations.RemoveField(
                    model_name="livesession",
                    name="chair",
                ),
                migrations.RemoveField(
                    model_name="speakerrequest",
                    name="session",
                ),
                migrations.RemoveField(
                    model_name="message",
                    name="author",
                ),
                migrations.RemoveField(
                    model_name="message",
                    name="hidden_by",
                ),
                migrations.RemoveField(
                    model_name="message",
                    name="reply_to",
                ),
                migrations.RemoveField(
                    model_name="message",
                    name="thread",
                ),
                migrations.RemoveField(
                    model_name="messagerevision",
                    name="message",
                ),
                migrations.RemoveField(
                    model_name="reaction",
                    name="message",
                ),
                migrations.RemoveField(
                    model_name="moderationentry",
                    name="message",
                ),
                migrations.RemoveField(
                    model_name="moderationentry",
                    name="actor",
                ),
                migrations.RemoveField(
                    model_name="moderationentry",
                    name="assembly",
                ),
                migrations.RemoveField(
                    model_name="moderationentry",
                    name="target",
                ),
                migrations.RemoveField(
                    model_name="reaction",
                    name="user",
                ),
                migrations.RemoveField(
                    model_name="roadmap",
                    name="assembly",
                ),
                migrations.RemoveField(
                    model_name="roadmap",
                    name="head",
                ),
                migrations.RemoveField(
                    model_name="roadmapversion",
                    name="roadmap",
                ),
                migrations.RemoveField(
                    model_name="roadmapversion",
                    name="created_by",
                ),
                migrations.RemoveField(
                    model_name="roadmapversion",
                    name="parent",
                ),
                migrations.RemoveField(
                    model_name="versionitem",
                    name="version",
                ),
                migrations.RemoveField(
                    model_name="speakerrequest",
                    name="user",
                ),
                migrations.RemoveField(
                    model_name="support",
                    name="user",
                ),
                migrations.RemoveField(
                    model_name="versionitem",
                    name="space",
                ),
                migrations.DeleteModel(
                    name="AgendaPoint",
                ),
                migrations.DeleteModel(
                    name="Contribution",
                ),
                migrations.DeleteModel(
                    name="ContributionRevision",
                ),
                migrations.DeleteModel(
                    name="Debate",
                ),
                migrations.DeleteModel(
                    name="Edition",
                ),
                migrations.DeleteModel(
                    name="Flag",
                ),
                migrations.DeleteModel(
                    name="Item",
                ),
                migrations.DeleteModel(
                    name="LiveSession",
                ),
                migrations.DeleteModel(
                    name="MessageRevision",
                ),
                migrations.DeleteModel(
                    name="Message",
                ),
                migrations.DeleteModel(
                    name="ModerationEntry",
                ),
                migrations.DeleteModel(
                    name="Reaction",
                ),
                migrations.DeleteModel(
                    name="Roadmap",
                ),
                migrations.DeleteModel(
                    name="RoadmapVersion",
                ),
                migrations.DeleteModel(
                    name="SpeakerRequest",
                ),
                migrations.DeleteModel(
                    name="Support",
                ),
                migrations.DeleteModel(
                    name="VersionItem",
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(move_content_types, unmove_content_types),
    ]

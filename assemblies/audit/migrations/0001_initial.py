"""The audit log's model, moved from the `deliberate` app when the apps were split by role."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("assemblies", "0005_editions"),
        ("deliberate", "0002_audit"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # State only: the tables stay where they are, under the names they had.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="AuditEntry",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("number", models.PositiveIntegerField()),
                        (
                            "action",
                            models.CharField(
                                choices=[
                                    ("assembly.create", "Created the assembly"),
                                    ("member.invite", "Invited someone"),
                                    (
                                        "member.invitation_revoke",
                                        "Withdrew an invitation",
                                    ),
                                    ("member.role", "Changed a member's role"),
                                    ("member.remove", "Removed a member"),
                                    ("member.join_link_create", "Made a join link"),
                                    ("member.join_link_revoke", "Revoked a join link"),
                                    (
                                        "member.join_request_accept",
                                        "Accepted a request to join",
                                    ),
                                    (
                                        "member.join_request_refuse",
                                        "Declined a request to join",
                                    ),
                                    ("space.create", "Created a space"),
                                    ("space.phase", "Changed the phase of a space"),
                                    ("roadmap.import", "Imported the roadmap"),
                                    (
                                        "roadmap.edit",
                                        "Made an editorial change to the roadmap",
                                    ),
                                    (
                                        "contribution.table",
                                        "Tabled a text for decision",
                                    ),
                                    (
                                        "contribution.adopt",
                                        "Recorded the adoption of a text",
                                    ),
                                    (
                                        "contribution.reject",
                                        "Recorded the rejection of a text",
                                    ),
                                    ("poll.create", "Tabled a poll"),
                                    ("poll.open", "Opened a poll"),
                                    ("poll.close", "Closed a poll"),
                                    ("moderation.hide", "Hid a message"),
                                    ("moderation.restore", "Restored a message"),
                                    ("moderation.mute", "Muted a member"),
                                    ("moderation.unmute", "Unmuted a member"),
                                    ("session.start", "Started a live session"),
                                    ("session.floor", "Gave the floor"),
                                    (
                                        "session.move",
                                        "Moved a live session to another point",
                                    ),
                                    ("session.end", "Ended a live session"),
                                ],
                                max_length=40,
                            ),
                        ),
                        ("target", models.CharField(blank=True, max_length=100)),
                        ("target_label", models.CharField(blank=True, max_length=300)),
                        ("details", models.JSONField(blank=True, default=dict)),
                        ("created_at", models.DateTimeField()),
                        ("document", models.BinaryField()),
                        ("entry_hash", models.CharField(max_length=64, unique=True)),
                        ("previous_hash", models.CharField(blank=True, max_length=64)),
                        (
                            "actor",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "assembly",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="audit_log",
                                to="assemblies.assembly",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name_plural": "audit entries",
                        "db_table": "deliberate_auditentry",
                        "ordering": ["assembly", "-number"],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("assembly", "number"),
                                name="audit_entry_number_unique",
                            ),
                            models.CheckConstraint(
                                condition=models.Q(("number__gte", 1)),
                                name="audit_entry_number_positive",
                            ),
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]

"""The debates' models, moved from the `assemblies` app when the apps were split by role."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("assemblies", "0005_editions"),
        ("roadmap", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # State only: the tables stay where they are, under the names they had.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Debate",
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
                        ("subject_key", models.CharField(max_length=40, unique=True)),
                        ("created_at", models.DateTimeField()),
                        (
                            "assembly",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="debates",
                                to="assemblies.assembly",
                            ),
                        ),
                        (
                            "space",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="debates",
                                to="assemblies.space",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "assemblies_debate",
                        "ordering": ["assembly", "pk"],
                    },
                ),
                migrations.CreateModel(
                    name="AgendaPoint",
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
                        ("position", models.PositiveIntegerField()),
                        ("title", models.CharField(max_length=300)),
                        (
                            "debate",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="debates.debate",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "assemblies_agendapoint",
                        "ordering": ["session", "position"],
                    },
                ),
                migrations.CreateModel(
                    name="LiveSession",
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
                        (
                            "title",
                            models.CharField(max_length=200, verbose_name="title"),
                        ),
                        (
                            "speaking_seconds",
                            models.PositiveIntegerField(default=120, verbose_name="speaking time, in seconds"),
                        ),
                        ("started_at", models.DateTimeField()),
                        ("ended_at", models.DateTimeField(blank=True, null=True)),
                        (
                            "assembly",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="live_sessions",
                                to="assemblies.assembly",
                            ),
                        ),
                        (
                            "chair",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "current_point",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to="debates.agendapoint",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "assemblies_livesession",
                        "ordering": ["-started_at"],
                    },
                ),
                migrations.AddField(
                    model_name="agendapoint",
                    name="session",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="agenda",
                        to="debates.livesession",
                    ),
                ),
                migrations.CreateModel(
                    name="Message",
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
                        (
                            "text",
                            models.TextField(max_length=5000, verbose_name="message"),
                        ),
                        (
                            "stance",
                            models.CharField(
                                blank=True,
                                choices=[
                                    ("", "No stance"),
                                    ("for", "For"),
                                    ("against", "Against"),
                                    ("question", "Question"),
                                    ("information", "Information"),
                                ],
                                default="",
                                max_length=12,
                                verbose_name="stance",
                            ),
                        ),
                        ("created_at", models.DateTimeField()),
                        ("edited_at", models.DateTimeField(blank=True, null=True)),
                        ("deleted_at", models.DateTimeField(blank=True, null=True)),
                        ("hidden_at", models.DateTimeField(blank=True, null=True)),
                        ("hidden_reason", models.CharField(blank=True, max_length=300)),
                        ("changed_at", models.DateTimeField(db_index=True)),
                        ("agree_count", models.PositiveIntegerField(default=0)),
                        ("disagree_count", models.PositiveIntegerField(default=0)),
                        (
                            "author",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="debate_messages",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "debate",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="messages",
                                to="debates.debate",
                            ),
                        ),
                        (
                            "hidden_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "reply_to",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="replies",
                                to="debates.message",
                            ),
                        ),
                        (
                            "thread",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to="debates.message",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "assemblies_message",
                        "ordering": ["debate", "pk"],
                    },
                ),
                migrations.CreateModel(
                    name="Flag",
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
                        ("reason", models.CharField(blank=True, max_length=300)),
                        ("created_at", models.DateTimeField()),
                        (
                            "user",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "message",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="flags",
                                to="debates.message",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "assemblies_flag",
                        "ordering": ["message", "created_at"],
                    },
                ),
                migrations.CreateModel(
                    name="MessageRevision",
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
                        ("text", models.TextField(max_length=5000)),
                        (
                            "stance",
                            models.CharField(
                                blank=True,
                                choices=[
                                    ("", "No stance"),
                                    ("for", "For"),
                                    ("against", "Against"),
                                    ("question", "Question"),
                                    ("information", "Information"),
                                ],
                                max_length=12,
                            ),
                        ),
                        ("written_at", models.DateTimeField()),
                        ("replaced_at", models.DateTimeField()),
                        (
                            "message",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="revisions",
                                to="debates.message",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "assemblies_messagerevision",
                        "ordering": ["message", "number"],
                    },
                ),
                migrations.CreateModel(
                    name="ModerationEntry",
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
                                    ("hide", "Hid a message"),
                                    ("restore", "Restored a message"),
                                    ("mute", "Muted a member"),
                                    ("unmute", "Unmuted a member"),
                                ],
                                max_length=8,
                            ),
                        ),
                        ("reason", models.CharField(blank=True, max_length=300)),
                        ("until", models.DateTimeField(blank=True, null=True)),
                        ("created_at", models.DateTimeField()),
                        ("document", models.BinaryField()),
                        ("entry_hash", models.CharField(max_length=64, unique=True)),
                        ("previous_hash", models.CharField(blank=True, max_length=64)),
                        (
                            "actor",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "assembly",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="moderation_log",
                                to="assemblies.assembly",
                            ),
                        ),
                        (
                            "message",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.RESTRICT,
                                related_name="moderation",
                                to="debates.message",
                            ),
                        ),
                        (
                            "target",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "verbose_name_plural": "moderation entries",
                        "db_table": "assemblies_moderationentry",
                        "ordering": ["assembly", "-number"],
                    },
                ),
                migrations.CreateModel(
                    name="Reaction",
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
                        (
                            "kind",
                            models.CharField(
                                choices=[("agree", "Agree"), ("disagree", "Disagree")],
                                max_length=10,
                            ),
                        ),
                        ("created_at", models.DateTimeField()),
                        (
                            "message",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="reactions",
                                to="debates.message",
                            ),
                        ),
                        (
                            "user",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "db_table": "assemblies_reaction",
                        "ordering": ["message", "created_at"],
                    },
                ),
                migrations.CreateModel(
                    name="SpeakerRequest",
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
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("waiting", "Waiting"),
                                    ("speaking", "Speaking"),
                                    ("done", "Spoke"),
                                    ("withdrawn", "Withdrawn"),
                                ],
                                default="waiting",
                                max_length=10,
                            ),
                        ),
                        ("raised_at", models.DateTimeField()),
                        ("given_at", models.DateTimeField(blank=True, null=True)),
                        ("ended_at", models.DateTimeField(blank=True, null=True)),
                        (
                            "session",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="speaker_requests",
                                to="debates.livesession",
                            ),
                        ),
                        (
                            "user",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "db_table": "assemblies_speakerrequest",
                        "ordering": ["session", "raised_at", "pk"],
                    },
                ),
                migrations.AddConstraint(
                    model_name="debate",
                    constraint=models.CheckConstraint(
                        condition=models.Q(
                            (
                                "subject_key__regex",
                                "^(space|item|contribution|poll):[0-9]+$",
                            )
                        ),
                        name="debate_subject_key_form",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="livesession",
                    constraint=models.CheckConstraint(
                        condition=models.Q(
                            ("speaking_seconds__gte", 15),
                            ("speaking_seconds__lte", 3600),
                        ),
                        name="session_speaking_time_in_range",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="agendapoint",
                    constraint=models.UniqueConstraint(fields=("session", "position"), name="agenda_position_unique"),
                ),
                migrations.AddConstraint(
                    model_name="agendapoint",
                    constraint=models.UniqueConstraint(fields=("session", "debate"), name="agenda_debate_once"),
                ),
                migrations.AddIndex(
                    model_name="message",
                    index=models.Index(
                        fields=["debate", "thread", "id"],
                        name="message_debate_thread_id",
                    ),
                ),
                migrations.AddIndex(
                    model_name="message",
                    index=models.Index(fields=["author", "created_at"], name="message_author_created"),
                ),
                migrations.AddConstraint(
                    model_name="message",
                    constraint=models.CheckConstraint(
                        condition=models.Q(("pk", models.F("reply_to")), _negated=True),
                        name="message_not_reply_to_itself",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="message",
                    constraint=models.CheckConstraint(
                        condition=models.Q(
                            ("hidden_at__isnull", True),
                            models.Q(("hidden_reason", ""), _negated=True),
                            _connector="OR",
                        ),
                        name="hidden_message_has_reason",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="flag",
                    constraint=models.UniqueConstraint(fields=("message", "user"), name="one_flag_per_person"),
                ),
                migrations.AddConstraint(
                    model_name="messagerevision",
                    constraint=models.UniqueConstraint(
                        fields=("message", "number"),
                        name="message_revision_number_unique",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="moderationentry",
                    constraint=models.UniqueConstraint(
                        fields=("assembly", "number"),
                        name="moderation_entry_number_unique",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="moderationentry",
                    constraint=models.CheckConstraint(
                        condition=models.Q(("number__gte", 1)),
                        name="moderation_entry_number_positive",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="reaction",
                    constraint=models.UniqueConstraint(
                        fields=("message", "user", "kind"),
                        name="one_reaction_of_a_kind",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="speakerrequest",
                    constraint=models.UniqueConstraint(
                        condition=models.Q(("status__in", ["waiting", "speaking"])),
                        fields=("session", "user"),
                        name="one_raised_hand_per_person",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="speakerrequest",
                    constraint=models.UniqueConstraint(
                        condition=models.Q(("status", "speaking")),
                        fields=("session",),
                        name="one_speaker_at_a_time",
                    ),
                ),
            ],
            database_operations=[],
        ),
    ]

"""The roadmap's models, moved from the `assemblies` app when the apps were split by role."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("assemblies", "0005_editions"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # State only: the tables stay where they are, under the names they had.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Item",
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
                        ("ref", models.CharField(max_length=20)),
                        (
                            "space",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="items",
                                to="assemblies.space",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "assemblies_item",
                        "ordering": ["roadmap", "ref"],
                    },
                ),
                migrations.CreateModel(
                    name="Contribution",
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
                                choices=[
                                    ("proposal", "Proposal"),
                                    ("amendment", "Amendment"),
                                ],
                                max_length=10,
                            ),
                        ),
                        (
                            "title",
                            models.CharField(blank=True, max_length=200, verbose_name="title"),
                        ),
                        ("text", models.TextField(blank=True, verbose_name="text")),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("open", "Open"),
                                    ("tabled", "Tabled for decision"),
                                    ("withdrawn", "Withdrawn"),
                                    ("adopted", "Adopted"),
                                    ("rejected", "Rejected"),
                                ],
                                default="open",
                                max_length=10,
                            ),
                        ),
                        (
                            "change",
                            models.CharField(
                                blank=True,
                                choices=[
                                    ("edit", "Change the text"),
                                    ("replace", "Replace the text"),
                                    ("delete", "Delete the item"),
                                ],
                                max_length=8,
                            ),
                        ),
                        (
                            "base_revision",
                            models.PositiveIntegerField(blank=True, null=True),
                        ),
                        ("base_text", models.TextField(blank=True)),
                        ("revision", models.PositiveIntegerField(default=1)),
                        ("created_at", models.DateTimeField()),
                        ("updated_at", models.DateTimeField()),
                        ("tabled_at", models.DateTimeField(blank=True, null=True)),
                        ("decided_at", models.DateTimeField(blank=True, null=True)),
                        ("decision_note", models.TextField(blank=True)),
                        (
                            "submission_key",
                            models.CharField(max_length=64, unique=True),
                        ),
                        (
                            "author",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="contributions",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "space",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="contributions",
                                to="assemblies.space",
                            ),
                        ),
                        (
                            "target_proposal",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="amendments",
                                to="roadmap.contribution",
                            ),
                        ),
                        (
                            "target_item",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="amendments",
                                to="roadmap.item",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "assemblies_contribution",
                        "ordering": ["-created_at"],
                    },
                ),
                migrations.CreateModel(
                    name="Roadmap",
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
                        ("title", models.CharField(max_length=300)),
                        (
                            "assembly",
                            models.OneToOneField(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="roadmap",
                                to="assemblies.assembly",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "assemblies_roadmap",
                    },
                ),
                migrations.AddField(
                    model_name="item",
                    name="roadmap",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="items",
                        to="roadmap.roadmap",
                    ),
                ),
                migrations.CreateModel(
                    name="RoadmapVersion",
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
                            "kind",
                            models.CharField(
                                choices=[
                                    ("import", "Import"),
                                    ("amendment", "Adopted amendment"),
                                    ("proposal", "Adopted proposal"),
                                    ("priorities", "Priorities poll"),
                                    ("editorial", "Editorial change"),
                                ],
                                max_length=12,
                            ),
                        ),
                        ("created_at", models.DateTimeField()),
                        ("reason", models.TextField(blank=True)),
                        ("document", models.BinaryField()),
                        ("content_hash", models.CharField(max_length=64, unique=True)),
                        ("parent_hash", models.CharField(blank=True, max_length=64)),
                        ("poll_ref", models.CharField(blank=True, max_length=80)),
                        (
                            "contribution",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="adopted_versions",
                                to="roadmap.contribution",
                            ),
                        ),
                        (
                            "created_by",
                            models.ForeignKey(
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "parent",
                            models.OneToOneField(
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="child",
                                to="roadmap.roadmapversion",
                            ),
                        ),
                        (
                            "roadmap",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="versions",
                                to="roadmap.roadmap",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "assemblies_roadmapversion",
                        "ordering": ["roadmap", "number"],
                    },
                ),
                migrations.AddField(
                    model_name="roadmap",
                    name="head",
                    field=models.OneToOneField(
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="roadmap.roadmapversion",
                    ),
                ),
                migrations.CreateModel(
                    name="Edition",
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
                        ("name", models.CharField(max_length=120, verbose_name="name")),
                        (
                            "slug",
                            models.SlugField(max_length=80, verbose_name="short name in addresses"),
                        ),
                        (
                            "notes",
                            models.TextField(blank=True, verbose_name="release notes"),
                        ),
                        ("published_at", models.DateTimeField()),
                        (
                            "published_by",
                            models.ForeignKey(
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "roadmap",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="editions",
                                to="roadmap.roadmap",
                            ),
                        ),
                        (
                            "version",
                            models.OneToOneField(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="edition",
                                to="roadmap.roadmapversion",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "assemblies_edition",
                        "ordering": ["roadmap", "-published_at", "-pk"],
                    },
                ),
                migrations.CreateModel(
                    name="ContributionRevision",
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
                        ("title", models.CharField(blank=True, max_length=200)),
                        ("text", models.TextField(blank=True)),
                        ("base_text", models.TextField(blank=True)),
                        ("note", models.CharField(blank=True, max_length=200)),
                        ("created_at", models.DateTimeField()),
                        (
                            "contribution",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="revisions",
                                to="roadmap.contribution",
                            ),
                        ),
                        (
                            "base_version",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="roadmap.roadmapversion",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "assemblies_contributionrevision",
                        "ordering": ["contribution", "number"],
                    },
                ),
                migrations.AddField(
                    model_name="contribution",
                    name="base_version",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="roadmap.roadmapversion",
                    ),
                ),
                migrations.CreateModel(
                    name="Support",
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
                        ("created_at", models.DateTimeField()),
                        (
                            "contribution",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="supports",
                                to="roadmap.contribution",
                            ),
                        ),
                        (
                            "user",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="supports",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "db_table": "assemblies_support",
                        "ordering": ["created_at"],
                    },
                ),
                migrations.CreateModel(
                    name="VersionItem",
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
                        ("text", models.TextField()),
                        (
                            "priority",
                            models.PositiveIntegerField(blank=True, null=True),
                        ),
                        (
                            "item",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="versions",
                                to="roadmap.item",
                            ),
                        ),
                        (
                            "space",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="assemblies.space",
                            ),
                        ),
                        (
                            "version",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="version_items",
                                to="roadmap.roadmapversion",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "assemblies_versionitem",
                        "ordering": ["version", "position"],
                    },
                ),
                migrations.AddConstraint(
                    model_name="item",
                    constraint=models.UniqueConstraint(fields=("roadmap", "ref"), name="item_ref_unique_in_roadmap"),
                ),
                migrations.AddConstraint(
                    model_name="roadmapversion",
                    constraint=models.UniqueConstraint(fields=("roadmap", "number"), name="version_number_unique"),
                ),
                migrations.AddConstraint(
                    model_name="roadmapversion",
                    constraint=models.UniqueConstraint(fields=("contribution",), name="contribution_adopted_once"),
                ),
                migrations.AddConstraint(
                    model_name="roadmapversion",
                    constraint=models.CheckConstraint(
                        condition=models.Q(("number__gte", 1)),
                        name="version_number_positive",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="edition",
                    constraint=models.UniqueConstraint(
                        fields=("roadmap", "slug"),
                        name="edition_slug_unique_in_roadmap",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="edition",
                    constraint=models.UniqueConstraint(
                        fields=("roadmap", "name"),
                        name="edition_name_unique_in_roadmap",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="contributionrevision",
                    constraint=models.UniqueConstraint(
                        fields=("contribution", "number"), name="revision_number_unique"
                    ),
                ),
                migrations.AddConstraint(
                    model_name="contribution",
                    constraint=models.CheckConstraint(
                        condition=models.Q(
                            models.Q(
                                ("change", ""),
                                ("kind", "proposal"),
                                ("target_item__isnull", True),
                                ("target_proposal__isnull", True),
                            ),
                            models.Q(
                                ("kind", "amendment"),
                                ("target_item__isnull", False),
                                ("target_proposal__isnull", True),
                            ),
                            models.Q(
                                ("kind", "amendment"),
                                ("target_item__isnull", True),
                                ("target_proposal__isnull", False),
                            ),
                            _connector="OR",
                        ),
                        name="amendment_has_exactly_one_target",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="support",
                    constraint=models.UniqueConstraint(fields=("contribution", "user"), name="one_support_per_person"),
                ),
                migrations.AddConstraint(
                    model_name="versionitem",
                    constraint=models.UniqueConstraint(fields=("version", "item"), name="item_once_per_version"),
                ),
            ],
            database_operations=[],
        ),
    ]

"""`verify_roadmap` passes on an untouched history and names an edit made directly in the database."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from assemblies.roadmap.models import Item, RoadmapVersion, VersionItem
from assemblies.roadmap.services import roadmap
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def assembly():
    convenor = factories.user("Amara")
    created = factories.assembly(convenor, roadmap_text=factories.SMALL_ROADMAP)
    item = Item.objects.get(roadmap__assembly=created, ref="DIG-1")
    roadmap.edit_item(item=item, text="A clearer first item.", by=convenor, reason="clarity", now=timezone.now())
    return created


def run(slug):
    out, err = StringIO(), StringIO()
    call_command("verify_roadmap", assembly=slug, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_an_untouched_history_verifies(assembly):
    out, _ = run(assembly.slug)
    assert "2 versions verify" in out


def test_an_edited_document_is_detected(assembly):
    first = RoadmapVersion.objects.get(roadmap__assembly=assembly, number=1)
    tampered = bytes(first.document).replace(b"Develop and formalise", b"Abandon and forget")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE assemblies_roadmapversion SET document = %s WHERE id = %s", [tampered, first.pk])
    with pytest.raises(CommandError):
        run(assembly.slug)


def test_an_edited_item_row_is_detected(assembly):
    row = VersionItem.objects.filter(version__roadmap__assembly=assembly, version__number=2).first()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE assemblies_versionitem SET text = %s WHERE id = %s", ["Forged text.", row.pk])
    with pytest.raises(CommandError, match="problem"):
        run(assembly.slug)

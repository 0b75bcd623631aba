"""`load_demo` builds the demo assembly with its history, and running it twice changes nothing."""

from io import StringIO

import pytest
from django.core.management import call_command

from assemblies.models import Assembly, Contribution, RoadmapVersion
from assemblies.services import roadmap
from deliberate.models import User


@pytest.mark.smoke
@pytest.mark.django_db
def test_load_demo_is_idempotent_and_shows_the_loop():
    out = StringIO()
    call_command("load_demo", stdout=out)
    assert "convenor@demo.deliberate.test" in out.getvalue()
    def counts():
        from polls.models import BoardLine, Poll

        return [m.objects.count() for m in (User, Assembly, Contribution, RoadmapVersion, Poll, BoardLine)]

    before = counts()
    call_command("load_demo", stdout=StringIO())
    assert counts() == before

    assembly = Assembly.objects.get(slug="sse-forum")
    versions = list(RoadmapVersion.objects.filter(roadmap__assembly=assembly).order_by("number"))
    assert [v.kind for v in versions[:3]] == ["import", "amendment", "editorial"]
    statuses = set(Contribution.objects.filter(space__assembly=assembly).values_list("status", flat=True))
    assert {"adopted", "rejected", "open"} <= statuses
    from polls.models import Poll

    assert set(Poll.objects.filter(assembly=assembly).values_list("status", flat=True)) == {"open", "closed"}
    in_conflict = [c for c in Contribution.objects.filter(space__assembly=assembly, kind="amendment", status="open") if c.target_item_id and roadmap.conflict_of(c)]
    assert in_conflict, "the demo shows an amendment in conflict"

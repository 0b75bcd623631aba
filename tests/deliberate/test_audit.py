"""The audit log: every convenor, moderator and administrator act is recorded once, with who, what, on
what and when, in an append-only hash chain per assembly that `verify_audit` re-checks; votes never are."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections
from django.utils import timezone

from assemblies.audit import services as audit
from assemblies.audit.models import AuditEntry
from assemblies.debates.models import ModerationEntry
from assemblies.debates.services import debates, live_sessions
from assemblies.membership.models import Assembly, JoinRequest, Role
from assemblies.membership.services import membership, spaces
from assemblies.membership.services.membership import LastConvenor
from assemblies.roadmap.models import Item
from assemblies.roadmap.services import contributions, roadmap
from tests import factories
from tests.polls import pollkit

pytestmark = pytest.mark.django_db
A = AuditEntry.Action


def log(assembly) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(assembly=assembly).order_by("number"))


def actions(assembly) -> list[str]:
    return [entry.action for entry in log(assembly)]


def verify(*args):
    call_command("verify_audit", *args)


# What is recorded ---------------------------------------------------------------------------------------


def test_membership_acts_are_recorded_with_who_what_and_on_whom():
    convenor, ana, kofi = factories.user("Amara"), factories.user("Ana"), factories.user("Kofi")
    now = timezone.now()
    assembly = membership.create_assembly(name="Forum", creator=convenor, now=now)
    invitation, token = membership.invite(
        assembly=assembly, by=convenor, email="zoe@example.org", role=Role.MODERATOR, now=now
    )
    membership.revoke_invitation(invitation=invitation, by=convenor, now=now)
    membership.revoke_invitation(invitation=invitation, by=convenor, now=now)  # already revoked: nothing to record
    link = membership.create_join_link(assembly=assembly, by=convenor, now=now)
    membership.join_by_link(token=link.token, user=ana, now=now)  # a member's own act: not recorded
    membership.revoke_join_link(link=link, by=convenor, now=now)
    request = membership.request_to_join(assembly=assembly, user=kofi, now=now)
    membership.decide_join_request(join_request=request, by=convenor, accept=True, now=now)
    membership.set_role(assembly=assembly, by=convenor, member=ana, role=Role.MODERATOR, now=now)
    membership.set_role(assembly=assembly, by=convenor, member=ana, role=Role.MODERATOR, now=now)  # no change
    membership.remove_member(assembly=assembly, by=convenor, member=kofi, now=now)

    assert actions(assembly) == [
        A.ASSEMBLY_CREATE,
        A.MEMBER_INVITE,
        A.INVITATION_REVOKE,
        A.JOIN_LINK_CREATE,
        A.JOIN_LINK_REVOKE,
        A.JOIN_REQUEST_ACCEPT,
        A.MEMBER_ROLE,
        A.MEMBER_REMOVE,
    ]
    entries = {entry.action: entry for entry in log(assembly)}
    assert all(entry.actor == convenor for entry in entries.values())
    assert entries[A.MEMBER_INVITE].target_label == "zoe@example.org"
    assert entries[A.MEMBER_INVITE].details == {"role": "moderator"}
    assert entries[A.JOIN_REQUEST_ACCEPT].target == f"join_request:{request.pk}"
    assert entries[A.JOIN_REQUEST_ACCEPT].target_label == "Kofi"
    assert entries[A.MEMBER_ROLE].target == f"user:{ana.pk}"
    assert entries[A.MEMBER_ROLE].details == {"from": "member", "to": "moderator"}
    assert entries[A.MEMBER_REMOVE].target_label == "Kofi"
    assert entries[A.MEMBER_REMOVE].created_at == now
    verify()


def test_a_declined_join_request_is_recorded_as_declined():
    convenor, kofi = factories.user("Amara"), factories.user("Kofi")
    assembly = factories.assembly(convenor)
    request = membership.request_to_join(assembly=assembly, user=kofi, now=timezone.now())
    membership.decide_join_request(join_request=request, by=convenor, accept=False, now=timezone.now())
    assert actions(assembly)[-1] == A.JOIN_REQUEST_REFUSE
    assert JoinRequest.objects.get(pk=request.pk).status == JoinRequest.Status.REFUSED


def test_a_refused_change_leaves_no_entry():
    convenor = factories.user("Amara")
    assembly = factories.assembly(convenor)
    before = actions(assembly)
    with pytest.raises(LastConvenor):
        membership.set_role(assembly=assembly, by=convenor, member=convenor, role=Role.MEMBER, now=timezone.now())
    assert actions(assembly) == before


def test_roadmap_import_spaces_phases_and_editorial_edits_are_recorded():
    convenor = factories.user("Amara")
    assembly = factories.assembly(convenor, roadmap_text=factories.SMALL_ROADMAP)
    space = assembly.spaces.get(code="DIG")
    spaces.set_phase(space=space, by=convenor, phase="deliberation", now=timezone.now())
    spaces.set_phase(space=space, by=convenor, phase="drafting", now=timezone.now())
    item = (
        Item.objects.filter(roadmap__assembly=assembly, ref="DIG-1").select_related("space__assembly", "roadmap").get()
    )
    version = roadmap.edit_item(item=item, text="A clearer first item.", by=convenor, reason="typo", now=timezone.now())

    assert actions(assembly) == [
        A.ASSEMBLY_CREATE,
        A.SPACE_CREATE,
        A.SPACE_CREATE,
        A.ROADMAP_IMPORT,
        A.SPACE_PHASE,
        A.SPACE_PHASE,
        A.ROADMAP_EDIT,
    ]
    entries = log(assembly)
    assert [e.target for e in entries[1:3]] == ["space:DIG", "space:POL"]
    assert entries[3].target == "version:1" and entries[3].details["items"] == 5 and entries[3].details["spaces"] == 2
    assert entries[4].details == {"from": "drafting", "to": "deliberation"}
    assert entries[6].target == f"version:{version.number}"
    assert entries[6].details == {"item": "DIG-1", "reason": "typo"}


def test_an_import_from_the_command_line_is_recorded_as_the_system():
    convenor = factories.user("Amara")
    assembly = factories.assembly(convenor)
    roadmap.import_roadmap(assembly=assembly, text=factories.SMALL_ROADMAP, by=None, now=timezone.now())
    entry = log(assembly)[-1]
    assert entry.action == A.ROADMAP_IMPORT and entry.actor is None


def test_tabling_and_a_convenors_recorded_decisions_are_recorded():
    convenor, ana = factories.user("Amara"), factories.user("Ana")
    assembly = factories.assembly(convenor, members=[(ana, Role.MEMBER)], roadmap_text=factories.SMALL_ROADMAP)
    item = (
        Item.objects.filter(roadmap__assembly=assembly, ref="DIG-2").select_related("space__assembly", "roadmap").get()
    )
    first = factories.amend(ana, item, "A better second item.")
    second = factories.amend(ana, item, "Another second item.")
    contributions.withdraw(contribution=factories.amend(ana, item, "Never mind."), by=ana, now=timezone.now())
    for text in (first, second):
        contributions.table(contribution=text, by=convenor, now=timezone.now())
    version = roadmap.adopt(
        contribution=first, decision={"note": "agreed at the meeting"}, by=convenor, now=timezone.now()
    )
    roadmap.reject(contribution=second, decision={"note": "superseded"}, by=convenor, now=timezone.now())

    entries = [e for e in log(assembly) if e.action.startswith("contribution.")]
    assert [e.action for e in entries] == [
        A.CONTRIBUTION_TABLE,
        A.CONTRIBUTION_TABLE,
        A.CONTRIBUTION_ADOPT,
        A.CONTRIBUTION_REJECT,
    ]
    assert entries[2].target == f"contribution:{first.pk}"
    assert entries[2].details == {"version": version.number, "note": "agreed at the meeting"}
    assert entries[3].details == {"note": "superseded"}


def test_polls_record_creation_opening_and_closing_but_never_who_voted():
    assembly, convenor, members, _observer = pollkit.world(5)
    poll = pollkit.make_poll(assembly, convenor, secrecy="credential", delivery="paper")
    poll, codes = pollkit.open_poll(poll, convenor)
    from polls import services as poll_services

    for code in codes[:3]:
        poll_services.cast_with_code(poll=poll, code=code, choice="yes", now=pollkit.now())
    roll_call = pollkit.make_poll(assembly, convenor)
    roll_call, _codes = pollkit.open_poll(roll_call, convenor)
    poll_services.cast_roll_call(poll=roll_call, user=members[0], choice="no", now=pollkit.now())
    pollkit.close(poll)

    entries = [e for e in log(assembly) if e.action.startswith("poll.")]
    assert [e.action for e in entries] == [A.POLL_CREATE, A.POLL_OPEN, A.POLL_CREATE, A.POLL_OPEN, A.POLL_CLOSE]
    assert entries[0].target == f"poll:{poll.public_id}" and entries[0].details == {
        "secrecy": "credential",
        "method": "yes-no-abstain",
    }
    assert entries[1].details == {"secrecy": "credential", "eligible": len(members) + 1}  # the convenor votes too
    closing = entries[-1]
    assert closing.actor is None and closing.details == {"ballots": 3, "automatic": True}
    # Voters appear nowhere: not as actors, not as targets, not in any stored byte, and no code either.
    for entry in log(assembly):
        stored = bytes(entry.document).decode()
        assert entry.actor_id not in {member.pk for member in members}
        for member in members:
            assert f"user:{member.pk}" != entry.target and member.name not in stored
        assert not any(code in stored for code in codes)


def test_moderation_acts_go_to_both_logs_and_the_audit_entry_points_at_the_moderation_entry():
    from tests.debatekit import build_world, post

    world = build_world()
    message = post(world, world.ana)
    now = timezone.now()
    debates.hide_message(message=message, by=world.moderator, reason="Off topic", now=now)
    debates.mute_member(
        assembly=world.assembly,
        by=world.moderator,
        member=world.kofi,
        until=now + timedelta(hours=1),
        reason="Flooding",
        now=now,
    )
    moderation = list(ModerationEntry.objects.filter(assembly=world.assembly).order_by("number"))
    entries = [e for e in log(world.assembly) if e.action.startswith("moderation.")]
    assert [e.action for e in entries] == [A.MODERATION_HIDE, A.MODERATION_MUTE]
    assert entries[0].actor == world.moderator
    assert entries[0].target == f"message:{message.debate_id}/{message.pk}"
    assert entries[0].details["entry"] == moderation[0].number and entries[0].details["reason"] == "Off topic"
    assert entries[1].target == f"user:{world.kofi.pk}" and entries[1].details["until"]
    verify()


def test_live_session_chairing_is_recorded():
    from tests.debatekit import build_world

    world = build_world()
    now = timezone.now()
    other = debates.debate_for(space=world.space, now=now)
    session = live_sessions.start_session(
        assembly=world.assembly, by=world.convenor, title="Plenary", debates=[world.debate, other], now=now
    )
    live_sessions.raise_hand(session=session, user=world.ana, now=now)  # a member's act: not recorded
    live_sessions.give_floor(session=session, by=world.convenor, now=now)
    live_sessions.move_to(session=session, by=world.convenor, point=session.agenda.get(position=2), now=now)
    live_sessions.end_session(session=session, by=world.convenor, now=now)
    entries = [e for e in log(world.assembly) if e.action.startswith("session.")]
    assert [e.action for e in entries] == [A.SESSION_START, A.SESSION_FLOOR, A.SESSION_MOVE, A.SESSION_END]
    assert all(e.target == f"session:{session.pk}" and e.target_label == "Plenary" for e in entries)
    assert entries[0].details == {"agenda": 2}
    assert entries[1].details == {"speaker": "Ana"}


# Append-only and tamper-evident ------------------------------------------------------------------------


def test_the_log_refuses_updates_and_deletes_through_the_orm():
    assembly = factories.assembly(factories.user())
    entry = log(assembly)[0]
    with pytest.raises(TypeError):
        AuditEntry.objects.filter(pk=entry.pk).update(action=A.POLL_OPEN)
    with pytest.raises(TypeError):
        AuditEntry.objects.filter(pk=entry.pk).delete()
    entry.action = A.POLL_OPEN
    with pytest.raises(TypeError):
        entry.save()
    with pytest.raises(TypeError):
        entry.delete()
    assert log(assembly)[0].action == A.ASSEMBLY_CREATE


def test_entries_are_chained_by_hash_and_numbered_without_gaps():
    convenor = factories.user()
    assembly = factories.assembly(convenor, roadmap_text=factories.SMALL_ROADMAP)
    entries = log(assembly)
    assert [e.number for e in entries] == list(range(1, len(entries) + 1))
    assert entries[0].previous_hash == ""
    assert all(later.previous_hash == earlier.entry_hash for earlier, later in zip(entries, entries[1:]))
    assert audit.problems_of(assembly.pk) == []


def _tampered_assembly():
    convenor = factories.user()
    assembly = factories.assembly(convenor, roadmap_text=factories.SMALL_ROADMAP)
    spaces.set_phase(space=assembly.spaces.get(code="DIG"), by=convenor, phase="voting", now=timezone.now())
    verify("--assembly", assembly.slug)
    return assembly, log(assembly)


def _refused(capsys, *args) -> str:
    with pytest.raises(CommandError):
        verify(*args)
    return capsys.readouterr().err


def test_verify_audit_detects_an_edited_document(capsys):
    assembly, entries = _tampered_assembly()
    forged = bytes(entries[-1].document).replace(b'"to":"voting"', b'"to":"closed"')
    with connection.cursor() as cursor:
        cursor.execute("UPDATE deliberate_auditentry SET document = %s WHERE id = %s", [forged, entries[-1].pk])
    err = _refused(capsys, "--assembly", assembly.slug)
    assert f"entry {entries[-1].number}: its bytes do not match its hash" in err


def test_verify_audit_detects_a_column_edited_behind_the_documents_back(capsys):
    assembly, entries = _tampered_assembly()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE deliberate_auditentry SET actor_id = NULL, action = %s WHERE id = %s",
            [A.SPACE_CREATE, entries[-1].pk],
        )
    err = _refused(capsys)
    assert f"entry {entries[-1].number}: its row differs from its document (action, actor)" in err


def test_verify_audit_detects_a_deleted_entry(capsys):
    assembly, entries = _tampered_assembly()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM deliberate_auditentry WHERE id = %s", [entries[1].pk])
    err = _refused(capsys, "--assembly", assembly.slug)
    assert "entry 2: numbered 3" in err and "does not follow the entry before it" in err


def test_verify_audit_also_checks_the_moderation_log(capsys):
    from tests.debatekit import build_world, post

    world = build_world()
    debates.hide_message(message=post(world, world.ana), by=world.moderator, reason="Off topic", now=timezone.now())
    entry = ModerationEntry.objects.get(assembly=world.assembly)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE assemblies_moderationentry SET document = %s WHERE id = %s",
            [bytes(entry.document).replace(b"Off topic", b"Spam!!!!!"), entry.pk],
        )
    err = _refused(capsys, "--assembly", world.assembly.slug)
    assert "moderation entry 1: its bytes do not match its hash" in err


def test_verify_audit_names_an_unknown_assembly():
    with pytest.raises(CommandError, match="No assembly 'nowhere'"):
        verify("--assembly", "nowhere")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_to_one_assembly_get_consecutive_numbers_and_one_chain():
    convenor = factories.user()
    assembly = factories.assembly(convenor)
    assembly = Assembly.objects.get(pk=assembly.pk)
    errors, start = [], threading.Barrier(4)

    def act(index):
        try:
            start.wait()
            audit.record(
                assembly=assembly, actor=convenor, action=A.SPACE_PHASE, details={"n": index}, now=timezone.now()
            )
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=act, args=(index,)) for index in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    entries = log(assembly)
    assert [e.number for e in entries] == list(range(1, 6))
    assert sorted(e.details["n"] for e in entries[1:]) == list(range(4))
    assert audit.problems_of(assembly.pk) == []


def test_the_audit_core_imports_without_django():
    import subprocess
    import sys
    from pathlib import Path

    code = "import sys; sys.modules['django'] = None\nimport polls.core.audit_log\nprint('ok')"
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"

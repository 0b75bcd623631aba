"""Access as a role × action matrix over EVERY view of the project, for anonymous, observer, member, moderator,
convenor, a member of another assembly and a removed member.

- Every URL pattern has a case here: a new view without one fails `test_every_url_pattern_has_a_case`.
- Every view answers every role without a server error, on GET and POST.
- Each POST with valid data changes the database for exactly the roles allowed to do it, and for nobody else
  (everything else is rolled back to the same rows).
- A members-only assembly leaks nothing to outsiders: each of its URLs answers them exactly what an unknown
  slug or id answers (404, same page), with none of its titles, on GET and on POST; pages outside the
  assembly never show its name to them.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from django.apps import apps
from django.contrib.sessions.models import Session
from django.db import connection, transaction
from django.test import Client
from django.urls import URLResolver, get_resolver, reverse
from django.utils import timezone

from polls.core.signing import generate_board_key
from tests import factories

from . import worldkit as W

pytestmark = pytest.mark.django_db

ALL = frozenset(W.ROLES)
LOGGED_IN = ALL - {"anonymous"}
P = W.PARTICIPANTS
NOBODY = frozenset()


@dataclass(frozen=True)
class Case:
    """How to reach a view, what valid POST data it takes, and who may change something with it.

    `writers`: the roles whose valid POST changes the database (None: not checked here, with `why`);
    `pk`: which object of the site the `pk` (or `public_id`, `token`) parameter names."""

    pk: str | None = None
    get: bool = True
    post: dict | None = None
    writers: frozenset | None = None
    public_id: str = "poll"
    in_assembly: bool = True
    why: str = ""
    overrides: dict = field(default_factory=dict)


def _new_key():
    return factories.submission_key()


CASES: dict[str, Case] = {
    # Not about an assembly
    # Public by design, and it drops a connection left outside autocommit, as a test's transaction is:
    # tests/deliberate/test_health.py.
    "healthz": Case(in_assembly=False, get=False),
    "home": Case(in_assembly=False),
    "account_profile": Case(
        in_assembly=False,
        post={"display_name": "New name", "language": "", "notify_by_email": "never"},
        writers=LOGGED_IN,
    ),
    "set_language": Case(
        in_assembly=False,
        get=False,
        post={"language": "fr", "next": "/"},
        writers=None,
        why="sets a cookie; a signed-in person's saved language is the account form's business",
    ),
    "notifications": Case(in_assembly=False),
    "notifications_read": Case(
        in_assembly=False,
        get=False,
        post={},
        writers=None,
        why="changes something only for a person with unread notifications",
    ),
    "assembly_create": Case(
        in_assembly=False,
        post={"name": "A new assembly", "slug": "a-new-one", "description": "", "visibility": "public"},
        writers=LOGGED_IN,
    ),
    "my_contributions": Case(in_assembly=False),
    "voter_key": Case(in_assembly=False, post={"public_key": generate_board_key("k").public}, writers=LOGGED_IN),
    "invitation_accept": Case(
        pk="invitation_token",
        post={},
        writers=None,
        why="a capability for one address: tests/frontend/test_members_pages.py",
    ),
    "join_link": Case(pk="join_link_token", post={}, writers=frozenset({"other", "removed"})),
    # Assembly and members
    "assembly": Case(),
    "assembly_members": Case(),
    "assembly_invite": Case(
        post={"email": "new.person@example.org", "role": "member"}, writers=frozenset({"convenor"})
    ),
    "assembly_invitation_revoke": Case(pk="invitation", get=False, post={}, writers=frozenset({"convenor"})),
    "assembly_join_link_create": Case(get=False, post={}, writers=frozenset({"convenor"})),
    "assembly_join_link_revoke": Case(pk="join_link", get=False, post={}, writers=frozenset({"convenor"})),
    "assembly_join_request": Case(
        pk="join_request", get=False, post={"accept": "yes"}, writers=frozenset({"convenor"})
    ),
    "assembly_member_role": Case(get=False, post={"role": "observer"}, writers=frozenset({"convenor"})),
    "assembly_member_remove": Case(get=False, post={}, writers=frozenset({"convenor"})),
    "assembly_join": Case(post={"message": "May I join?"}, writers=frozenset({"other", "removed"})),
    "assembly_leave": Case(post={}, writers=frozenset({"observer", "member", "moderator"})),
    "assembly_audit": Case(),
    "assembly_decisions": Case(),
    # Spaces, roadmap, contributions
    "space": Case(),
    "space_phase": Case(get=False, post={"phase": "deliberation"}, writers=frozenset({"convenor"})),
    "propose": Case(post={"title": "A new item", "text": "Share the tools.", "submission_key": "fresh"}, writers=P),
    "roadmap": Case(),
    "roadmap_import": Case(
        post={"text": factories.SMALL_ROADMAP, "reason": "again"},
        writers=None,
        why="an assembly imports its roadmap once; the refusal is tested in tests/frontend",
    ),
    "roadmap_history": Case(),
    "roadmap_diff": Case(),
    "roadmap_version": Case(),
    "roadmap_export": Case(),
    "roadmap_editions": Case(),
    "roadmap_edition_new": Case(
        post={"version": "2", "name": "Next edition", "notes": "Notes.", "action": "publish"},
        writers=frozenset({"convenor"}),
    ),
    "roadmap_edition": Case(),
    "roadmap_edition_export": Case(),
    "item": Case(),
    "item_edit": Case(
        post={"text": "A clearer wording of the item.", "reason": "clarity"}, writers=frozenset({"convenor"})
    ),
    "amend_item": Case(
        post={
            "change": "edit",
            "text": "Another wording.",
            "title": "Wording",
            "base_version": "1",
            "submission_key": "fresh",
        },
        writers=P,
    ),
    "contribution": Case(pk="proposal"),
    "contribution_edit": Case(
        pk="proposal", post={"title": "Retitled", "text": "Retold."}, writers=frozenset({"member"})
    ),
    "contribution_rebase": Case(
        pk="amendment",
        post={"text": "Rebased."},
        writers=None,
        why="only an amendment in conflict can be rebased: tests/frontend/test_coconstruction_flow.py",
    ),
    "amend_proposal": Case(
        pk="proposal",
        post={
            "change": "edit",
            "text": "A better proposal.",
            "title": "",
            "base_revision": "revision",
            "submission_key": "fresh",
        },
        writers=P,
    ),
    "contribution_withdraw": Case(pk="proposal", get=False, post={}, writers=frozenset({"member"})),
    "contribution_support": Case(pk="proposal", get=False, post={}, writers=frozenset({"moderator", "convenor"})),
    "contribution_table": Case(pk="proposal", get=False, post={}, writers=frozenset({"convenor"})),
    "contribution_decide": Case(
        pk="proposal",
        post={"outcome": "reject", "note": "Not now."},
        writers=None,
        why="decides only a tabled text: tests/frontend/test_coconstruction_flow.py",
    ),
    # Debates and live sessions
    "space_debate": Case(),
    "item_debate": Case(),
    "contribution_debate": Case(pk="proposal"),
    "debate": Case(pk="debate"),
    "debate_post": Case(pk="debate", get=False, post={"text": "One more point.", "stance": ""}, writers=P),
    "debate_message": Case(pk="debate"),
    "debate_message_edit": Case(
        pk="debate", post={"text": "An edited point.", "stance": ""}, writers=frozenset({"member"})
    ),
    "debate_message_delete": Case(pk="debate", post={}, writers=frozenset({"member"})),
    "debate_message_react": Case(pk="debate", get=False, post={"kind": "agree"}, writers=P),
    # Observers too may ask the moderators to look at a message; nobody flags their own (the member's here).
    "debate_message_flag": Case(
        pk="debate", post={"reason": "Off topic."}, writers=frozenset({"observer", "moderator", "convenor"})
    ),
    "debate_message_hide": Case(
        pk="debate", post={"reason": "Off topic."}, writers=frozenset({"moderator", "convenor"})
    ),
    "debate_message_restore": Case(
        pk="debate",
        post={"reason": "Fine."},
        writers=None,
        why="restores only a hidden message: tests/frontend/test_debates_pages.py",
    ),
    "moderation_log": Case(),
    "debate_mute": Case(post={"duration": "1h", "reason": "Flooding."}, writers=frozenset({"moderator", "convenor"})),
    "debate_unmute": Case(
        post={"reason": "Calm again."},
        writers=None,
        why="unmutes only a muted member: tests/frontend/test_debates_pages.py",
    ),
    "live_sessions": Case(),
    "live_session_start": Case(
        post={"title": "Another session", "speaking_seconds": "120", "agenda": ["space"]},
        writers=frozenset({"convenor"}),
    ),
    "live_session": Case(pk="session"),
    "live_session_action": Case(pk="session", get=False, post={}, writers=P),
    # Polls
    "poll_list": Case(),
    "poll_create": Case(
        post={
            "title": "Another poll",
            "question": "Shall we?",
            "subject": "motion",
            "kind": "yes-no-abstain",
            "threshold_num": "1",
            "threshold_den": "2",
            "base": "cast",
            "quorum": "0",
            "seats": "1",
            "approval_min": "0",
            "budget": "10",
            "max_score": "5",
            "grades": "Bad\nGood",
            "secrecy": "roll-call",
            "revote": "last-counts",
            "delivery": "email",
            "closes_at": "closes",
        },
        writers=frozenset({"convenor"}),
    ),
    "poll": Case(),
    "poll_open": Case(public_id="draft", get=False, post={}, writers=frozenset({"convenor"})),
    "poll_close": Case(get=False, post={}, writers=NOBODY),  # early only once everyone eligible has voted
    "poll_vote": Case(post={"choice": "no"}, writers=P),
    "poll_vote_code": Case(get=True, post={"code": "AAAA-AAAA-AAAA-AAAA-AAAA-AAAA", "choice": "no"}, writers=NOBODY),
    "poll_ballots": Case(get=False, post={}, writers=NOBODY),
    "poll_receipt": Case(),
    "poll_receipt_json": Case(),
    "poll_results": Case(public_id="closed"),
    "poll_board": Case(),
    "poll_board_jsonl": Case(),
    "poll_board_key": Case(),
}

# Views a members-only assembly's outsiders may reach by holding a secret the address carries (by design):
# the secret-ballot endpoints never look at who is logged in, and invitations and join links are capabilities.
CAPABILITIES = {"poll_vote_code", "poll_ballots", "invitation_accept", "join_link"}


def project_patterns():
    """(name, pattern) of every URL of the project itself (allauth's account pages are its own business)."""

    def walk(patterns):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns)
            elif not pattern.callback.__module__.startswith("allauth."):
                yield pattern.name, pattern

    return list(walk(get_resolver().url_patterns))


def test_every_url_pattern_has_a_case():
    names = [name for name, _pattern in project_patterns()]
    assert None not in names, "every view has a name"
    missing = sorted(set(names) - set(CASES))
    assert not missing, f"views without an access case in {__name__}: {missing}"
    assert not sorted(set(CASES) - set(names)), "cases for views that no longer exist"


# The world, built once per test module inside a transaction rolled back at the end ----------------------------


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        built = W.build_world()
        for site in (built.public, built.private):
            # The raw secrets of the capabilities, which only their holders have.
            from assemblies.membership.services import membership

            _invitation, site.invitation_token = membership.invite(
                assembly=site.assembly, by=built.people["convenor"], email="invited@example.org", now=timezone.now()
            )
        yield built
        transaction.set_rollback(True)


def kwargs_for(name: str, site, *, unknown: bool = False) -> dict:
    case = CASES[name]
    pattern = dict(project_patterns())[name].pattern
    wanted = set(pattern.regex.groupindex)
    values = W.url_kwargs(site)
    objects = {
        "proposal": site.proposal.pk,
        "amendment": site.amendment.pk,
        "debate": site.debate.pk,
        "session": site.session.pk,
        "invitation": site.invitation.pk,
        "join_link": site.join_link.pk,
        "join_request": site.join_request.pk if site.join_request else 999_999,
        "join_link_token": site.join_link.token,
        "invitation_token": getattr(site, "invitation_token", "x"),
    }
    if case.pk in objects:
        values["pk"] = values["token"] = objects[case.pk]
    values["public_id"] = getattr(site, case.public_id).public_id
    if unknown:
        values.update(slug="no-such-assembly", public_id="p-nosuchpoll1")
    return {key: values[key] for key in wanted}


def url_of(name: str, site, **options) -> str:
    return reverse(name, kwargs=kwargs_for(name, site, **options))


def post_data(name: str, site) -> dict:
    data = dict(CASES[name].post or {})
    for key, value in data.items():
        if value == "fresh":
            data[key] = _new_key()
        elif value == "closes":
            data[key] = (timezone.now() + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
        elif value == "revision":
            data[key] = str(site.proposal.revision)
        elif value == ["space"]:
            data[key] = [f"space:{site.assembly.spaces.get(code=site.code).pk}"]
    return data


def client_for(world, role: str) -> Client:
    client = Client()
    if role != "anonymous":
        client.force_login(world.people[role])
    return client


def snapshot() -> str:
    """Something that changes whenever a row is written: on PostgreSQL, the current transaction's counts of
    inserted, updated and deleted rows per table (sessions aside: logging in writes one); elsewhere a digest
    of every row."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT relname, n_tup_ins, n_tup_upd, n_tup_del FROM pg_stat_xact_user_tables "
                "WHERE relname <> 'django_session' AND n_tup_ins + n_tup_upd + n_tup_del > 0 "
                "ORDER BY relname"
            )
            return repr(cursor.fetchall())
    digest = hashlib.sha256()
    for model in apps.get_models(include_auto_created=True):
        if model is Session:
            continue
        fields = [f.attname for f in model._meta.concrete_fields]
        for row in model.objects.order_by("pk").values_list(*fields):
            digest.update(repr(row).encode())
    return digest.hexdigest()


def attempt(client, method, url, data=None):
    """Make the request inside a savepoint rolled back afterwards: (status, changed the database?)."""
    before = snapshot()
    with transaction.atomic():
        response = client.post(url, data) if method == "POST" else client.get(url)
        after = snapshot()
        transaction.set_rollback(True)
    return response, after != before


# Every role, every view --------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", W.ROLES)
def test_every_view_answers_every_role_without_error_and_writes_only_for_those_allowed(world, role):
    client = client_for(world, role)
    site = world.public
    wrong = []
    for name, case in sorted(CASES.items()):
        url = url_of(name, site)
        if case.get:
            response, _changed = attempt(client, "GET", url)
            assert response.status_code < 500, f"GET {name} as {role}: {response.status_code}"
        if case.post is not None:
            response, changed = attempt(client, "POST", url, post_data(name, site))
            assert response.status_code < 500, f"POST {name} as {role}: {response.status_code}"
            if case.writers is not None and changed != (role in case.writers):
                wrong.append(
                    f"{name}: {'changed' if changed else 'did not change'} the database ({response.status_code})"
                )
            if changed is False and role == "anonymous":
                assert response.status_code in (302, 400, 403, 404, 405), f"{name}: {response.status_code}"
    assert not wrong, f"as {role}:\n" + "\n".join(wrong)


# A members-only assembly, seen from outside --------------------------------------------------------------------

_TOKEN = re.compile(rb'(name="csrfmiddlewaretoken" value=")[^"]+"')


def normalised(response, url: str) -> bytes:
    """The body without its CSRF token and with the address asked for (echoed in the language form) blanked."""
    body = b"".join(response) if response.streaming else response.content
    return _TOKEN.sub(rb'\1"', body).replace(url.encode(), b"<address>")


@pytest.mark.parametrize("role", sorted(W.OUTSIDERS))
def test_a_private_assembly_answers_outsiders_exactly_as_if_it_did_not_exist(world, role):
    client = client_for(world, role)
    site = world.private
    leaks = []
    for name, case in sorted(CASES.items()):
        if not case.in_assembly or name in CAPABILITIES:
            continue
        for method in ("GET",) * case.get + ("POST",) * (case.post is not None):
            data = post_data(name, site) if method == "POST" else None
            url, nowhere = url_of(name, site), url_of(name, site, unknown=True)
            response, changed = attempt(client, method, url, data)
            unknown, _ = attempt(client, method, nowhere, data)
            body = normalised(response, url)
            if changed or response.status_code != unknown.status_code or response.status_code < 400:
                leaks.append(
                    f"{method} {name}: {response.status_code} (unknown: {unknown.status_code})"
                    f"{' and wrote' if changed else ''}"
                )
            elif body != normalised(unknown, nowhere):
                leaks.append(f"{method} {name}: the page differs from an unknown address's")
            elif any(title.encode() in body for title in site.names):
                leaks.append(f"{method} {name}: shows a title of the assembly")
    assert not leaks, f"as {role}:\n" + "\n".join(leaks)


@pytest.mark.parametrize("role", sorted(W.OUTSIDERS))
def test_pages_outside_the_assembly_never_name_it_to_outsiders(world, role):
    client = client_for(world, role)
    for name, case in sorted(CASES.items()):
        if case.in_assembly or not case.get:
            continue
        page = client.get(reverse(name)).content.decode(errors="replace")
        assert not [t for t in world.private.names if t in page], f"{name} names the private assembly to {role}"


@pytest.mark.parametrize("role", ["observer", "member", "moderator", "convenor"])
def test_the_private_assembly_opens_to_its_own_people_as_the_public_one_does(world, role):
    client = client_for(world, role)
    different = []
    for name, case in sorted(CASES.items()):
        if not case.in_assembly or not case.get:
            continue
        public = client.get(url_of(name, world.public)).status_code
        private = client.get(url_of(name, world.private)).status_code
        if public != private:
            different.append(f"{name}: {public} in public, {private} in private")
    assert not different, f"as {role}:\n" + "\n".join(different)


def test_a_join_link_admits_newcomers_but_never_changes_the_role_of_someone_already_in(world):
    from assemblies.membership.models import Membership
    from assemblies.membership.services import membership

    site, observer = world.public, world.people["observer"]
    with transaction.atomic():
        membership.join_by_link(token=site.join_link.token, user=observer, now=timezone.now())
        assert Membership.objects.get(assembly=site.assembly, user=observer).role == "observer"
        membership.join_by_link(token=site.join_link.token, user=world.people["other"], now=timezone.now())
        assert Membership.objects.get(assembly=site.assembly, user=world.people["other"]).role == "member"
        transaction.set_rollback(True)

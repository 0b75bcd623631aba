"""The poll pages with the test client: list, form, poll page, voting forms for every method, the code form,
receipts, results with their chart, the board, tracker look-up, downloads and the JSON API."""

from __future__ import annotations

import gzip
import html
import json
import re
import shlex
from datetime import timedelta

import pytest
from django.contrib.staticfiles import finders
from django.test import Client
from django.urls import reverse

from assemblies.roadmap.services import contributions as contribution_services
from polls import selectors, services, verify
from polls.core import board as B
from polls.core.signing import BoardKey, dump_board_key, generate_board_key, private_key_from_seed, public_b64u
from polls.models import BoardLine, Poll
from tests import factories

from . import pollkit as K

pytestmark = pytest.mark.django_db
BUDGET = 14 * 1024


@pytest.fixture
def world():
    return K.world(5)


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def url(name, poll, *args):
    return reverse(name, args=[poll.public_id, *args])


def open_poll(world, **kwargs):
    assembly, convenor, _members, _observer = world
    return K.open_poll(K.make_poll(assembly, convenor, **kwargs), convenor)


# The list, the poll page, the convenor's form -------------------------------------------------------------------


def test_the_list_shows_the_assemblys_polls_and_the_form_link_to_convenors(world, client):
    assembly, convenor, members, _observer = world
    poll = K.make_poll(assembly, convenor)
    page = client.get(reverse("poll_list", args=[assembly.slug]))
    assert page.status_code == 200 and poll.title in page.content.decode()
    assert reverse("poll_create", args=[assembly.slug]) not in page.content.decode()
    assert (
        reverse("poll_create", args=[assembly.slug])
        in logged_in(convenor).get(reverse("poll_list", args=[assembly.slug])).content.decode()
    )


def test_the_poll_page_says_what_is_decided_what_to_trust_and_the_turnout_never_partial_results(world, client):
    poll, codes = open_poll(world, kind="approval", secrecy="credential")
    services.cast_with_code(poll=poll, code=codes[0], choice=["solar-co-op"], now=K.now())
    text = client.get(url("poll", poll)).content.decode()
    for fragment in (
        "Solar co-op",
        "What you can check, and what you must trust",
        "1 ballot cast",
        poll.fingerprint,
        services.board_key().public,
        "Vote with your voting code",
    ):
        assert fragment in text, fragment
    assert "Results stay hidden" in text
    assert "solar-co-op</td>" not in text and "Winner" not in text


def test_the_verify_command_on_the_page_works_for_a_board_key_that_starts_with_a_dash(world, client, settings):
    """One base64url key in 64 starts with "-": written as `--board-key KEY`, the verifier read it as an
    option and refused the command the page gave. The page writes `--board-key=KEY`."""
    seed = 0
    while True:
        seed += 1
        key = private_key_from_seed(seed.to_bytes(32, "big"))
        if public_b64u(key).startswith("-"):
            break
    settings.DELIBERATE_BOARD_KEY = dump_board_key(BoardKey("board-dash", key))
    poll, _codes = open_poll(world, kind="approval", secrecy="credential")
    text = html.unescape(client.get(url("poll", poll)).content.decode())
    command = re.search(r"<code>(deliberate-verify [^<]+)</code>", text).group(1)
    assert f"--board-key={public_b64u(key)}" in command
    args = verify._parser().parse_args(shlex.split(command)[1:])
    assert args.board_key == public_b64u(key)


def test_a_roll_call_poll_page_explains_the_server_held_keys(world, client):
    poll, _codes = open_poll(world)
    text = client.get(url("poll", poll)).content.decode()
    assert "roll-call vote" in text and "it signs ballots for the members" in text


def test_a_convenor_tables_a_motion_and_an_election_through_the_form(world):
    assembly, convenor, _members, _observer = world
    client = logged_in(convenor)
    create = reverse("poll_create", args=[assembly.slug])
    base = {
        "title": "Charter",
        "question": "Sign it?",
        "subject": "motion",
        "kind": "yes-no-abstain",
        "threshold_num": 2,
        "threshold_den": 3,
        "base": "cast",
        "quorum": 3,
        "seats": 1,
        "approval_min": 0,
        "budget": 10,
        "max_score": 5,
        "grades": "",
        "secrecy": "roll-call",
        "revote": "none",
        "delivery": "email",
        "closes_at": (K.now() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M"),
    }
    response = client.post(create, base)
    assert response.status_code == 302
    motion = Poll.objects.get(title="Charter")
    assert motion.method == {"kind": "yes-no-abstain", "threshold": {"num": 2, "den": 3}, "base": "cast", "quorum": 3}
    assert [o["id"] for o in motion.options] == ["yes", "no", "abstain"] and motion.revote == "none"

    election = {
        **base,
        "title": "Board",
        "subject": "election",
        "kind": "approval",
        "approval_max": 2,
        "options_text": "Amina\nBruno\nChen",
        "secrecy": "credential",
        "delivery": "paper",
    }
    assert client.post(create, election).status_code == 302
    poll = Poll.objects.get(title="Board")
    assert poll.method == {"kind": "approval", "min": 0, "max": 2} and poll.secrecy == "credential"
    assert [o["label"] for o in poll.options] == ["Amina", "Bruno", "Chen"]


def test_bad_input_on_the_form_keeps_what_was_typed(world):
    assembly, convenor, _members, _observer = world
    response = logged_in(convenor).post(
        reverse("poll_create", args=[assembly.slug]),
        {
            "title": "Keep this title",
            "question": "Q",
            "subject": "election",
            "kind": "approval",
            "options_text": "Only one",
            "threshold_num": 1,
            "threshold_den": 2,
            "base": "cast",
            "quorum": 0,
            "seats": 1,
            "approval_min": 0,
            "budget": 10,
            "max_score": 5,
            "secrecy": "roll-call",
            "revote": "none",
            "delivery": "email",
            "closes_at": (K.now() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M"),
        },
    )
    text = response.content.decode()
    assert response.status_code == 400
    assert "List at least two options" in text and 'value="Keep this title"' in text
    assert not Poll.objects.exists()


def test_the_form_decides_a_tabled_amendment_competing_amendments_and_priorities(world):
    assembly, convenor, members, _observer = world
    item = factories.space_in(assembly).items.order_by("ref").first()
    amendments = [factories.amend(members[i], item, f"Better wording {i}.") for i in range(2)]
    for amendment in amendments:
        contribution_services.table(contribution=amendment, by=convenor, now=K.now())
    client = logged_in(convenor)
    create = reverse("poll_create", args=[assembly.slug])
    base = {
        "title": "T",
        "question": "Q",
        "threshold_num": 1,
        "threshold_den": 2,
        "base": "cast",
        "quorum": 0,
        "seats": 1,
        "approval_min": 0,
        "budget": 10,
        "max_score": 5,
        "grades": "Bad\nGood",
        "secrecy": "roll-call",
        "revote": "last-counts",
        "delivery": "email",
        "closes_at": (K.now() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M"),
    }
    assert (
        client.post(
            create,
            {
                **base,
                "title": "One",
                "subject": "contribution",
                "kind": "yes-no-abstain",
                "contribution": amendments[0].pk,
            },
        ).status_code
        == 302
    )
    one = Poll.objects.get(title="One")
    assert one.subject_type == "amendment" and one.subject_refs == [f"c-{amendments[0].pk}"]
    assert list(one.contributions.all()) == [amendments[0]]

    assert (
        client.post(
            create, {**base, "title": "Two", "subject": "amendments", "kind": "schulze", "item": item.pk}
        ).status_code
        == 302
    )
    two = Poll.objects.get(title="Two")
    assert [o["id"] for o in two.options] == [f"c-{a.pk}" for a in amendments] + ["keep"]
    assert two.options[-1]["label"] == "Keep the current text"

    assert (
        client.post(
            create,
            {**base, "title": "Three", "subject": "priorities", "kind": "majority-judgment", "space": item.space.pk},
        ).status_code
        == 302
    )
    three = Poll.objects.get(title="Three")
    assert three.subject_type == "priorities" and three.method["grades"] == ["Bad", "Good"]
    assert [o["id"] for o in three.options] == three.subject_refs == ["DIG-1", "DIG-2", "DIG-3"]

    wrong = client.post(create, {**base, "title": "Four", "subject": "amendments", "kind": "approval", "item": item.pk})
    assert wrong.status_code == 400 and "does not fit" in wrong.content.decode()


def test_a_member_is_refused_the_form_and_the_opening(world):
    assembly, convenor, members, _observer = world
    poll = K.make_poll(assembly, convenor)
    client = logged_in(members[0])
    assert client.get(reverse("poll_create", args=[assembly.slug])).status_code == 403
    assert client.post(url("poll_open", poll)).status_code == 403
    poll.refresh_from_db()
    assert poll.status == Poll.Status.DRAFT


def test_opening_a_paper_poll_shows_the_printable_codes_once_and_uncached(world):
    assembly, convenor, _members, _observer = world
    poll = K.make_poll(assembly, convenor, secrecy="credential", delivery="paper")
    response = logged_in(convenor).post(url("poll_open", poll))
    text = response.content.decode()
    codes = re.findall(r'<p class="code">([A-Z2-7-]{29})</p>', text)
    assert response.status_code == 200 and len(codes) == 6
    assert "no-store" in response["Cache-Control"]
    setup = services.setup_of(Poll.objects.get(pk=poll.pk))
    assert {services.public_b64u(services.derive_credential(code, poll.public_id)) for code in codes} == set(
        setup.cred_index
    )
    after = logged_in(convenor).get(url("poll", poll)).content.decode()
    assert not any(code in after for code in codes)  # shown once, never again


# Voting: the member's form ---------------------------------------------------------------------------------------

VALID = {
    "yes-no-abstain": ({"choice": "yes"}, "yes"),
    "plurality": ({"choice": "seed-library"}, "seed-library"),
    "approval": ({"choice": ["solar-co-op", "repair-cafe"]}, ["repair-cafe", "solar-co-op"]),
    "dot": ({"o0": "3", "o1": "", "o2": "2"}, {"solar-co-op": 3, "repair-cafe": 2}),
    "score": ({"o0": "4", "o1": "", "o2": "1"}, {"solar-co-op": 4, "seed-library": 0, "repair-cafe": 1}),
    "majority-judgment": ({"o0": "3", "o1": "0", "o2": "1"}, {"solar-co-op": 3, "seed-library": 0, "repair-cafe": 1}),
    "schulze": ({"o0": "2", "o1": "", "o2": "1"}, ["repair-cafe", "solar-co-op"]),
    "irv": ({"o0": "", "o1": "1", "o2": ""}, ["seed-library"]),
}
WIDGET = {
    "yes-no-abstain": 'type="radio"',
    "plurality": 'type="radio"',
    "approval": 'type="checkbox"',
    "dot": 'type="number"',
    "score": 'type="number"',
    "majority-judgment": "<select",
    "schulze": 'type="number"',
    "irv": 'type="number"',
}


@pytest.mark.parametrize("kind", list(VALID))
def test_the_vote_form_shows_the_right_widget_and_puts_the_ballot_on_the_board(world, kind):
    assembly, convenor, members, _observer = world
    poll, _codes = K.open_poll(K.make_poll(assembly, convenor, kind=kind), convenor)
    client = logged_in(members[0])
    page = client.get(url("poll_vote", poll))
    assert page.status_code == 200 and WIDGET[kind] in page.content.decode()
    assert "frontend/vote." not in page.content.decode()  # the server signs: no script needed
    data, expected = VALID[kind]
    response = client.post(url("poll_vote", poll), data)
    assert response.status_code == 302, response.content.decode()
    line = BoardLine.objects.get(poll=poll, type="ballot")
    assert response["Location"] == url("poll_receipt", poll, line.seq)
    assert json.loads(line.text)["body"]["choice"] == expected
    K.assert_valid(poll)


@pytest.mark.parametrize(
    "kind, data, message",
    [
        ("schulze", {"o0": "1", "o1": "1", "o2": "2"}, "Rank 1 is given twice"),
        ("approval", {"choice": ["solar-co-op", "repair-cafe", "seed-library"]}, "Approve at most 2 options"),
        ("dot", {"o0": "3", "o1": "3"}, "the budget is 5"),
        ("score", {"o0": "9"}, "less than or equal to 4"),
        ("majority-judgment", {"o0": "1"}, "This field is required"),
        ("plurality", {"choice": "compost"}, "Select a valid choice"),
    ],
)
def test_a_bad_ballot_is_refused_with_a_clear_message_that_keeps_the_input(world, kind, data, message):
    assembly, convenor, members, _observer = world
    poll, _codes = K.open_poll(K.make_poll(assembly, convenor, kind=kind), convenor)
    response = logged_in(members[0]).post(url("poll_vote", poll), data)
    text = response.content.decode()
    assert response.status_code == 400 and message in text
    if "o0" in data:
        assert f'value="{data["o0"]}"' in text
    assert poll.lines.count() == 1


def test_the_vote_form_refuses_observers_and_asks_anonymous_visitors_to_log_in(world, client):
    _assembly, _convenor, _members, observer = world
    poll, _codes = open_poll(world)
    assert client.get(url("poll_vote", poll)).status_code == 302
    response = logged_in(observer).get(url("poll_vote", poll))
    assert response.status_code == 403 and "Observers do not vote" in response.content.decode()


def test_a_second_ballot_under_revote_none_is_refused_on_the_page(world):
    _assembly, _convenor, members, _observer = world
    poll, _codes = open_poll(world, revote="none")
    client = logged_in(members[0])
    client.post(url("poll_vote", poll), {"choice": "yes"})
    response = client.post(url("poll_vote", poll), {"choice": "no"})
    assert response.status_code == 409 and "one ballot only" in response.content.decode()


# Voting: the code form -------------------------------------------------------------------------------------------


def test_the_code_form_casts_and_shows_the_receipt_without_looking_at_the_session(world):
    _assembly, _convenor, members, _observer = world
    poll, codes = open_poll(world, kind="approval", secrecy="credential")
    client = logged_in(members[0])
    page = client.get(url("poll_vote_code", poll))
    text = page.content.decode()
    assert page.status_code == 200 and 'name="code"' in text and "frontend/vote." in text
    assert members[0].name not in text  # the page treats everyone as anonymous
    response = client.post(url("poll_vote_code", poll), {"code": codes[0], "choice": ["seed-library"]})
    text = response.content.decode()
    line = BoardLine.objects.get(poll=poll, type="ballot")
    assert response.status_code == 200 and line.tracker in text and "Your ballot is on the board" in text
    assert codes[0] not in text and members[0].name not in text


def test_a_wrong_code_is_refused_and_the_input_kept(world, client):
    poll, _codes = open_poll(world, kind="approval", secrecy="credential")
    wrong = "ABCD-EFGH-IJKL-MNOP-QRST-UVWX"
    response = client.post(url("poll_vote_code", poll), {"code": wrong, "choice": ["seed-library"]})
    text = response.content.decode()
    assert response.status_code == 403 and "not valid for this poll" in text
    assert f'value="{wrong}"' in text
    assert re.search(r'value="seed-library"[^>]*checked', text)
    assert poll.lines.count() == 1


def test_the_code_form_is_not_for_roll_call_polls(world, client):
    poll, _codes = open_poll(world)
    assert client.get(url("poll_vote_code", poll)).status_code == 404


# Receipts, results, the board, downloads -------------------------------------------------------------------------


def test_the_receipt_page_and_its_json_download(world, client):
    _assembly, _convenor, members, _observer = world
    poll, _codes = open_poll(world)
    receipt = services.cast_roll_call(poll=poll, user=members[0], choice="yes", now=K.now())
    page = client.get(url("poll_receipt", poll, receipt["seq"])).content.decode()
    assert receipt["tracker"] in page and receipt["entry"] in page
    download = client.get(url("poll_receipt_json", poll, receipt["seq"]))
    assert download["Content-Type"] == "application/json" and "attachment" in download["Content-Disposition"]
    assert json.loads(download.content) == receipt
    assert client.get(url("poll_receipt", poll, 0)).status_code == 404  # line 0 is the setup, not a ballot


def _closed(world, kind, ballots):
    assembly, convenor, members, _observer = world
    poll, _codes = K.open_poll(K.make_poll(assembly, convenor, kind=kind), convenor)
    for person, choice in zip(members, ballots):
        services.cast_roll_call(poll=poll, user=person, choice=choice, now=K.now())
    return K.close(poll)


RESULTS = {
    "yes-no-abstain": (["yes", "yes", "no"], "Passed."),
    "approval": ([["solar-co-op"], ["repair-cafe", "solar-co-op"]], "Winner:"),
    "majority-judgment": ([{"solar-co-op": 3, "seed-library": 0, "repair-cafe": 1}], "Winner:"),
    "schulze": ([["repair-cafe", "solar-co-op"], ["solar-co-op"]], "Row option ranked above column option"),
    "irv": ([["repair-cafe"], ["solar-co-op"], ["seed-library", "solar-co-op"]], "Round 2"),
}


@pytest.mark.parametrize("kind", list(RESULTS))
def test_the_results_page_explains_the_method_and_draws_an_svg_chart(world, client, kind):
    ballots, fragment = RESULTS[kind]
    poll = _closed(world, kind, ballots)
    text = client.get(url("poll_results", poll)).content.decode()
    assert fragment in text and poll.tiebreak_seed in text and "How it was counted" in text
    svg = re.search(r"<svg.*?</svg>", text, re.S).group(0)
    assert "style=" not in svg and "<script" not in svg
    assert f"{poll.result['counted']} ballots counted" in text


def test_results_are_hidden_until_the_close(world, client):
    _assembly, _convenor, members, _observer = world
    poll, _codes = open_poll(world)
    services.cast_roll_call(poll=poll, user=members[0], choice="yes", now=K.now())
    text = client.get(url("poll_results", poll)).content.decode()
    assert "published when the poll closes" in text and "<svg" not in text


def test_a_poll_past_its_time_is_closed_when_its_page_is_read(world, client):
    assembly, convenor, _members, _observer = world
    at = K.now() - timedelta(days=2)
    poll, _codes = K.open_poll(K.make_poll(assembly, convenor, at=at, closes_in=timedelta(days=1)), convenor, at=at)
    assert "Not passed: the quorum" not in client.get(url("poll_results", poll)).content.decode()
    poll.refresh_from_db()
    assert poll.status == Poll.Status.CLOSED


def test_the_board_page_shows_each_line_exactly_and_paginates(world, client, monkeypatch):
    from frontend.views import polls as poll_views

    monkeypatch.setattr(poll_views, "BOARD_LINES_PER_PAGE", 2)
    _assembly, _convenor, members, _observer = world
    poll, _codes = open_poll(world)
    services.cast_roll_call(poll=poll, user=members[0], choice="yes", now=K.now())
    services.cast_roll_call(poll=poll, user=members[1], choice="no", now=K.now())
    first = client.get(url("poll_board", poll)).content.decode()
    second = client.get(url("poll_board", poll) + "?page=2").content.decode()
    stored = [bytes(d).decode() for d in poll.lines.order_by("seq").values_list("data", flat=True)]
    from django.utils.html import escape

    assert escape(stored[0]) in first and escape(stored[1]) in first and escape(stored[2]) in second
    assert "Line 2: ballot" in second


def test_tracker_lookup_says_on_the_board_then_counted_or_superseded(world, client):
    _assembly, _convenor, members, _observer = world
    poll, _codes = open_poll(world)
    first = services.cast_roll_call(poll=poll, user=members[0], choice="no", now=K.now())
    board = url("poll_board", poll)
    text = client.get(board, {"tracker": first["tracker"].lower()}).content.decode()
    assert "is on the board, at line 1" in text and "known at the close" in text
    second = services.cast_roll_call(poll=poll, user=members[0], choice="yes", now=K.now())
    K.close(poll)
    assert "superseded" in client.get(board, {"tracker": first["tracker"]}).content.decode()
    assert "It was counted" in client.get(board, {"tracker": second["tracker"]}).content.decode()
    assert "No ballot with tracker" in client.get(board, {"tracker": "AAAA-AAAA-AAAA-AAAA-AAAA"}).content.decode()


def test_the_board_download_is_byte_for_byte_the_stored_lines(world, client):
    _assembly, _convenor, members, _observer = world
    poll, _codes = open_poll(world)
    services.cast_roll_call(poll=poll, user=members[0], choice="yes", now=K.now())
    poll = K.close(poll)
    response = client.get(url("poll_board_jsonl", poll))
    assert response["Content-Type"] == "application/x-ndjson"
    body = b"".join(response.streaming_content)
    stored = b"".join(bytes(d) + b"\n" for d in poll.lines.order_by("seq").values_list("data", flat=True))
    assert body == stored
    assert B.verify_board(body.splitlines(keepends=True), workers=1).valid
    assert response["ETag"] == f'"{poll.head}"'
    key = client.get(url("poll_board_key", poll)).json()
    assert key == services.board_key().descriptor()


def test_private_assembly_poll_pages_are_404_for_outsiders():
    assembly, convenor, members, _observer = K.world(5, visibility="members")
    poll, _codes = K.open_poll(K.make_poll(assembly, convenor), convenor)
    receipt = services.cast_roll_call(poll=poll, user=members[0], choice="yes", now=K.now())
    outsider = logged_in(factories.user("Outsider"))
    pages = [
        reverse("poll_list", args=[assembly.slug]),
        url("poll", poll),
        url("poll_vote", poll),
        url("poll_results", poll),
        url("poll_board", poll),
        url("poll_board_jsonl", poll),
        url("poll_board_key", poll),
        url("poll_receipt", poll, receipt["seq"]),
        url("poll_receipt_json", poll, receipt["seq"]),
    ]
    for page in pages:
        assert outsider.get(page).status_code == 404, page
        assert Client().get(page).status_code == 404, page
    member = logged_in(members[1])
    assert all(member.get(page).status_code == 200 for page in pages if "vote" not in page)


# The JSON API ------------------------------------------------------------------------------------------------------


def _api_client(poll):
    client = Client(enforce_csrf_checks=True)
    client.get(url("poll_vote_code", poll) if poll.is_secret else url("poll", poll))
    return client, client.cookies["csrftoken"].value if "csrftoken" in client.cookies else None


def test_the_api_appends_a_signed_ballot_and_answers_the_receipt(world):
    poll, codes = open_poll(world, kind="approval", secrecy="credential")
    client, token = _api_client(poll)
    key = services.derive_credential(codes[1], poll.public_id)
    body = B.make_ballot_body(poll.public_id, poll.fingerprint, key, ["repair-cafe"], signer="voter")
    response = client.post(
        url("poll_ballots", poll), json.dumps(body), content_type="application/json", HTTP_X_CSRFTOKEN=token
    )
    assert response.status_code == 201, response.content
    receipt = response.json()
    K.assert_valid(poll, receipts=[receipt])
    replay = client.post(
        url("poll_ballots", poll), json.dumps(body), content_type="application/json", HTTP_X_CSRFTOKEN=token
    )
    assert replay.status_code == 409 and "already on the board" in replay.json()["error"]


@pytest.mark.parametrize(
    "payload, status, words",
    [
        (b"{not json", 400, "not valid JSON"),
        (b'{"poll": 1.5}', 400, "floating-point"),
        (b"[]", 400, "JSON object"),
        (b'{"poll": "x"}', 400, "lacks"),
    ],
)
def test_the_api_refuses_malformed_json_with_a_json_error(world, payload, status, words):
    poll, _codes = open_poll(world, kind="approval", secrecy="credential")
    client, token = _api_client(poll)
    response = client.post(url("poll_ballots", poll), payload, content_type="application/json", HTTP_X_CSRFTOKEN=token)
    assert response.status_code == status and words in response.json()["error"]
    K.assert_valid(poll)


def test_the_api_refuses_a_form_post_with_a_json_error(world):
    poll, _codes = open_poll(world, kind="approval", secrecy="credential")
    client, token = _api_client(poll)
    response = client.post(url("poll_ballots", poll), {"csrfmiddlewaretoken": token, "choice": "x"})
    assert response.status_code == 400 and "JSON" in response.json()["error"]


def test_the_api_refuses_a_post_without_the_csrf_token_as_json(world):
    poll, _codes = open_poll(world, kind="approval", secrecy="credential")
    client, _token = _api_client(poll)
    response = client.post(url("poll_ballots", poll), b"{}", content_type="application/json")
    assert response.status_code == 403 and "CSRF" in response.json()["error"]


def test_the_api_refuses_a_ballot_of_a_closed_poll_with_409(world):
    poll, codes = open_poll(world, kind="approval", secrecy="credential")
    key = services.derive_credential(codes[0], poll.public_id)
    body = B.make_ballot_body(poll.public_id, poll.fingerprint, key, [], signer="voter")
    poll = K.close(poll)
    client, token = _api_client(poll)
    response = client.post(
        url("poll_ballots", poll), json.dumps(body), content_type="application/json", HTTP_X_CSRFTOKEN=token
    )
    assert response.status_code == 409 and "closed" in response.json()["error"]


# Browser keys -------------------------------------------------------------------------------------------------------


def test_the_key_page_enrols_and_removes_a_browser_key(world):
    _assembly, _convenor, members, _observer = world
    client = logged_in(members[0])
    page = client.get(reverse("voter_key")).content.decode()
    assert "needs JavaScript" in page and "frontend/vote." in page
    refused = client.post(reverse("voter_key"), {"public_key": ""})
    assert refused.status_code == 400 and "needs JavaScript" in refused.content.decode()
    public = generate_board_key("browser").public
    assert client.post(reverse("voter_key"), {"public_key": public}).status_code == 302
    assert selectors.active_voter_key(members[0]).public_key == public
    assert client.post(reverse("voter_key"), {"action": "revoke"}).status_code == 302
    assert selectors.active_voter_key(members[0]) is None


# Page weight --------------------------------------------------------------------------------------------------------


def _gz(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=9))


def _asset(name: str) -> int:
    with open(finders.find(name), "rb") as handle:
        return _gz(handle.read())


def test_every_poll_page_with_its_assets_stays_under_14_kb_compressed(world):
    assembly, convenor, members, _observer = world
    poll = _closed(world, "schulze", [["repair-cafe", "solar-co-op"], ["solar-co-op"], ["seed-library"]])
    secret, _codes = K.open_poll(
        K.make_poll(assembly, convenor, kind="majority-judgment", secrecy="credential"), convenor
    )
    open_one, _codes = K.open_poll(K.make_poll(assembly, convenor, kind="irv"), convenor)
    full, codes = K.open_poll(K.make_poll(assembly, convenor, kind="approval", secrecy="credential"), convenor)
    for n in range(60):  # more than a page of ballot lines
        services.cast_with_code(
            poll=full, code=codes[n % len(codes)], choice=["seed-library", "solar-co-op"], now=K.now()
        )
    client = logged_in(members[0])
    css = _asset("frontend/site.css") + _asset("frontend/polls.css")
    script = _asset("frontend/vote.js")
    assert script < 4 * 1024
    pages = {
        reverse("poll_list", args=[assembly.slug]): 0,
        url("poll", poll): 0,
        url("poll_results", poll): 0,
        url("poll_board", poll): 0,
        url("poll_receipt", poll, 1): 0,
        url("poll_vote", open_one): 0,
        url("poll_vote_code", secret): script,
        url("poll", secret): 0,
        reverse("voter_key"): script,
        url("poll_board", full): 0,
    }
    for page, extra in pages.items():
        response = client.get(page)
        assert response.status_code == 200, page
        weight = _gz(response.content) + css + extra
        assert weight < BUDGET, (page, weight)

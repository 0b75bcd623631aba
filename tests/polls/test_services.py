"""The polls services: create, open, cast and close, for both secrecy modes and both revote policies.

Every refusal leaves the board valid: each test that is refused verifies the board afterwards.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from assemblies.membership.models import Role
from assemblies.membership.services import membership
from polls import selectors, services
from polls.core import board as B
from polls.core.credentials import derive_credential, new_voting_code
from polls.core.signing import generate_board_key
from polls.models import BoardLine, Poll
from tests import factories

from . import pollkit as K

pytestmark = pytest.mark.django_db


# Creating ----------------------------------------------------------------------------------------------------


def test_convenor_creates_a_draft_poll_with_a_fixed_public_id():
    assembly, convenor, _members, _observer = K.world(2)
    poll = K.make_poll(assembly, convenor)
    assert poll.status == Poll.Status.DRAFT
    assert poll.public_id.startswith("p-") and len(poll.public_id) == 12
    assert set(poll.public_id[2:]) <= set("abcdefghijklmnopqrstuvwxyz234567")
    assert len(bytes.fromhex(poll.tiebreak_seed)) == 32
    assert poll.lines.count() == 0


def test_a_member_cannot_create_a_poll():
    assembly, _convenor, members, _observer = K.world(2)
    with pytest.raises(services.NotAllowed, match="convenor"):
        K.make_poll(assembly, members[0])


@pytest.mark.parametrize(
    "method, options, words",
    [
        ({"kind": "approval", "min": 0, "max": 5}, K.LABELS, "max"),
        ({"kind": "yes-no-abstain", "threshold": {"num": 1, "den": 2}, "base": "cast", "quorum": 0}, K.LABELS, "yes"),
        ({"kind": "irv", "seats": 1}, K.LABELS, "seats"),
        ({"kind": "borda"}, K.LABELS, "unknown method"),
    ],
)
def test_a_method_that_does_not_fit_its_options_is_refused_with_the_reason(method, options, words):
    assembly, convenor, _members, _observer = K.world(2)
    with pytest.raises(services.InvalidPoll, match=words) as refused:
        K.make_poll(assembly, convenor, method=method, options=K.selectors.listed_options(options))
    assert refused.value.field == "method"


def test_a_secret_poll_refuses_weights_other_than_one():
    assembly, convenor, members, _observer = K.world(5)
    with pytest.raises(services.InvalidPoll, match="distinctive weight") as refused:
        K.make_poll(assembly, convenor, secrecy="credential", weights={str(members[0].pk): 2})
    assert refused.value.field == "weights"


def test_a_secret_poll_needs_five_voting_members():
    assembly, convenor, _members, _observer = K.world(3)  # the convenor and 3 members: 4 voters
    with pytest.raises(services.TooFewForSecrecy, match="at least 5"):
        K.make_poll(assembly, convenor, secrecy="credential")


def test_a_secret_poll_is_checked_again_when_it_opens():
    assembly, convenor, members, _observer = K.world(4)
    poll = K.make_poll(assembly, convenor, secrecy="credential")
    membership.set_role(assembly=assembly, by=convenor, member=members[0], role=Role.OBSERVER, now=K.now())
    with pytest.raises(services.TooFewForSecrecy):
        services.open_poll(poll=poll, by=convenor, now=K.now())
    poll.refresh_from_db()
    assert poll.status == Poll.Status.DRAFT and poll.lines.count() == 0


def test_the_closing_time_must_come_after_the_opening_time():
    assembly, convenor, _members, _observer = K.world(2)
    at = K.now()
    with pytest.raises(services.InvalidPoll) as refused:
        K.make_poll(assembly, convenor, at=at, opens_at=at + timedelta(days=2), closes_in=timedelta(days=1))
    assert refused.value.field == "closes_at"


# Opening -----------------------------------------------------------------------------------------------------


def test_opening_freezes_the_voting_members_in_the_roll_call_setup():
    assembly, convenor, members, observer = K.world(3)
    poll = K.make_poll(assembly, convenor, weights={str(members[0].pk): 3})
    poll, codes = K.open_poll(poll, convenor)
    assert codes == []
    setup = services.setup_of(poll)
    listed = {c["member"]["id"]: c for c in setup.body["eligibility"]["credentials"]}
    assert set(listed) == {str(p.pk) for p in [convenor, *members]}
    assert str(observer.pk) not in listed
    assert listed[str(members[0].pk)]["w"] == 3 and setup.eligible_weight == 3 + 3
    assert listed[str(members[1].pk)]["pub"] == services.public_b64u(services.custodial_key(poll, members[1].pk))
    assert set(poll.eligible_voters.values_list("pk", flat=True)) == {p.pk for p in [convenor, *members]}
    assert poll.fingerprint == poll.head == B.entry_hash(K.lines(poll)[0])
    K.assert_valid(poll)


def test_a_member_with_a_browser_key_is_listed_with_it():
    assembly, convenor, members, _observer = K.world(2)
    browser = generate_board_key("browser")
    services.enroll_voter_key(user=members[0], public_key=browser.public, now=K.now())
    poll, _codes = K.open_poll(K.make_poll(assembly, convenor), convenor)
    setup = services.setup_of(poll)
    assert selectors.member_credential(setup, members[0]) == browser.public
    # Only that browser can sign: the plain form is refused with an explanation.
    with pytest.raises(services.BrowserKeyRequired):
        services.cast_roll_call(poll=poll, user=members[0], choice="yes", now=K.now())
    body = B.make_ballot_body(poll.public_id, poll.fingerprint, browser.private_key, "no", signer="voter")
    receipt = services.cast(poll=poll, body=body, now=K.now())
    K.assert_valid(poll, receipts=[receipt])


def test_a_secret_poll_lists_only_public_keys_and_returns_the_paper_codes_once():
    assembly, convenor, members, _observer = K.world(5)
    poll, codes = K.open_poll(K.make_poll(assembly, convenor, secrecy="credential", delivery="paper"), convenor)
    setup = services.setup_of(poll)
    credentials = setup.body["eligibility"]["credentials"]
    assert len(codes) == len(credentials) == 6
    assert all(set(c) == {"pub", "w"} for c in credentials)
    assert [c["pub"] for c in credentials] == sorted(c["pub"] for c in credentials)
    derived = {services.public_b64u(derive_credential(code, poll.public_id)) for code in codes}
    assert derived == set(setup.cred_index)


def test_email_delivery_sends_each_member_a_code_with_the_link_in_the_fragment(
    mailoutbox, django_capture_on_commit_callbacks
):
    assembly, convenor, members, _observer = K.world(5)
    poll = K.make_poll(assembly, convenor, secrecy="credential", delivery="email")
    with django_capture_on_commit_callbacks(execute=True):
        poll, codes = K.open_poll(poll, convenor)
    assert codes == []
    assert sorted(m.to[0] for m in mailoutbox) == sorted(p.email for p in [convenor, *members])
    setup = services.setup_of(poll)
    for message in mailoutbox:
        code = next(line.strip() for line in message.body.splitlines() if line.startswith("    "))
        assert f"/polls/{poll.public_id}/vote-by-code/#code={code}" in message.body
        assert services.public_b64u(derive_credential(code, poll.public_id)) in setup.cred_index


def test_a_poll_opens_once():
    assembly, convenor, _members, _observer = K.world(2)
    poll, _codes = K.open_poll(K.make_poll(assembly, convenor), convenor)
    with pytest.raises(services.AlreadyOpen):
        services.open_poll(poll=poll, by=convenor, now=K.now())
    assert poll.lines.count() == 1


def test_a_member_cannot_open_a_poll():
    assembly, convenor, members, _observer = K.world(2)
    poll = K.make_poll(assembly, convenor)
    with pytest.raises(services.NotAllowed):
        services.open_poll(poll=poll, by=members[0], now=K.now())


# Casting: roll-call ----------------------------------------------------------------------------------------------


def test_a_roll_call_ballot_is_signed_by_the_server_and_answered_with_a_receipt():
    assembly, convenor, members, _observer = K.world(2)
    poll, _codes = K.open_poll(K.make_poll(assembly, convenor), convenor)
    receipt = services.cast_roll_call(poll=poll, user=members[0], choice="yes", now=K.now())
    poll.refresh_from_db()
    line = BoardLine.objects.get(poll=poll, seq=receipt["seq"])
    body = json.loads(line.text)["body"]
    assert body["signer"] == "server" and body["choice"] == "yes"
    assert receipt["entry"] == line.entry_hash == poll.head and receipt["tracker"] == line.tracker
    assert poll.ballot_count == 1
    B.verify_receipt(receipt, board_key=services.board_key().public, poll_id=poll.public_id, fp=poll.fingerprint)
    K.assert_valid(poll, receipts=[receipt])


def test_second_ballot_supersedes_the_first_with_last_counts():
    assembly, convenor, members, _observer = K.world(2)
    poll, _codes = K.open_poll(K.make_poll(assembly, convenor), convenor)
    services.cast_roll_call(poll=poll, user=members[0], choice="no", now=K.now())
    services.cast_roll_call(poll=poll, user=members[0], choice="yes", now=K.now())
    poll = K.close(poll)
    assert poll.result["counted"] == 1 and poll.result["superseded"] == 1
    assert poll.result["tally"] == {"yes": 1, "no": 0, "abstain": 0}
    K.assert_valid(poll)


def test_second_ballot_is_refused_with_revote_none():
    assembly, convenor, members, _observer = K.world(2)
    poll, _codes = K.open_poll(K.make_poll(assembly, convenor, revote="none"), convenor)
    services.cast_roll_call(poll=poll, user=members[0], choice="no", now=K.now())
    with pytest.raises(services.AlreadyVoted, match="one ballot"):
        services.cast_roll_call(poll=poll, user=members[0], choice="yes", now=K.now())
    poll.refresh_from_db()
    assert poll.ballot_count == 1
    K.assert_valid(poll)


@pytest.mark.parametrize("who", ["observer", "outsider", "late member"])
def test_a_non_eligible_person_cannot_vote(who):
    assembly, convenor, _members, observer = K.world(2)
    poll, _codes = K.open_poll(K.make_poll(assembly, convenor), convenor)
    person = observer if who == "observer" else factories.user(who)
    if who == "late member":
        invitation, token = membership.invite(assembly=assembly, by=convenor, email=person.email, now=K.now())
        membership.accept_invitation(token=token, user=person, now=K.now())
    with pytest.raises(services.NotEligible):
        services.cast_roll_call(poll=poll, user=person, choice="yes", now=K.now())
    K.assert_valid(poll)
    assert poll.lines.count() == 1


def test_voting_before_the_poll_opens_is_refused():
    assembly, convenor, members, _observer = K.world(2)
    at = K.now()
    draft = K.make_poll(assembly, convenor, at=at)
    with pytest.raises(services.PollNotOpen):
        services.cast_roll_call(poll=draft, user=members[0], choice="yes", now=at)
    later = K.make_poll(assembly, convenor, at=at, opens_at=at + timedelta(hours=1))
    later, _codes = K.open_poll(later, convenor, at=at)
    with pytest.raises(services.PollNotOpen, match="starts"):
        services.cast_roll_call(poll=later, user=members[0], choice="yes", now=at + timedelta(minutes=5))
    services.cast_roll_call(poll=later, user=members[0], choice="yes", now=at + timedelta(hours=1))
    K.assert_valid(later)


def test_voting_after_the_closing_time_or_the_close_is_refused():
    assembly, convenor, members, _observer = K.world(2)
    poll, _codes = K.open_poll(K.make_poll(assembly, convenor), convenor)
    with pytest.raises(services.PollClosed):
        services.cast_roll_call(poll=poll, user=members[0], choice="yes", now=poll.closes_at)
    poll = K.close(poll)
    with pytest.raises(services.PollClosed):
        services.cast_roll_call(poll=poll, user=members[0], choice="yes", now=poll.closes_at + timedelta(days=1))
    K.assert_valid(poll)


BAD_CHOICES = [
    ("yes-no-abstain", "maybe", "unknown option"),
    ("plurality", "nobody", "unknown option"),
    ("plurality", ["solar-co-op"], "one option id"),
    ("approval", ["repair-cafe", "seed-library", "solar-co-op"], "at most 2"),
    ("approval", ["solar-co-op", "repair-cafe"], "sorted"),
    ("approval", ["solar-co-op", "solar-co-op"], "twice"),
    ("dot", {"solar-co-op": 3, "seed-library": 3}, "budget is 5"),
    ("dot", {"solar-co-op": 0}, "at least 1"),
    ("score", {"solar-co-op": 5, "seed-library": 0, "repair-cafe": 0}, "from 0 to 4"),
    ("score", {"solar-co-op": 1}, "no value"),
    ("majority-judgment", {"solar-co-op": 9, "seed-library": 0, "repair-cafe": 0}, "grade index"),
    ("schulze", ["solar-co-op", "solar-co-op"], "twice"),
    ("irv", ["solar-co-op", "compost"], "unknown option"),
]


@pytest.mark.parametrize("kind, choice, words", BAD_CHOICES)
def test_an_invalid_choice_is_refused_and_the_board_stays_valid(kind, choice, words):
    assembly, convenor, members, _observer = K.world(2)
    poll, _codes = K.open_poll(K.make_poll(assembly, convenor, kind=kind), convenor)
    with pytest.raises(services.InvalidBallot, match=words):
        services.cast_roll_call(poll=poll, user=members[0], choice=choice, now=K.now())
    assert poll.lines.count() == 1
    K.assert_valid(poll)


def test_a_ballot_signed_for_another_poll_is_refused():
    assembly, convenor, members, _observer = K.world(2)
    first, _codes = K.open_poll(K.make_poll(assembly, convenor), convenor)
    second, _codes = K.open_poll(K.make_poll(assembly, convenor), convenor)
    key = services.custodial_key(second, members[0].pk)
    body = B.make_ballot_body(second.public_id, second.fingerprint, key, "yes", signer="server")
    with pytest.raises(services.InvalidBallot, match="another|not this poll"):
        services.cast(poll=first, body=body, now=K.now())
    # Even re-addressed to the first poll, its signature no longer holds.
    forged = {**body, "poll": first.public_id, "fp": first.fingerprint}
    with pytest.raises((services.InvalidBallot, services.NotEligible)):
        services.cast(poll=first, body=forged, now=K.now())
    K.assert_valid(first)


def test_a_replayed_ballot_is_refused():
    assembly, convenor, members, _observer = K.world(2)
    poll, _codes = K.open_poll(K.make_poll(assembly, convenor), convenor)
    key = services.custodial_key(poll, members[0].pk)
    body = B.make_ballot_body(poll.public_id, poll.fingerprint, key, "yes", signer="server")
    services.cast(poll=poll, body=body, now=K.now())
    with pytest.raises(services.ReplayedBallot, match="already on the board"):
        services.cast(poll=poll, body=body, now=K.now())
    assert poll.lines.filter(type="ballot").count() == 1
    K.assert_valid(poll)


def test_a_ballot_with_a_forged_signature_or_an_unknown_credential_is_refused():
    assembly, convenor, members, _observer = K.world(2)
    poll, _codes = K.open_poll(K.make_poll(assembly, convenor), convenor)
    key = services.custodial_key(poll, members[0].pk)
    body = B.make_ballot_body(poll.public_id, poll.fingerprint, key, "yes", signer="server")
    with pytest.raises(services.InvalidBallot, match="signature"):
        services.cast(poll=poll, body={**body, "choice": "no"}, now=K.now())
    stranger = B.make_ballot_body(
        poll.public_id, poll.fingerprint, generate_board_key("x").private_key, "yes", signer="voter"
    )
    with pytest.raises(services.NotEligible):
        services.cast(poll=poll, body=stranger, now=K.now())
    with pytest.raises(services.InvalidBallot, match="lacks"):
        services.cast(poll=poll, body={"poll": poll.public_id}, now=K.now())
    K.assert_valid(poll)


def test_turnout_is_published_after_each_ballot_and_never_the_ballot(monkeypatch):
    published = []
    monkeypatch.setattr(services, "publish", lambda group, event: published.append((group, event)))
    assembly, convenor, members, _observer = K.world(2)
    poll, _codes = K.open_poll(K.make_poll(assembly, convenor), convenor)
    services.cast_roll_call(poll=poll, user=members[0], choice="yes", now=K.now())
    services.cast_roll_call(poll=poll, user=members[1], choice="no", now=K.now())
    turnout = [event for group, event in published if event["type"] == "poll.turnout"]
    assert turnout == [{"type": "poll.turnout", "count": 1}, {"type": "poll.turnout", "count": 2}]
    assert all(group == f"poll.{poll.pk}" for group, _event in published)


def test_a_checkpoint_is_appended_every_hundred_ballots(monkeypatch):
    monkeypatch.setattr(services, "CHECKPOINT_EVERY", 2)
    assembly, convenor, members, _observer = K.world(3)
    poll, _codes = K.open_poll(K.make_poll(assembly, convenor), convenor)
    for person in members:
        services.cast_roll_call(poll=poll, user=person, choice="yes", now=K.now())
    types = list(poll.lines.order_by("seq").values_list("type", flat=True))
    assert types == ["setup", "ballot", "ballot", "checkpoint", "ballot"]
    assert K.assert_valid(poll).checkpoints == 1


# Casting: voting codes -----------------------------------------------------------------------------------------


def _secret_poll(revote="last-counts", kind="approval"):
    assembly, convenor, members, _observer = K.world(5)
    poll, codes = K.open_poll(K.make_poll(assembly, convenor, secrecy="credential", revote=revote, kind=kind), convenor)
    return poll, codes


def test_a_voting_code_casts_a_server_signed_ballot_without_a_member():
    poll, codes = _secret_poll()
    receipt = services.cast_with_code(
        poll=poll, code=codes[0].lower().replace("-", " "), choice=["solar-co-op"], now=K.now()
    )
    body = json.loads(BoardLine.objects.get(poll=poll, seq=receipt["seq"]).text)["body"]
    assert body["signer"] == "server"
    assert body["cred"] == services.public_b64u(derive_credential(codes[0], poll.public_id))
    K.assert_valid(poll, receipts=[receipt])


def test_reusing_a_code_is_a_revote_with_last_counts():
    poll, codes = _secret_poll("last-counts")
    services.cast_with_code(poll=poll, code=codes[0], choice=["solar-co-op"], now=K.now())
    services.cast_with_code(poll=poll, code=codes[0], choice=["repair-cafe"], now=K.now())
    poll = K.close(poll)
    assert poll.result["counted"] == 1 and poll.result["superseded"] == 1
    assert poll.result["tally"]["repair-cafe"] == 1 and poll.result["tally"]["solar-co-op"] == 0
    K.assert_valid(poll)


def test_reusing_a_code_is_refused_with_revote_none():
    poll, codes = _secret_poll("none")
    services.cast_with_code(poll=poll, code=codes[0], choice=["solar-co-op"], now=K.now())
    with pytest.raises(services.AlreadyVoted):
        services.cast_with_code(poll=poll, code=codes[0], choice=["repair-cafe"], now=K.now())
    K.assert_valid(poll)


@pytest.mark.parametrize(
    "code, words",
    [
        ("AAAA-BBBB", "24 characters"),
        ("0000-1111-8888-9999-AAAA-BBBB", "never appear"),
        (None, "not valid for this poll"),  # a well-formed code that was never issued
    ],
)
def test_a_wrong_voting_code_is_refused(code, words):
    poll, _codes = _secret_poll()
    with pytest.raises(services.WrongCode, match=words):
        services.cast_with_code(poll=poll, code=code or new_voting_code(), choice=["solar-co-op"], now=K.now())
    assert poll.lines.count() == 1
    K.assert_valid(poll)


def test_a_code_of_another_poll_is_refused():
    poll, _codes = _secret_poll()
    other, other_codes = K.open_poll(
        K.make_poll(poll.assembly, poll.created_by, secrecy="credential", kind="approval"), poll.created_by
    )
    with pytest.raises(services.WrongCode):
        services.cast_with_code(poll=poll, code=other_codes[0], choice=["solar-co-op"], now=K.now())
    K.assert_valid(poll)


def test_a_code_cannot_vote_in_a_roll_call_poll():
    assembly, convenor, _members, _observer = K.world(5)
    poll, _codes = K.open_poll(K.make_poll(assembly, convenor), convenor)
    with pytest.raises(services.NotAllowed, match="roll-call"):
        services.cast_with_code(poll=poll, code=new_voting_code(), choice="yes", now=K.now())


# Closing --------------------------------------------------------------------------------------------------------


@pytest.mark.smoke
@pytest.mark.parametrize("secrecy", ["roll-call", "credential"])
@pytest.mark.parametrize("revote", ["last-counts", "none"])
def test_a_closed_poll_exports_a_board_that_both_verifiers_accept_with_every_receipt(secrecy, revote, tmp_path):
    assembly, convenor, members, _observer = K.world(5)
    poll, codes = K.open_poll(K.make_poll(assembly, convenor, kind="schulze", secrecy=secrecy, revote=revote), convenor)
    rankings = [["solar-co-op", "seed-library"], ["repair-cafe"], [], ["seed-library", "repair-cafe", "solar-co-op"]]
    receipts = []
    for i, ranking in enumerate(rankings):
        if secrecy == "credential":
            receipts.append(services.cast_with_code(poll=poll, code=codes[i], choice=ranking, now=K.now()))
        else:
            receipts.append(services.cast_roll_call(poll=poll, user=members[i], choice=ranking, now=K.now()))
    if revote == "last-counts":
        again = dict(choice=["repair-cafe", "solar-co-op"], now=K.now())
        receipts.append(
            services.cast_with_code(poll=poll, code=codes[0], **again)
            if secrecy == "credential"
            else services.cast_roll_call(poll=poll, user=members[0], **again)
        )
    poll = K.close(poll)
    assert poll.status == Poll.Status.CLOSED and poll.result_entry == poll.head
    types = list(poll.lines.order_by("seq").values_list("type", flat=True))
    assert types[-3:] == ["checkpoint", "close", "result"]
    assert poll.result["counted"] == 4 and poll.result["tiebreak_seed"] == poll.tiebreak_seed

    report = K.assert_valid(poll, receipts=receipts)
    assert report.receipts_checked == len(receipts)
    assert report.tally == poll.result["tally"] and report.outcome == poll.result["outcome"]

    board = tmp_path / "board.jsonl"
    board.write_bytes(b"".join(K.lines(poll)))
    receipt_args = []
    for n, receipt in enumerate(receipts):
        path = tmp_path / f"receipt-{n}.json"
        path.write_text(json.dumps(receipt))
        receipt_args += ["--receipt", path]
    pinned = "--board-key=" + services.board_key().public
    done = K.run_verifier(board, pinned, "--expect-head", poll.head, *receipt_args)
    assert done.returncode == 0, done.stdout.decode() + done.stderr.decode()
    assert "VALID" in done.stdout.decode()


def test_a_convenor_closes_early_only_when_everyone_has_voted():
    assembly, convenor, members, _observer = K.world(1)
    poll, _codes = K.open_poll(K.make_poll(assembly, convenor), convenor)
    services.cast_roll_call(poll=poll, user=members[0], choice="yes", now=K.now())
    with pytest.raises(services.NotAllowed, match="1 of 2"):
        services.close_poll(poll=poll, by=convenor, now=K.now())
    with pytest.raises(services.NotAllowed):
        services.close_poll(poll=poll, by=members[0], now=K.now())
    services.cast_roll_call(poll=poll, user=convenor, choice="no", now=K.now())
    with pytest.raises(services.NotAllowed):
        services.close_poll(poll=poll, by=members[0], now=K.now())
    poll = services.close_poll(poll=poll, by=convenor, now=K.now())
    assert poll.status == Poll.Status.CLOSED
    assert poll.result["outcome"] == {"passed": False, "quorum_met": True}
    K.assert_valid(poll)


def test_a_second_close_is_refused():
    assembly, convenor, _members, _observer = K.world(1)
    poll, _codes = K.open_poll(K.make_poll(assembly, convenor), convenor)
    poll = K.close(poll)
    with pytest.raises(services.PollClosed):
        K.close(poll)
    assert poll.lines.filter(type="result").count() == 1


def test_nobody_closes_a_poll_before_its_time_without_the_convenors_early_close():
    assembly, convenor, _members, _observer = K.world(1)
    poll, _codes = K.open_poll(K.make_poll(assembly, convenor), convenor)
    with pytest.raises(services.NotAllowed, match="not due"):
        services.close_poll(poll=poll, now=K.now())
    assert services.close_if_due(poll=poll, now=K.now()) is False
    assert services.close_if_due(poll=poll, now=poll.closes_at) is True
    poll.refresh_from_db()
    assert services.close_if_due(poll=poll, now=poll.closes_at) is False


def test_close_due_polls_closes_only_the_polls_past_their_time():
    assembly, convenor, _members, _observer = K.world(1)
    at = K.now()
    soon, _codes = K.open_poll(K.make_poll(assembly, convenor, at=at, closes_in=timedelta(hours=1)), convenor, at=at)
    later, _codes = K.open_poll(K.make_poll(assembly, convenor, at=at, closes_in=timedelta(days=3)), convenor, at=at)
    draft = K.make_poll(assembly, convenor, at=at, closes_in=timedelta(hours=1))
    closed = services.close_due_polls(now=at + timedelta(hours=2))
    assert [p.pk for p in closed] == [soon.pk]
    statuses = dict(Poll.objects.values_list("pk", "status"))
    assert statuses == {soon.pk: "closed", later.pk: "open", draft.pk: "draft"}


def test_weights_count_in_the_result():
    assembly, convenor, members, _observer = K.world(2)
    poll, _codes = K.open_poll(K.make_poll(assembly, convenor, weights={str(members[0].pk): 3}), convenor)
    services.cast_roll_call(poll=poll, user=members[0], choice="yes", now=K.now())
    services.cast_roll_call(poll=poll, user=members[1], choice="no", now=K.now())
    poll = K.close(poll)
    assert poll.result["weight"] == 4 and poll.result["tally"] == {"yes": 3, "no": 1, "abstain": 0}
    assert poll.result["outcome"]["passed"] is True
    K.assert_valid(poll)


# Browser keys -----------------------------------------------------------------------------------------------


def test_enrolling_a_key_replaces_the_previous_one():
    person = factories.user()
    first = services.enroll_voter_key(user=person, public_key=generate_board_key("a").public, now=K.now())
    second = services.enroll_voter_key(user=person, public_key=generate_board_key("b").public, now=K.now())
    first.refresh_from_db()
    assert first.revoked_at is not None and second.revoked_at is None
    assert selectors.active_voter_key(person) == second


@pytest.mark.parametrize("bad", ["", "abc", "A" * 43 + "=", "_" * 43])
def test_a_malformed_key_is_not_enrolled(bad):
    with pytest.raises(services.InvalidKey):
        services.enroll_voter_key(user=factories.user(), public_key=bad, now=K.now())

"""Tamper evidence, at random: a real board (made by the services, stored in the database) mutated in a few
hundred seeded ways, and the roadmap's version chain edited in the database, are refused every time.

Two attackers: someone who edits the published file or the database without the board key (byte flips,
lines deleted, swapped, duplicated, inserted, counts changed), and a dishonest server that holds the board key
and re-signs and re-chains what it changed. The first is caught by the board alone; the second by the voters'
receipts (each voter keeps theirs), which is what they are for.
"""

from __future__ import annotations

import json
import random
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from assemblies.roadmap.models import RoadmapVersion, VersionItem
from polls import services
from polls.core import board as B
from polls.core.canonical import canonical_bytes
from polls.models import BoardLine, Poll
from tests.polls import boardkit as BK
from tests.polls import pollkit as K

pytestmark = pytest.mark.django_db

MUTATIONS = 200
SEED = 20261125


def real_boards():
    """A closed secret board (codes, revotes) and a closed roll-call board, with every voter's receipt."""
    assembly, convenor, members, _observer = K.world(6)
    secret = K.make_poll(assembly, convenor, kind="approval", secrecy="credential", delivery="paper")
    secret, codes = K.open_poll(secret, convenor)
    receipts = {
        secret.public_id: [],
    }
    rng = random.Random(SEED)
    for code in codes + codes[:3]:  # three revotes
        choice = sorted(rng.sample(["repair-cafe", "seed-library", "solar-co-op"], rng.randint(0, 2)))
        receipts[secret.public_id].append(services.cast_with_code(poll=secret, code=code, choice=choice, now=K.now()))
    roll = K.make_poll(assembly, convenor, kind="score")
    roll, _none = K.open_poll(roll, convenor)
    receipts[roll.public_id] = [
        services.cast_roll_call(
            poll=roll,
            user=person,
            choice={o: rng.randint(0, 4) for o in ["repair-cafe", "seed-library", "solar-co-op"]},
            now=K.now(),
        )
        for person in [convenor, *members]
    ]
    return [K.close(secret), K.close(roll)], receipts


def refused(lines, receipts=(), **kwargs) -> bool:
    report = B.verify_board(lines, board_key=services.board_key().public, receipts=receipts, workers=1, **kwargs)
    return not report.valid


# Mutations of the published file, without the board key -------------------------------------------------------


def flip_byte(lines, rng, other):
    index = rng.randrange(len(lines))
    line = bytearray(lines[index])
    line[rng.randrange(len(line))] ^= 1 << rng.randrange(8)
    lines[index] = bytes(line)


def delete_line(lines, rng, other):
    del lines[rng.randrange(len(lines))]


def swap_lines(lines, rng, other):
    first, second = rng.sample(range(len(lines)), 2)
    lines[first], lines[second] = lines[second], lines[first]


def duplicate_line(lines, rng, other):
    index = rng.randrange(len(lines))
    lines.insert(rng.randrange(len(lines) + 1), lines[index])


def insert_foreign_line(lines, rng, other):
    lines.insert(rng.randrange(1, len(lines) + 1), rng.choice(other))


def truncate(lines, rng, other):
    del lines[rng.randrange(1, len(lines)) :]


def change_result_count(lines, rng, other):
    entry = json.loads(lines[-1])
    tally = entry["body"]["tally"]
    option = rng.choice(sorted(tally))
    tally[option] = tally[option] + rng.choice([-1, 1, 7]) if isinstance(tally[option], int) else 0
    lines[-1] = canonical_bytes(entry) + b"\n"


def change_ballot_choice(lines, rng, other):
    index = rng.choice([i for i, line in enumerate(lines) if b'"type":"ballot"' in line])
    entry = json.loads(lines[index])
    choice = entry["body"]["choice"]
    entry["body"]["choice"] = (
        {k: (v + 1) % 5 for k, v in choice.items()}
        if isinstance(choice, dict)
        else ([] if choice else ["seed-library"])
    )
    lines[index] = canonical_bytes(entry) + b"\n"


def reserialise(lines, rng, other):
    index = rng.randrange(len(lines))
    lines[index] = json.dumps(json.loads(lines[index]), ensure_ascii=False).encode() + b"\n"


def break_framing(lines, rng, other):
    index = rng.randrange(len(lines))
    lines[index] = lines[index][:-1] + rng.choice([b"\r\n", b" \n", b"", b"\n\n"])


UNSIGNED = [
    flip_byte,
    delete_line,
    swap_lines,
    duplicate_line,
    insert_foreign_line,
    truncate,
    change_result_count,
    change_ballot_choice,
    reserialise,
    break_framing,
]


# Mutations by a dishonest server that re-signs and re-chains (voters hold receipts) ----------------------------


def _ballot_indexes(entries):
    return [i for i, e in enumerate(entries) if e["type"] == "ballot"]


def resigned_result_change(entries, rng, other):
    result = entries[-1]["body"]
    option = rng.choice(sorted(result["tally"]))
    if isinstance(result["tally"][option], int):
        result["tally"][option] += 1
    else:
        result["counted"] += 1
    return BK.rechain(entries, services.board_key())


def resigned_ballot_dropped(entries, rng, other):
    del entries[rng.choice(_ballot_indexes(entries))]
    return BK.rechain(entries, services.board_key(), seed=other["seed"])


def resigned_ballots_swapped(entries, rng, other):
    first, second = rng.sample(_ballot_indexes(entries), 2)
    entries[first], entries[second] = entries[second], entries[first]
    return BK.rechain(entries, services.board_key(), seed=other["seed"])


def resigned_ballot_replayed(entries, rng, other):
    index = rng.choice(_ballot_indexes(entries))
    entries.insert(index + 1, entries[index])
    return BK.rechain(entries, services.board_key(), seed=other["seed"])


def resigned_setup_change(entries, rng, other):
    entries[0]["body"]["title"] += " (amended)"
    return BK.rechain(entries, services.board_key(), seed=other["seed"])


def forged_roll_call_ballot(entries, rng, other):
    """The server holds the roll-call members' custodial keys: it can sign a ballot of its own making."""
    if other["poll"].is_secret:
        return resigned_ballot_dropped(entries, rng, other)
    index = rng.choice(_ballot_indexes(entries))
    body = entries[index]["body"]
    member = next(
        m
        for m in other["poll"].eligible_voters.all()
        if B.public_b64u(services.custodial_key(other["poll"], m.pk)) == body["cred"]
    )
    entries[index]["body"] = B.make_ballot_body(
        body["poll"],
        body["fp"],
        services.custodial_key(other["poll"], member.pk),
        {k: 0 for k in body["choice"]},
        signer="server",
    )
    return BK.rechain(entries, services.board_key(), seed=other["seed"])


RESIGNED = [
    resigned_result_change,
    resigned_ballot_dropped,
    resigned_ballots_swapped,
    resigned_ballot_replayed,
    resigned_setup_change,
    forged_roll_call_ballot,
]


def test_the_verifier_refuses_every_one_of_200_random_mutations_of_real_boards():
    polls, receipts = real_boards()
    boards = {poll.public_id: K.lines(poll) for poll in polls}
    for poll in polls:
        assert not refused(boards[poll.public_id], receipts[poll.public_id])
    rng = random.Random(SEED)
    seen = set()
    for number in range(MUTATIONS):
        poll = rng.choice(polls)
        original = boards[poll.public_id]
        other = next(lines for public_id, lines in boards.items() if public_id != poll.public_id)
        if number % 3 == 2:
            mutation = rng.choice(RESIGNED)
            context = {"seed": bytes.fromhex(poll.tiebreak_seed), "poll": poll}
            mutated = mutation(BK.entries(original), rng, context)
            voters_check = receipts[poll.public_id]
        else:
            mutation = rng.choice(UNSIGNED)
            mutated = list(original)
            mutation(mutated, rng, other)
            voters_check = ()  # the file alone must give it away
        if mutated == original:
            continue
        seen.add(mutation.__name__)
        assert refused(mutated, voters_check), f"mutation {number} ({mutation.__name__}) of {poll.public_id} verified"
    assert seen == {m.__name__ for m in UNSIGNED + RESIGNED}


# The same board, edited in the database: `verify_poll` ---------------------------------------------------------


def verify_poll(public_id) -> tuple[int, str]:
    out, err = StringIO(), StringIO()
    try:
        call_command("verify_poll", public_id, stdout=out, stderr=err)
    except SystemExit as stop:
        return int(stop.code or 0), err.getvalue()
    return 0, out.getvalue()


def _sql(statement, params):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def _flip(data: bytes, rng) -> bytes:
    data = bytearray(data)
    data[rng.randrange(len(data))] ^= 1 << rng.randrange(7)
    return bytes(data)


DATABASE_EDITS = {
    "line bytes": lambda poll, line, rng: _sql(
        "UPDATE polls_boardline SET data = %s WHERE id = %s", [_flip(bytes(line.data), rng), line.pk]
    ),
    "entry hash column": lambda poll, line, rng: _sql(
        "UPDATE polls_boardline SET entry_hash = %s WHERE id = %s", ["0" * 64, line.pk]
    ),
    "tracker column": lambda poll, line, rng: _sql(
        "UPDATE polls_boardline SET tracker = %s WHERE id = %s", ["AAAA-AAAA-AAAA-AAAA-AAAA", line.pk]
    ),
    "credential column": lambda poll, line, rng: _sql(
        "UPDATE polls_boardline SET cred = (SELECT cred FROM polls_boardline b WHERE b.poll_id = %s AND b.type = "
        "'ballot' AND b.cred <> %s ORDER BY b.seq LIMIT 1) WHERE id = %s",
        [poll.pk, line.cred, line.pk],
    ),
    "line deleted": lambda poll, line, rng: _sql("DELETE FROM polls_boardline WHERE id = %s", [line.pk]),
    "poll head": lambda poll, line, rng: _sql("UPDATE polls_poll SET head = %s WHERE id = %s", ["1" * 64, poll.pk]),
    "ballot count": lambda poll, line, rng: _sql(
        "UPDATE polls_poll SET ballot_count = ballot_count - 1 WHERE id = %s", [poll.pk]
    ),
    "stored result": lambda poll, line, rng: _sql(
        "UPDATE polls_poll SET result = %s WHERE id = %s",
        [json.dumps(dict(poll.result, counted=poll.result["counted"] + 1)), poll.pk],
    ),
}


@pytest.mark.parametrize("edit", sorted(DATABASE_EDITS))
def test_verify_poll_names_an_edit_made_directly_in_the_database(edit):
    polls, _receipts = real_boards()
    poll = polls[1]
    assert verify_poll(poll.public_id)[0] == 0
    rng = random.Random(edit)
    line = rng.choice(list(BoardLine.objects.filter(poll=poll, type="ballot")))
    DATABASE_EDITS[edit](Poll.objects.get(pk=poll.pk), line, rng)
    code, report = verify_poll(poll.public_id)
    assert code == 1 and "INVALID" in report, f"{edit}: {report}"


# The roadmap's version chain, edited in the database: `verify_roadmap` -------------------------------------------


def roadmap_with_history():
    from django.utils import timezone

    from assemblies.roadmap.models import Item
    from assemblies.roadmap.services import roadmap
    from tests import factories

    convenor = factories.user("Amara")
    assembly = factories.assembly(convenor, roadmap_text=factories.SMALL_ROADMAP)
    for number, ref in enumerate(["DIG-1", "POL-2", "DIG-3"]):
        item = Item.objects.get(roadmap__assembly=assembly, ref=ref)
        roadmap.edit_item(
            item=item, text=f"A clearer wording, take {number}.", by=convenor, reason="clarity", now=timezone.now()
        )
    return assembly


def verify_roadmap(slug) -> bool:
    try:
        call_command("verify_roadmap", assembly=slug, stdout=StringIO(), stderr=StringIO())
    except CommandError:
        return False
    return True


def _version(assembly, rng, *, not_first=False):
    versions = list(RoadmapVersion.objects.filter(roadmap__assembly=assembly).order_by("number"))
    return rng.choice(versions[1:] if not_first else versions)


def _row(assembly, rng):
    return rng.choice(list(VersionItem.objects.filter(version__roadmap__assembly=assembly)))


def _smuggle_item(assembly, version):
    _sql(
        "INSERT INTO assemblies_item (roadmap_id, ref, space_id) SELECT roadmap_id, 'DIG-99', space_id FROM "
        "assemblies_item WHERE roadmap_id = %s LIMIT 1",
        [version.roadmap_id],
    )
    _sql(
        "INSERT INTO assemblies_versionitem (version_id, item_id, space_id, position, text, priority) "
        "SELECT %s, id, space_id, 999, 'Smuggled in.', NULL FROM assemblies_item WHERE roadmap_id = %s AND ref = 'DIG-99'",  # noqa: E501
        [version.pk, version.roadmap_id],
    )


ROADMAP_EDITS = {
    "document byte": lambda a, rng: (
        lambda v: _sql(
            "UPDATE assemblies_roadmapversion SET document = %s WHERE id = %s", [_flip(bytes(v.document), rng), v.pk]
        )
    )(_version(a, rng)),
    "document re-serialised": lambda a, rng: (
        lambda v: _sql(
            "UPDATE assemblies_roadmapversion SET document = %s WHERE id = %s",
            [json.dumps(json.loads(bytes(v.document)), indent=1).encode(), v.pk],
        )
    )(_version(a, rng)),
    "content hash": lambda a, rng: (
        lambda v: _sql(
            "UPDATE assemblies_roadmapversion SET content_hash = %s WHERE id = %s",
            [format(rng.getrandbits(256), "064x"), v.pk],
        )
    )(_version(a, rng)),
    "parent hash": lambda a, rng: (
        lambda v: _sql(
            "UPDATE assemblies_roadmapversion SET parent_hash = %s WHERE id = %s",
            [format(rng.getrandbits(256), "064x"), v.pk],
        )
    )(_version(a, rng, not_first=True)),
    "parent link cut": lambda a, rng: (
        lambda v: _sql("UPDATE assemblies_roadmapversion SET parent_id = NULL WHERE id = %s", [v.pk])
    )(_version(a, rng, not_first=True)),
    "version number": lambda a, rng: (
        lambda v: _sql("UPDATE assemblies_roadmapversion SET number = number + 10 WHERE id = %s", [v.pk])
    )(_version(a, rng)),
    "item text": lambda a, rng: (
        lambda r: _sql("UPDATE assemblies_versionitem SET text = %s WHERE id = %s", [r.text + " Forged.", r.pk])
    )(_row(a, rng)),
    "item priority": lambda a, rng: (
        lambda r: _sql("UPDATE assemblies_versionitem SET priority = %s WHERE id = %s", [(r.priority or 0) + 1, r.pk])
    )(_row(a, rng)),
    "item order": lambda a, rng: (
        lambda r: _sql("UPDATE assemblies_versionitem SET position = position + 100 WHERE id = %s", [r.pk])
    )(_row(a, rng)),
    "item deleted": lambda a, rng: (lambda r: _sql("DELETE FROM assemblies_versionitem WHERE id = %s", [r.pk]))(
        _row(a, rng)
    ),
    "item inserted": lambda a, rng: _smuggle_item(a, _version(a, rng)),
}


@pytest.mark.parametrize("edit", sorted(ROADMAP_EDITS))
def test_verify_roadmap_detects_each_kind_of_database_edit(edit):
    assembly = roadmap_with_history()
    assert verify_roadmap(assembly.slug)
    for attempt in range(3):  # three random targets of the same kind
        with connection.cursor() as cursor:
            cursor.execute("SAVEPOINT tamper")
        ROADMAP_EDITS[edit](assembly, random.Random(f"{edit}-{attempt}"))
        assert not verify_roadmap(assembly.slug), f"{edit} (attempt {attempt}) went unnoticed"
        with connection.cursor() as cursor:
            cursor.execute("ROLLBACK TO SAVEPOINT tamper")
        assert verify_roadmap(assembly.slug)

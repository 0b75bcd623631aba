"""The golden vectors of an independent implementation (shared/specs/vectors/, copied to
tests/polls/vectors/): our verifier must reach the verdicts of expected.json."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from polls.core.board import InvalidReceipt, load_setup, verify_board, verify_receipt

HERE = Path(__file__).resolve().parent
CHECKED_IN = HERE / "vectors"
SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "specs" / "vectors"
VECTOR_DIRS = [CHECKED_IN] + ([SHARED] if SHARED.is_dir() else [])


def _cases():
    for directory in VECTOR_DIRS:
        for case in json.loads((directory / "expected.json").read_text()):
            yield pytest.param(directory, case, id=f"{directory.parent.name}/{directory.name}:{case['board']}")


def _lines(path: Path) -> list[bytes]:
    return path.read_bytes().splitlines(keepends=True)


def test_checked_in_copy_matches_the_shared_vectors():
    if not SHARED.is_dir():
        pytest.skip("shared/specs/vectors is not beside this repository")
    shared = sorted(p.relative_to(SHARED) for p in SHARED.rglob("*") if p.is_file())
    ours = sorted(p.relative_to(CHECKED_IN) for p in CHECKED_IN.rglob("*") if p.is_file())
    assert ours == shared
    for relative in shared:
        assert (CHECKED_IN / relative).read_bytes() == (SHARED / relative).read_bytes(), relative


@pytest.mark.parametrize("directory, case", list(_cases()))
def test_expected_verdict(directory, case):
    receipts = [(name, (directory / name).read_bytes()) for name in case["receipts"]]
    report = verify_board(_lines(directory / case["board"]), receipts=receipts)
    assert report.valid is case["valid"], report.errors
    if case["valid"]:
        assert report.errors == []
        assert report.counts["counted"] == case["counted"]
        assert report.outcome == case["outcome"]
        assert report.receipts_checked == len(receipts)
        assert not report.open
    else:
        line, why = report.errors[0]
        assert line == case["first_error"]["line"]
        # The wording is free; the gist must be there.
        gist = case["first_error"]["why"].split(":")[0].split(" differs")[0]
        assert gist.split()[0] in why


def test_drop_receipt_board_passes_without_the_receipt():
    """A removed ballot with a rebuilt, re-signed chain is only detectable by its receipt."""
    for directory in VECTOR_DIRS:
        report = verify_board(_lines(directory / "tampered" / "drop-receipt-line-resigned.jsonl"))
        assert report.valid, report.errors


def test_tally_change_is_caught_only_by_the_recount():
    for directory in VECTOR_DIRS:
        report = verify_board(_lines(directory / "tampered" / "change-tally-resigned.jsonl"))
        assert [line for line, _ in report.errors] == [17]
        assert "tally" in report.errors[0][1]


@pytest.mark.parametrize("name", ["receipt-0000001.json", "receipt-0000005.json"])
def test_receipts_check_on_their_own(name):
    for directory in VECTOR_DIRS:
        setup = load_setup(_lines(directory / "approval-credential.jsonl")[0])
        receipt = verify_receipt(
            (directory / "receipts-approval" / name).read_bytes(),
            board_key=setup.board_pub,
            kid=setup.board_kid,
            poll_id=setup.poll,
            fp=setup.fp,
        )
        assert receipt["seq"] in (1, 5)
        with pytest.raises(InvalidReceipt, match="signature"):
            other = dict(receipt, seq=receipt["seq"] + 1)
            verify_receipt(other, board_key=setup.board_pub)


def test_pinned_keys_of_the_vectors():
    lines = _lines(CHECKED_IN / "approval-credential.jsonl")
    setup = load_setup(lines[0])
    assert verify_board(lines, board_key=setup.board_pub, issuer_key=setup.issuer_pub).valid
    wrong = load_setup(_lines(CHECKED_IN / "yna-rollcall.jsonl")[0]).board_pub
    report = verify_board(lines, board_key=wrong)
    assert not report.valid and report.errors[0][0] == 0 and "pinned board key" in report.errors[0][1]
    report = verify_board(lines, issuer_key=wrong)
    assert not report.valid and report.errors[0][0] == 0 and "pinned issuer key" in report.errors[0][1]


@pytest.mark.parametrize("workers", [1, 2])
def test_vectors_agree_through_the_pool(monkeypatch, workers):
    """The same verdicts when the lines go through worker processes in small chunks."""
    from polls.core import board

    monkeypatch.setattr(board, "POOL_THRESHOLD", 4)
    monkeypatch.setattr(board, "CHUNK_LINES", 3)
    for case in json.loads((CHECKED_IN / "expected.json").read_text()):
        receipts = [(name, (CHECKED_IN / name).read_bytes()) for name in case["receipts"]]
        report = verify_board(_lines(CHECKED_IN / case["board"]), receipts=receipts, workers=workers)
        assert report.valid is case["valid"]
        if not case["valid"]:
            assert report.errors[0][0] == case["first_error"]["line"]

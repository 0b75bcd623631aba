"""The standalone verifier's command line: python -m polls.verify (deliberate-verify)."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path

import pytest

from polls import verify
from polls.core.board import entry_hash

from . import boardkit as K

ROOT = Path(__file__).resolve().parents[2]
VECTORS = Path(__file__).resolve().parent / "vectors"
APPROVAL = VECTORS / "approval-credential.jsonl"
RECEIPT_1 = VECTORS / "receipts-approval" / "receipt-0000001.json"
RECEIPT_5 = VECTORS / "receipts-approval" / "receipt-0000005.json"


def run(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "polls.verify", *map(str, args)],
        cwd=ROOT,
        input=stdin,
        capture_output=True,
        timeout=120,
    )


def test_valid_board_exits_0_with_a_human_report():
    done = run(APPROVAL, "--receipt", RECEIPT_1, "--receipt", RECEIPT_5)
    assert done.returncode == 0, done.stderr
    out = done.stdout.decode()
    for fragment in ("poll-101-approval", "Séance plénière n° 101", "approval", "12 counted",
                     "winners opt-3", "Receipts:   2 of 2 checked", "VALID"):  # fmt: skip
        assert fragment in out, fragment
    assert "INVALID" not in out


def test_json_report_shape():
    done = run(APPROVAL, "--json", "--receipt", RECEIPT_1)
    assert done.returncode == 0
    report = json.loads(done.stdout)
    assert report["valid"] is True and report["open"] is False and report["errors"] == []
    assert report["counts"] == {"ballots": 15, "counted": 12, "superseded": 3, "weight": 12}
    assert report["outcome"] == {"ranking": ["opt-3", "opt-4", "opt-2", "opt-1"], "winners": ["opt-3"]}
    assert report["receipts_checked"] == 1 and report["receipts_given"] == 1
    assert report["head"] == entry_hash(APPROVAL.read_bytes().splitlines()[-1])
    assert report["board"] == str(APPROVAL)


@pytest.mark.parametrize(
    "board, receipts, line",
    [
        ("tampered/flip-byte.jsonl", [], 8),
        ("tampered/change-tally-resigned.jsonl", [], 17),
        ("tampered/drop-receipt-line-resigned.jsonl", [RECEIPT_1], 1),
    ],
)
def test_tampered_boards_exit_1_naming_the_line(board, receipts, line):
    args = [VECTORS / board]
    for receipt in receipts:
        args += ["--receipt", receipt]
    done = run(*args)
    assert done.returncode == 1
    assert f"INVALID: line {line}:" in done.stdout.decode()
    report = json.loads(run(*args, "--json").stdout)
    assert report["valid"] is False and report["errors"][0]["line"] == line


def test_drop_receipt_board_passes_without_its_receipt():
    assert run(VECTORS / "tampered/drop-receipt-line-resigned.jsonl", "--quiet").returncode == 0


def test_usage_errors_exit_2(tmp_path):
    assert run(tmp_path / "missing.jsonl").returncode == 2
    assert run(APPROVAL, "--board-key", "not-a-key").returncode == 2
    assert run(APPROVAL, "--expect-head", "123").returncode == 2
    assert run(APPROVAL, "--receipt", tmp_path / "missing.json").returncode == 2
    assert run(APPROVAL, "--workers", "0").returncode == 2
    assert run().returncode == 2
    done = run(tmp_path)  # a directory
    assert done.returncode == 2 and b"cannot read" in done.stderr


def test_expect_head_and_pinned_keys():
    lines = APPROVAL.read_bytes().splitlines()
    head, middle = entry_hash(lines[-1]), entry_hash(lines[4])
    assert run(APPROVAL, "--expect-head", head, "--expect-head", middle.upper()).returncode == 0
    done = run(APPROVAL, "--expect-head", "ab" * 32)
    assert done.returncode == 1 and b"expected head" in done.stdout
    setup = json.loads(lines[0])["body"]
    assert run(APPROVAL, "--board-key=" + setup["board_key"]["ed25519"],
               "--issuer-key", setup["eligibility"]["issuer"]["ed25519"]).returncode == 0  # fmt: skip
    assert run(APPROVAL, "--board-key=" + setup["eligibility"]["issuer"]["ed25519"]).returncode == 1


def test_open_board_needs_open_flag(tmp_path):
    built = K.build("schulze", close=False)
    path = built.write(tmp_path / "open.jsonl")
    receipt = tmp_path / "r.json"
    receipt.write_text(json.dumps(built.receipts[2]))
    done = run(path, "--receipt", receipt)
    assert done.returncode == 1 and b"open" in done.stdout
    done = run(path, "--receipt", receipt, "--open", "--json")
    assert done.returncode == 0
    report = json.loads(done.stdout)
    assert report["open"] is True and report["valid"] is True and report["receipts_checked"] == 1


def test_gzip_and_stdin(tmp_path):
    gz = tmp_path / "board.jsonl.gz"
    gz.write_bytes(gzip.compress(APPROVAL.read_bytes()))
    assert run(gz, "--quiet").returncode == 0
    assert run("-", "--quiet", stdin=APPROVAL.read_bytes()).returncode == 0
    assert run("-", "--quiet", stdin=gzip.compress(APPROVAL.read_bytes())).returncode == 0
    assert run("-", "--quiet", stdin=(VECTORS / "tampered/flip-byte.jsonl").read_bytes()).returncode == 1
    broken = tmp_path / "broken.jsonl.gz"
    broken.write_bytes(gzip.compress(APPROVAL.read_bytes())[:-30])
    assert run(broken).returncode == 2


def test_progress_goes_to_stderr_and_workers_flag(tmp_path):
    done = run(APPROVAL, "--progress", "--workers", "2", "--quiet")
    assert done.returncode == 0
    # --quiet wins over --progress: nothing but the verdict
    assert done.stderr == b""
    done = run(APPROVAL, "--progress", "--workers", "1")
    assert done.returncode == 0 and b"verifying: 18 / 18 lines" in done.stderr


def test_main_in_process_returns_the_status(capsys):
    assert verify.main([str(APPROVAL), "--quiet"]) == 0
    assert capsys.readouterr().out.strip() == "VALID: every check holds"
    assert verify.main([str(VECTORS / "tampered/flip-byte.jsonl"), "--quiet"]) == 1
    assert verify.main(["--help"]) == 0


def test_the_verifier_imports_no_django():
    code = (
        "import sys; sys.modules['django'] = None\n"
        "import polls.verify, polls.core.board, polls.core.credentials\n"
        "assert not any(m == 'django' or m.startswith('django.') for m in sys.modules if sys.modules[m] is not None)\n"
        f"sys.exit(polls.verify.main([{str(APPROVAL)!r}, '--quiet']))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr

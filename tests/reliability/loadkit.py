"""Casting over HTTP against real Daphne processes, for the reliability tests (helpers, not a test module).

Run as `python -m tests.reliability.loadkit setup VOTERS POLLS` (with a live site's environment), it builds
an assembly of VOTERS members, opens POLLS secret approval polls (voting codes on paper, revote
"last-counts"), and prints as JSON each poll's public id, fingerprint and codes, and the convenor's session.

The clients post ballots signed here, as a browser with JavaScript signs them (polls.core), to the JSON
endpoint `/polls/<id>/ballots`: concurrency comes from the HTTP clients, while each Daphne process opens one
database connection per request in flight, so the number of clients bounds the database's connections.
"""

from __future__ import annotations

import http.client
import json
import secrets
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

CSRF_TOKEN = secrets.token_hex(16)  # 32 characters: a well-formed CSRF secret, as the cookie holds it


@dataclass
class Answer:
    """What one POST brought back: a status and its JSON, or None when the connection failed."""

    index: int
    status: int | None
    data: dict | None
    failure: str = ""


def post_ballot(base: str, public_id: str, body: dict, *, timeout: float = 30) -> tuple[int | None, dict | None, str]:
    """POST one signed ballot as the page's script does (JSON, CSRF cookie and header)."""
    connection = http.client.HTTPConnection(base.removeprefix("http://"), timeout=timeout)
    try:
        connection.request(
            "POST",
            f"/polls/{public_id}/ballots",
            body=json.dumps(body).encode(),
            headers={
                "Content-Type": "application/json",
                "Cookie": f"csrftoken={CSRF_TOKEN}",
                "X-CSRFToken": CSRF_TOKEN,
            },
        )
        response = connection.getresponse()
        raw = response.read()
        try:
            data = json.loads(raw)
        except ValueError:
            data = {"unparsed": raw[:200].decode("latin-1")}
        return response.status, data, ""
    except (OSError, http.client.HTTPException) as error:
        return None, None, repr(error)
    finally:
        connection.close()


def post_all(bases: list[str], public_id: str, bodies: list[dict], *, clients: int, on_answer=None) -> list[Answer]:
    """Post every body, `clients` at a time, spread over the servers; `on_answer(answer)` runs as each
    one arrives (the kill test pulls the trigger from there)."""
    answers: list[Answer | None] = [None] * len(bodies)
    lock = threading.Lock()

    def send(index: int) -> None:
        status, data, failure = post_ballot(bases[index % len(bases)], public_id, bodies[index])
        answer = Answer(index, status, data, failure)
        with lock:
            answers[index] = answer
        if on_answer is not None:
            on_answer(answer)

    with ThreadPoolExecutor(max_workers=clients) as pool:
        list(pool.map(send, range(len(bodies))))
    return answers


# The setup subprocess ----------------------------------------------------------------------------------------


def _setup(voters: int, polls: int) -> dict:
    from datetime import timedelta

    from django.utils import timezone

    from assemblies.accounts.services import create_account
    from assemblies.membership.services import membership
    from polls import selectors, services
    from tests.livekit import session_for

    now = timezone.now().replace(microsecond=0)
    token = secrets.token_hex(3)
    # No passwords: these people never log in, and hashing hundreds of them would take minutes.
    convenor = create_account(email=f"convenor-{token}@example.org", password=None, display_name="Convenor")
    assembly = membership.create_assembly(name="Load assembly", visibility="public", creator=convenor, now=now)
    link = membership.create_join_link(assembly=assembly, by=convenor, now=now)
    for number in range(voters - 1):
        person = create_account(
            email=f"voter{number}-{token}@example.org", password=None, display_name=f"Voter {number}"
        )
        membership.join_by_link(token=link.token, user=person, now=now)
    made = []
    for number in range(polls):
        poll = services.create_poll(
            assembly=assembly,
            by=convenor,
            title=f"Load poll {number}",
            question="Which projects first?",
            subject_type="motion",
            subject_refs=[],
            contributions=[],
            options=selectors.listed_options(["Solar co-op", "Seed library", "Repair café"]),
            method={"kind": "approval", "min": 0, "max": 2},
            secrecy="credential",
            revote="last-counts",
            delivery="paper",
            opens_at=None,
            closes_at=now + timedelta(days=1),
            now=now,
        )
        opened = services.open_poll(poll=poll, by=convenor, now=now)
        made.append({"id": poll.public_id, "fp": opened.poll.fingerprint, "codes": opened.paper_codes})
    return {"polls": made, "convenor": session_for(convenor), "board_key": services.board_key().public}


if __name__ == "__main__":
    import django

    django.setup()
    if len(sys.argv) == 4 and sys.argv[1] == "setup":
        print(json.dumps(_setup(int(sys.argv[2]), int(sys.argv[3]))))
    else:
        raise SystemExit(f"usage: python -m tests.reliability.loadkit setup VOTERS POLLS (not {sys.argv[1:]})")

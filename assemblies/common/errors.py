"""The one family of domain errors.

A service that refuses raises a `DomainError`: its `message` is meant for the person who asked (already in
their language), and `field` names the submitted field at fault when there is one. Every error is of one
of five kinds below; each app defines its own errors beside the services that raise them, as subclasses
of one kind (`AmendmentConflict` is a `Conflict`, `NotEligible` a `NotAllowed`).

The interfaces map the kind, and only the kind, to what the client sees: `http_status` for pages and the
JSON API, `close_code` for a socket that must close. Nothing else decides a status code.
"""

from __future__ import annotations


class DomainError(Exception):
    """A refusal, with a message meant for the person who asked."""

    def __init__(self, message, *, field: str | None = None):
        super().__init__(str(message))
        self.message = str(message)
        self.field = field


class NotAllowed(DomainError):
    """The person may not do this (role, phase, status, eligibility); the message says why."""


class InvalidInput(DomainError):
    """What was submitted cannot be used (empty, too long, malformed, unknown); `field` names the culprit."""


class Conflict(DomainError):
    """The request was valid, but the state it applies to has moved on or forbids it now (already decided,
    closed, overtaken by another change)."""


class NotFound(DomainError):
    """What was asked for does not exist (or is not visible to the person, which reads the same)."""


class RateLimited(DomainError):
    """Too many attempts in a short time; `retry_after` says in how many seconds it works again."""

    def __init__(self, message, *, retry_after: int, field: str | None = None):
        super().__init__(message, field=field)
        self.retry_after = retry_after


# The edge's mapping, by kind: HTTP status, and the WebSocket close code (4000 + the HTTP status).
_KINDS: tuple[tuple[type[DomainError], int], ...] = (
    (NotAllowed, 403),
    (InvalidInput, 400),
    (Conflict, 409),
    (NotFound, 404),
    (RateLimited, 429),
)


def http_status(error: DomainError | type[DomainError]) -> int:
    """The HTTP status of a refusal (or of a kind of refusal): its kind's (400 for an error of no kind)."""
    cls = error if isinstance(error, type) else type(error)
    for kind, status in _KINDS:
        if issubclass(cls, kind):
            return status
    return 400


def close_code(error: DomainError | type[DomainError]) -> int:
    """The WebSocket close code of a refusal that ends a socket: 4000 + its HTTP status (4403, 4429...)."""
    return 4000 + http_status(error)


def require(verdict) -> None:
    """Raise NotAllowed with the verdict's reason unless it allows."""
    if not verdict:
        raise NotAllowed(verdict.reason)

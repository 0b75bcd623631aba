"""Every state change of assemblies, spaces, the roadmap and contributions.

Each service takes keyword-only arguments (including `now`), runs in one transaction, and raises one of
the domain errors below when it refuses; the pages map them to a clear message. Import the functions
from their modules: `from assemblies.services import roadmap` then `roadmap.adopt(...)`.
"""

from __future__ import annotations


class AssemblyError(Exception):
    """A refusal, with a message meant for the person who asked."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = str(message)


class NotAllowed(AssemblyError):
    """The person may not do this (role, phase, or status); the message says why."""


class InvalidInput(AssemblyError):
    """What was submitted cannot be used (empty, too long, unknown); `field` names the culprit."""

    def __init__(self, message, *, field: str | None = None):
        super().__init__(message)
        self.field = field


class AmendmentConflict(AssemblyError):
    """The text an amendment was written against has changed since; it must be rebased."""

    def __init__(self, message, *, base_text: str, current_text: str | None):
        super().__init__(message)
        self.base_text = base_text
        self.current_text = current_text


class AlreadyDecided(AssemblyError):
    """The outcome was already applied (or the text withdrawn): it is never applied twice."""


def require(verdict) -> None:
    """Raise NotAllowed with the verdict's reason unless it allows."""
    if not verdict:
        raise NotAllowed(verdict.reason)

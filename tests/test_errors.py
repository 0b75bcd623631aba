"""One family of domain errors: every refusal the services raise has exactly one kind, and the edge maps
the kind (and only the kind) to an HTTP status and a WebSocket close code."""

import importlib
import pkgutil

import pytest

import assemblies
import polls
from assemblies.common import errors

KINDS = (errors.NotAllowed, errors.InvalidInput, errors.Conflict, errors.NotFound, errors.RateLimited)


def _all_subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _all_subclasses(sub)


@pytest.fixture(scope="module")
def domain_errors():
    for package in (assemblies, polls):
        for module in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            if ".migrations" not in module.name and ".management" not in module.name:
                importlib.import_module(module.name)
    return [cls for cls in _all_subclasses(errors.DomainError) if cls not in KINDS]


def test_every_domain_error_is_of_exactly_one_kind(domain_errors):
    assert len(domain_errors) >= 20  # the services' own errors were found (polls, roadmap, membership...)
    for cls in domain_errors:
        kinds = [kind for kind in KINDS if issubclass(cls, kind)]
        assert len(kinds) == 1, f"{cls.__module__}.{cls.__qualname__} is of kinds {kinds}"


def test_there_is_one_family():
    """No other base of refusals is left beside DomainError (the old AssemblyError, PollError)."""
    from assemblies.accounts import services as accounts

    assert not hasattr(errors, "AssemblyError")
    assert not hasattr(importlib.import_module("polls.services"), "PollError")
    assert issubclass(accounts.InvalidAccountChange, errors.InvalidInput)


@pytest.mark.parametrize(
    ("kind", "status"),
    [(errors.NotAllowed, 403), (errors.InvalidInput, 400), (errors.Conflict, 409), (errors.NotFound, 404)],
)
def test_the_edge_maps_each_kind_once(kind, status):
    refusal = kind("No.")
    assert errors.http_status(refusal) == status == errors.http_status(kind)
    assert errors.close_code(refusal) == 4000 + status


def test_a_rate_limit_says_when_to_retry():
    refusal = errors.RateLimited("Too fast.", retry_after=12)
    assert (errors.http_status(refusal), errors.close_code(refusal), refusal.retry_after) == (429, 4429, 12)


def test_a_services_error_keeps_its_kinds_status():
    from polls import services

    assert errors.http_status(services.PollClosed("Closed.")) == 409
    assert errors.http_status(services.NotEligible("Not on the list.")) == 403
    assert errors.http_status(services.InvalidBallot("Bad.")) == 400

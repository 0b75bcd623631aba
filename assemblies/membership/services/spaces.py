"""Co-construction spaces and their phases."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext as _

from assemblies.audit import services as audit
from assemblies.common.errors import InvalidInput, require
from assemblies.common.events import publish
from assemblies.membership import rules
from assemblies.membership.models import Membership, Phase, Space
from assemblies.membership.services.notifications import notify


def set_phase(*, space: Space, by, phase: str, now: datetime) -> Space:
    """Move a space to another phase and tell its assembly's members."""
    require(rules.can_set_phase(by, space))
    if phase not in Phase.values:
        raise InvalidInput(_("Unknown phase."), field="phase")
    with transaction.atomic():
        space = Space.objects.select_for_update(of=("self",)).select_related("assembly").get(pk=space.pk)
        if space.phase == phase:
            return space
        previous = space.phase
        space.phase = phase
        space.phase_changed_at = now
        space.save(update_fields=["phase", "phase_changed_at"])
        members = [m.user for m in Membership.objects.filter(assembly=space.assembly).select_related("user")]
        notify(
            users=members,
            assembly=space.assembly,
            kind="phase_changed",
            text=_("“%(space)s” is now in the %(phase)s phase.")
            % {"space": space.title, "phase": space.get_phase_display().lower()},
            url=space.get_absolute_url(),
            now=now,
        )
        audit.record(
            assembly=space.assembly,
            actor=by,
            action=audit.Action.SPACE_PHASE,
            target=space,
            details={"from": previous, "to": phase},
            now=now,
        )
        publish(f"assembly.{space.assembly_id}", {"type": "assembly.phase", "space": space.pk, "phase": phase})
    return space

"""The debates app's answers to the signals of the apps it builds on (connected in `apps.ready`)."""

from django.dispatch import receiver

from assemblies.debates.services.live_sessions import announce_poll
from polls.signals import poll_changed


@receiver(poll_changed, dispatch_uid="debates.announce_poll")
def _announce_poll(sender, *, poll, contribution_ids, **kwargs) -> None:
    announce_poll(poll, contribution_ids)

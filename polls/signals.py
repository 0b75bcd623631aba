"""What the polls app tells the apps built on it, without importing them.

`poll_changed` is sent, inside the transaction, when a poll on texts is tabled, opened or closed: the
debates app (which builds on polls) then tells the open pages of those texts' debates which poll they
show (`assemblies.debates.services.live_sessions.announce_poll`, published after commit).
Arguments: `poll`, and `contribution_ids` (the poll's texts, or None to read them from the poll).
"""

from django.dispatch import Signal

poll_changed = Signal()

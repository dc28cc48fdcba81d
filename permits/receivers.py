"""The permits app's answers to what the accounts side announces (portal/accounts/signals.py)."""

from __future__ import annotations

from permits.services.review import files_off_linked_official


def take_files_off_the_new_member(*, actor, user, business, event, **_) -> None:
    """A member of a business is linked to it by rule: an official who joins one loses its open files."""
    files_off_linked_official(
        actor=actor, official=user, business=business, event=event, reason="became a member of the business"
    )

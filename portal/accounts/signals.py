"""What the accounts side announces to the apps above it, so that it never has to import them."""

from django.dispatch import Signal

# A person was tied to a business (today: made a member of it). Sent inside the transaction that
# made the tie, with `actor`, `user`, `business` and `event` (a stable name of the tie, for
# idempotent notifications). The permits app takes that business's open files off the person if they
# are an official (permits/receivers.py), as it does for a declared conflict of interest.
business_link_added = Signal()

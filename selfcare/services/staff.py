"""People who work for the operator (agents, product managers, marketers) leave by being
deactivated, never deleted: every row they wrote (an interaction, an order, a cart change, an
offer's history, a top-up, an alert or limit change, a campaign's version) keeps pointing at
their account, so it keeps their name. The database enforces it (those foreign keys PROTECT)."""

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext


class StaffAccountError(Exception):
    pass


@transaction.atomic
def user_deactivate(*, user, actor) -> bool:
    """Stop `user` signing in, from their next request on (Django finds only active users again
    from a session, and every sign-in backend refuses an inactive one), keeping the account.
    Returns False when it was inactive already. Raises StaffAccountError for one's own account:
    an admin locked out by a slip of the mouse has nobody to let them back in."""
    if user.pk == actor.pk:
        raise StaffAccountError(gettext("You cannot deactivate your own account."))
    updated = get_user_model().objects.filter(pk=user.pk, is_active=True).update(is_active=False)
    user.is_active = False
    return bool(updated)

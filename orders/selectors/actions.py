"""What may be done to an add-on she owns now: the one answer the portal (its switch and its
manage panel), the console, the templates and every service's guard read."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext

from ..kinds import kind_for
from ..models import ProductInstance


class AddonAction(models.TextChoices):
    CHANGE = "change", "Change options"
    SUSPEND = "suspend", "Suspend"
    RESUME = "resume", "Resume"
    STOP_RENEWAL = "stop_renewal", "Turn renewal off"
    # The switch's "off" in the portal, "Switch off…" in the console: a cancel, now.
    SWITCH_OFF = "off", "Switch off"


def _refusal(instance: ProductInstance, action: str, at: dt.datetime) -> Callable[[], str] | None:
    """The rule of each action, written once: None if `action` may be done to `instance` at
    `at`, else what says why, in her words (the message its service raises). The message is
    made only when asked for, so listing what may be done costs no query."""
    Status = ProductInstance.Status
    offer, status = instance.offer, instance.status
    name = offer.name
    if action == AddonAction.CHANGE:
        if not offer.option_groups or status != Status.ACTIVE:
            return lambda: gettext("%(offer)s cannot be changed now.") % {"offer": name}
    elif action == AddonAction.SUSPEND:
        if not offer.allows_suspend:
            return lambda: gettext("%(offer)s cannot be suspended.") % {"offer": name}
        if status != Status.ACTIVE:
            return lambda: gettext("%(offer)s is not active.") % {"offer": name}
    elif action == AddonAction.RESUME:
        if status != Status.SUSPENDED:
            return lambda: gettext("%(offer)s is not suspended.") % {"offer": name}
        if instance.suspended_by_id is not None:
            # Another product made it redundant: it comes back when that one ends.
            return lambda: (
                gettext("%(offer)s comes back by itself when %(other)s ends.")
                % {
                    "offer": name,
                    "other": instance.suspended_by.offer.name,
                }
            )
    elif action == AddonAction.STOP_RENEWAL:
        if status != Status.ACTIVE or not instance.renews or instance.ends_at is None:
            return lambda: gettext("%(offer)s does not renew.") % {"offer": name}
    elif action == AddonAction.SWITCH_OFF:
        # Renewal turned off: it runs until its end, and may still be switched off before.
        ending_later = (
            status == Status.PENDING_TERMINATE
            and instance.ends_at is not None
            and instance.ends_at > at
        )
        if status not in (Status.SCHEDULED, Status.ACTIVE, Status.SUSPENDED) and not ending_later:
            return lambda: (
                gettext("%(offer)s is %(status)s: it cannot be switched off now.")
                % {
                    "offer": name,
                    "status": instance.get_status_display().lower(),
                }
            )
        # What only some kinds refuse (a gift waiting for her friend), their kind says.
        kind_refusal = kind_for(offer).cancel_refusal(instance)
        if kind_refusal:
            return lambda: kind_refusal
    else:
        raise ValueError(f"No such action: {action!r}")
    return None


@dataclass(frozen=True)
class Control:
    """Something she may do to an add-on she owns, with what the manage panel says it will do
    before she does it (worded in the template): `ends_at` is when the add-on ends after this
    control (suspend: what is left waits from `at`; resume: the end moved by the time it was
    suspended; renewal off: the end of this period), None when it has no end."""

    action: str
    label: str
    at: dt.datetime
    ends_at: dt.datetime | None = None


@dataclass(frozen=True)
class AddonActions:
    """What may be done to one add-on at `at`, by what its offer allows and the state it is in:
    `allowed`, and for every other action why not (worded only when asked, by `refusal`)."""

    instance: ProductInstance
    at: dt.datetime
    refusals: Mapping[str, Callable[[], str]]

    @property
    def allowed(self) -> frozenset[str]:
        return frozenset(action for action in AddonAction if action not in self.refusals)

    def __contains__(self, action: str) -> bool:
        return action not in self.refusals

    def refusal(self, action: str) -> str:
        """Why `action` may not be done now, in her words; "" if it may."""
        why = self.refusals.get(AddonAction(action))
        return why() if why is not None else ""

    # For templates, which cannot pass an argument.

    @property
    def can_change(self) -> bool:
        return AddonAction.CHANGE not in self.refusals

    @property
    def can_suspend(self) -> bool:
        return AddonAction.SUSPEND not in self.refusals

    @property
    def can_resume(self) -> bool:
        return AddonAction.RESUME not in self.refusals

    @property
    def can_stop_renewal(self) -> bool:
        return AddonAction.STOP_RENEWAL not in self.refusals

    @property
    def can_switch_off(self) -> bool:
        return AddonAction.SWITCH_OFF not in self.refusals

    @property
    def switch_off_refusal(self) -> str:
        return self.refusal(AddonAction.SWITCH_OFF)

    @property
    def controls(self) -> list[Control]:
        """The manage panel's controls (all but the switch's own "off")."""
        instance, at = self.instance, self.at
        controls = []
        if self.can_change:
            controls.append(Control(AddonAction.CHANGE, AddonAction.CHANGE.label, at))
        if self.can_suspend:
            controls.append(
                Control(AddonAction.SUSPEND, AddonAction.SUSPEND.label, at, instance.ends_at)
            )
        if self.can_resume:
            ends_at = None
            if instance.ends_at and instance.suspended_at:
                ends_at = instance.ends_at + (at - instance.suspended_at)
            controls.append(Control(AddonAction.RESUME, AddonAction.RESUME.label, at, ends_at))
        if self.can_stop_renewal:
            controls.append(
                Control(
                    AddonAction.STOP_RENEWAL, AddonAction.STOP_RENEWAL.label, at, instance.ends_at
                )
            )
        return controls


def product_instance_actions(*, product_instance: ProductInstance, at: dt.datetime) -> AddonActions:
    """What may be done to her add-on at `at` (change its options, suspend, resume, turn renewal
    off, switch it off), by what its offer allows and the state it is in. The only place that
    decides it: the portal's switch and controls, the console and the services' guards (which
    raise `refusal(action)`) all ask here. Reads nothing beyond the product and its offer."""
    refusals = {
        action: why
        for action in AddonAction
        if (why := _refusal(product_instance, action, at)) is not None
    }
    return AddonActions(instance=product_instance, at=at, refusals=refusals)


def product_instance_controls(
    *, product_instance: ProductInstance, at: dt.datetime
) -> list[Control]:
    """What she may do to her add-on now from its manage panel, each with its consequence."""
    return product_instance_actions(product_instance=product_instance, at=at).controls

"""Configurable bundles: an offer's option groups, and what a set of choices grants and costs.

`option_groups` is a list of groups, each `{"key", "label", "choices": [...]}`; a choice is
`{"value", "label"}` plus any of `data_mb`, `voice_minutes`, `vod_mb` and `price` (added to the
offer's price). Pure functions: the publish checks, the purchase and the change all use them.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext

ALLOWANCE_KEYS = ("data_mb", "voice_minutes", "vod_mb")


@dataclass(frozen=True)
class Configuration:
    price: Decimal
    data_mb: int
    voice_minutes: int
    vod_mb: int
    labels: tuple[str, ...]


def option_groups_problems(groups) -> list[str]:
    """What is wrong with an offer's option groups, in the language active now (the groups'
    and choices' own labels are the operator's, quoted as typed)."""
    if groups in (None, []):
        return []
    if not isinstance(groups, list):
        return [gettext("The options must be a list of groups.")]
    problems = []
    keys = set()
    for n, group in enumerate(groups, start=1):
        if not isinstance(group, dict) or not group.get("key") or not group.get("label"):
            problems.append(
                gettext("Option group %(number)s needs a key and a label.") % {"number": n}
            )
            continue
        if group["key"] in keys:
            problems.append(
                gettext("Two option groups are called '%(key)s'.") % {"key": group["key"]}
            )
        keys.add(group["key"])
        choices = group.get("choices")
        if not isinstance(choices, list) or len(choices) < 2:
            problems.append(
                gettext("Option group '%(group)s' needs at least two choices.")
                % {"group": group["label"]}
            )
            continue
        values = [c.get("value") for c in choices if isinstance(c, dict)]
        if len(values) != len(choices) or not all(values) or len(set(values)) != len(values):
            problems.append(
                gettext("Each choice of '%(group)s' needs its own value and a label.")
                % {"group": group["label"]}
            )
        for choice in filter(lambda c: isinstance(c, dict), choices):
            said = {"choice": choice.get("label", "?")}
            try:
                price = Decimal(str(choice.get("price", "0")))
            except InvalidOperation:
                price = Decimal(-1)
            if price < 0 or price != price.quantize(Decimal("0.01")):
                problems.append(
                    gettext("The price of '%(choice)s' must be an amount like 2.50.") % said
                )
            for key in ALLOWANCE_KEYS:
                if not isinstance(choice.get(key, 0), int) or choice.get(key, 0) < 0:
                    problems.append(
                        gettext("'%(key)s' of '%(choice)s' must be whole MB/minutes.")
                        % {**said, "key": key}
                    )
    return problems


def options_validate(groups: list, chosen: dict) -> dict[str, str]:
    """The problems with a set of choices, by group key (empty when all is well)."""
    errors = {}
    for group in groups:
        value = chosen.get(group["key"])
        allowed = {c["value"] for c in group["choices"]}
        # Whatever was sent (a list, a number) is only ever compared as text.
        if not isinstance(value, str) or value not in allowed:
            errors[group["key"]] = gettext("Pick one of the %(group)s options.") % {
                "group": group["label"].lower()
            }
    return errors


def configuration(*, base_price: Decimal, groups: list, chosen: dict) -> Configuration:
    """What the chosen options grant and cost, on top of the offer's price. `chosen` is valid."""
    price, totals, labels = base_price, dict.fromkeys(ALLOWANCE_KEYS, 0), []
    for group in groups:
        choice = next(c for c in group["choices"] if c["value"] == chosen[group["key"]])
        price += Decimal(str(choice.get("price", "0")))
        for key in ALLOWANCE_KEYS:
            totals[key] += choice.get(key, 0)
        labels.append(f"{group['label']}: {choice['label']}")
    return Configuration(price=price, labels=tuple(labels), **totals)

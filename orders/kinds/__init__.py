"""Offer kinds with their own behaviour, one module each (gift, temporary line, configurable
bundle, rollover, loyalty reward), behind the small interface of `base.OfferKind`. Purchase,
activation and termination call `kind_for(offer)`'s hooks instead of testing an offer's terms.

Adding a kind: a module here with an `OfferKind` subclass (its `matches` and the hooks it needs),
its dotted path in `registry.KINDS`, its template in `catalog/pack.py`, and its tests.
"""

from .base import Allowances, OfferKind
from .registry import kind_for, kind_register, kind_unregister, kinds

__all__ = ["Allowances", "OfferKind", "kind_for", "kind_register", "kind_unregister", "kinds"]

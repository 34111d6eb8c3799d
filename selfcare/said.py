"""Lines written to her records (her history, her ledger) are said in the reader's language when
they are read, not in the writer's when they are written: a customer reading her history in
Portuguese reads Portuguese, the agent who reads it in English reads English, whoever wrote it.

A record keeps its line in English (`Interaction.summary`, `LedgerEntry.description`: what search,
exports and the API show) and, beside it, how to say it again (`said`): the words, marked with
`gettext_noop` so they are in the catalogue, and the facts they name, stored as facts (an amount and
its currency, a moment), not as text, so each is written the reader's way too::

    summary = said(
        gettext_noop("Switched on %(offer)s (%(price)s)"),
        offer=offer.name,
        price=money(price, offer.currency),
    )

`said_text(record.said, record.summary)` says it in the language active now. What a person wrote
in her own words (an agent's note, a reason typed in a form) is a fact, never translated.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext, pgettext

from catalog.eligibility import day_text
from catalog.policies import money_text


class Money:
    """An amount of money as a fact: written `money_text`'s way in the reader's language."""

    __slots__ = ("amount", "currency")

    def __init__(self, amount: Decimal, currency: str):
        self.amount, self.currency = Decimal(amount), currency


def money(amount: Decimal, currency: str) -> Money:
    return Money(amount, currency)


class Day:
    """A moment as a fact, said as its day ("3 March 2027"), or its day and time with `time`."""

    __slots__ = ("at", "time")

    def __init__(self, at: dt.datetime | dt.date, *, time: bool = False):
        if isinstance(at, dt.datetime):
            if timezone.is_naive(at):
                raise ValueError("A moment said to her is aware of its time zone.")
        elif time:
            raise TypeError("A day has no time of day to say.")
        self.at, self.time = at, time


class Said(str):
    """A line in English that remembers its words and facts, to be said again in another
    language. It is a `str` (the English line) wherever a string is expected."""

    msgid: str | None
    facts: dict
    lower: bool

    def __new__(
        cls, msgid: str | None, facts: dict, english: str | None = None, *, lower: bool = False
    ):
        if english is None:
            with translation.override("en"):
                english = _say(msgid, facts, lower=lower)
        line = super().__new__(cls, english)
        line.msgid, line.facts, line.lower = msgid, facts, lower
        return line

    def __getnewargs_ex__(self):
        # Copied or pickled (a job's argument, say) with its words, not as its English only.
        return (self.msgid, self.facts, str(self)), {"lower": self.lower}

    def as_json(self) -> dict | None:
        """What `said_text` reads back; None for words said as they are (`verbatim`)."""
        if self.msgid is None:
            return None
        stored = {"msgid": self.msgid, "facts": {k: _fact_json(v) for k, v in self.facts.items()}}
        return stored | ({"lower": True} if self.lower else {})


FACT_TYPES = (str, int, Money, Day)


def said(msgid: str, **facts) -> Said:
    """`msgid` (marked with gettext_noop, %(name)s placeholders, a literal % written %%) said
    with `facts`: str, int, Money, Day, or another Said (said in the same language)."""
    for name, fact in facts.items():
        if not isinstance(fact, FACT_TYPES):
            raise TypeError(f"{name}: a fact is a str, int, Money, Day or Said, not {fact!r}.")
    return Said(msgid, facts)


def choice(choices, value, *, lower: bool = False) -> Said:
    """The label of `value` among `choices` (a TextChoices whose labels are marked for
    translation), said in the reader's language; in lower case for the middle of a sentence."""
    with translation.override("en"):
        return Said(str(choices(value).label), {}, lower=lower)


def verbatim(text: str) -> Said:
    """Words to keep as they are in every language: a person's own, or a system's."""
    return Said(None, {}, english=text)


def words_json(msgid: str) -> dict:
    """What `said_json` stores for words with no facts, made without saying them: a constant a
    hot path can write on every row (an out-of-bundle charge's ledger line)."""
    return {"msgid": msgid, "facts": {}}


def said_json(line: str) -> dict | None:
    """What to store beside `line` in a record's `said` field: its words and facts if it is a
    Said, else None (then the line is shown as it is)."""
    return line.as_json() if isinstance(line, Said) else None


class Saying:
    """A stored line as a value to hand to a template: it is said in the language active when the
    template writes it (a message rendered in her language, say)."""

    __slots__ = ("line", "rstrip", "stored")

    def __init__(self, stored: dict | None, line: str, *, rstrip: str = ""):
        self.stored, self.line, self.rstrip = stored, line, rstrip

    def __str__(self) -> str:
        text = said_text(self.stored, self.line)
        return text.rstrip(self.rstrip) if self.rstrip else text


def said_text(stored: dict | None, line: str) -> str:
    """The line `stored` says, in the language active now; `line` (its English) when nothing is
    stored, or the catalogue's words do not fit its facts."""
    if not stored:
        return line
    try:
        facts = {k: _fact_load(v) for k, v in stored.get("facts", {}).items()}
        return _say(stored["msgid"], facts, lower=stored.get("lower", False))
    except (KeyError, ValueError, TypeError, ArithmeticError, AttributeError):
        # A row this code cannot read (written by a later version, or damaged): as written.
        return line


def _say(msgid: str | None, facts: dict, *, lower: bool = False) -> str:
    words = gettext(msgid) if msgid else ""
    line = words % {k: _fact_text(v) for k, v in facts.items()}
    return line.lower() if lower else line


def _fact_text(fact) -> str:
    if isinstance(fact, Money):
        return money_text(fact.amount, fact.currency)
    if isinstance(fact, Day):
        if fact.time:
            moment = timezone.localtime(fact.at)
            return date_format(moment, pgettext("moment in a sentence", "j F Y, H:i"))
        return day_text(fact.at)
    if isinstance(fact, Said):
        return _say(fact.msgid, fact.facts, lower=fact.lower) if fact.msgid else str(fact)
    return str(fact)


def _fact_json(fact):
    if isinstance(fact, Money):
        return {"money": str(fact.amount), "currency": fact.currency}
    if isinstance(fact, Day):
        return {"day": fact.at.isoformat(), "time": fact.time}
    if isinstance(fact, Said):
        return {"said": fact.as_json(), "text": str(fact)}
    return fact


def _fact_load(stored):
    if not isinstance(stored, dict):
        return stored
    if "money" in stored:
        return Money(Decimal(stored["money"]), stored["currency"])
    if "day" in stored:
        at = stored["day"]
        parsed = dt.datetime.fromisoformat(at) if "T" in at else dt.date.fromisoformat(at)
        return Day(parsed, time=stored.get("time", False))
    if "said" in stored:
        inner = stored["said"]
        if inner is None:
            return verbatim(stored["text"])
        facts = {k: _fact_load(v) for k, v in inner["facts"].items()}
        return Said(inner["msgid"], facts, stored["text"], lower=inner.get("lower", False))
    return stored

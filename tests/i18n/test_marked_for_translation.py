"""Nothing a person reads is left out of translation: every template's text is marked, every
marked string has its Portuguese, and every message kind comes out in Portuguese for her."""

import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from selfcare.models import TopUp
from selfcare.services import NOTIFICATION_TEMPLATES
from selfcare.services.messages import notification_render
from tests.factories import CustomerFactory
from tests.i18n.template_text import unmarked_texts

TEMPLATES = Path(settings.BASE_DIR) / "templates"
PO = Path(settings.BASE_DIR) / "locale" / "pt" / "LC_MESSAGES" / "django.po"


def _templates():
    return sorted(
        str(path.relative_to(TEMPLATES))
        for path in TEMPLATES.rglob("*")
        if path.suffix in (".html", ".txt")
    )


@pytest.mark.parametrize("name", _templates())
def test_every_word_of_every_template_is_marked_for_translation(name):
    path = TEMPLATES / name

    unmarked = unmarked_texts(path.read_text(), plain_text=path.suffix == ".txt")

    assert unmarked == [], f"{name}: wrap these in {{% translate %}} / {{% blocktranslate %}}"


@pytest.mark.parametrize(
    ("source", "unmarked"),
    [
        ("<p>Hello, {{ name }}</p>", ["Hello,"]),
        ('<p>{% translate "Hello" %}, {{ name }}</p>', []),
        ("<p>{% blocktranslate %}Hello {{ name }}{% endblocktranslate %}</p>", []),
        ('<nav aria-label="Main"></nav>', ["Main"]),
        ("<nav aria-label=\"{% translate 'Main' %}\"></nav>", []),
        ("<p>{{ amount }} · 5 GB · 80 % · SMS</p>", []),
        ("{# a comment #}<script>let x = 'Not words'</script>", []),
        ("{% comment %}Notes for us{% endcomment %}", []),
        ('<a href="/" title="Home">{% translate "Home" %}</a>', ["Home"]),
        ('<a>{{ "Manage "|add:offer.name }}</a>', ["Manage"]),
        ('<a>{{ _("Manage ")|add:offer.name }}</a>', []),
        ('<dd>{{ email|default:"none" }}</dd>', ["none"]),
        ('<dd>{{ email|default:_("none") }}</dd>', []),
        ("<p title=\"{{ names|join:' and ' }}\"></p>", ["and"]),
        ('<time datetime="{{ at|date:\'c\' }}">{{ at|date:"D j M" }}</time>', []),
        ("<i aria-checked=\"{{ on|yesno:'true,false' }}\"></i>", []),
        ('{% with label="Keep it" %}{% include "back.html" %}{% endwith %}', ["Keep it"]),
        ('{% include "totals.html" with saves=_("You save") %}', []),
        ('{% if state == "active" %}{% url "selfcare:home" %}{% endif %}', []),
        ('{% blocktranslate with x=y|default:"none" %}{{ x }}{% endblocktranslate %}', ["none"]),
        ('<input type="submit" value="Save and publish" name="_publish">', ["Save and publish"]),
        ('<input value=\'Go\' type=button><input type="hidden" value="sms">', ["Go"]),
        ("{% url opts|admin_urlname:'delete' pk %}", []),
    ],
)
def test_the_check_finds_text_outside_translation_tags_and_only_that(source, unmarked):
    assert unmarked_texts(source) == unmarked


def test_a_message_template_is_checked_as_plain_text():
    assert unmarked_texts("{% load i18n %}{{ code }} is your code.", plain_text=True) == [
        "is your code."
    ]


def test_every_string_in_the_catalogue_has_its_portuguese():
    msgfmt = shutil.which("msgfmt")
    assert msgfmt, "gettext's msgfmt is needed: make system-deps"

    result = subprocess.run(
        [msgfmt, "--check", "--statistics", "-o", "/dev/null", str(PO)],
        capture_output=True,
        text=True,
        check=True,
    )

    assert "untranslated" not in result.stderr, result.stderr
    assert "fuzzy" not in result.stderr, result.stderr
    assert "translated messages" in result.stderr


def _her(language):
    customer = CustomerFactory()
    customer.language = language
    customer.save(update_fields=["language"])
    return customer


@pytest.mark.django_db
@pytest.mark.parametrize("template", NOTIFICATION_TEMPLATES)
def test_every_message_kind_is_written_in_her_language(template):
    values = {
        "offer_name": "Net 5 GB",
        "msisdn": "351960000001",
        "ends_at": timezone.now(),
        "reason": "—",
        "refund": Decimal("6.13"),
        "price": Decimal("9.99"),
        "balance": Decimal("5.01"),
        "amount": Decimal("10.00"),
        "short": True,
        "currency": "EUR",
        "code": "123456",
        "valid_minutes": 5,
        "giver_name": "Stacy",
        "friend_msisdn": "351910000002",
        "days": 7,
        "agent_name": "Alex",
        "link_url": "https://example.com/l/x/",
        "reset_url": "https://example.com/r/x/",
        "message": "—",
        "threshold": 80,
        "bucket_name": "Net 5 GB",
        "unit": "bytes",
        "remaining": 1024**3,
        "top_up": TopUp(pk=1, method="card", card_brand="Visa", card_last4="4242"),
        "cap": Decimal("5.00"),
        "spent": Decimal("4.10"),
        "month_end": timezone.now().date(),
        "first_name": "Ana",
        "operator_name": "Tejo",
    }
    english = notification_render(template=template, values={**values, "customer": _her("en")})
    portuguese = notification_render(template=template, values={**values, "customer": _her("pt")})

    (english_subject, english_body), (portuguese_subject, portuguese_body) = english, portuguese
    assert english_subject != portuguese_subject, english_subject
    if template != "promotion":  # a promotion's body is the marketer's own text
        assert english_body != portuguese_body, english_body

"""The product managers' back-office: offers are made from templates, edited, published and
retired here. Every write goes through `catalog.services`."""

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.formats import number_format
from django.utils.html import format_html_join
from django.utils.module_loading import import_string
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from . import services
from .admin_history import OfferHistoryMixin
from .forms import CHANNEL_PRICE_FIELDS, DATA_FIELDS, OfferForm, TermsForm, data_words
from .forms_preview import offer_card_preview_render
from .models import BasePlan, DurationKind, Offer, OfferTemplate, SalesChannel
from .policies import COMMERCIAL_FIELDS, terms_warnings
from .selectors import offer_template_list

POLICY_FIELDSETS = [
    # What kind of product it is: the template sets it, and the orders domain acts on it.
    (_("What it is"), {"fields": ["is_gift", "creates_temporary_line"]}),
    (_("Price"), {"fields": ["price", "currency", "billing", "channel_prices"]}),
    (
        _("Allowances"),
        {
            "fields": [
                "data_mb",
                "data_mb_per_contract_year",
                "voice_minutes",
                "sms",
                ("service_data_mb", "service_scope"),
                "rollover_scope",
                "option_groups",
            ]
        },
    ),
    (_("Duration"), {"fields": ["duration_kind", "duration_days", "duration_until"]}),
    (_("Refund"), {"fields": ["refund_policy", "refund_grace_minutes"]}),
    (
        _("Eligibility"),
        {
            "fields": [
                "eligible_statuses",
                "min_tenure_days",
                "eligible_plans",
                "eligible_segments",
                "channels",
                ("purchase_limit", "purchase_limit_window"),
            ]
        },
    ),
]


@admin.register(OfferTemplate)
class OfferTemplateAdmin(admin.ModelAdmin):
    form = TermsForm
    list_display = ["name", "kind", "price", "billing", "duration_kind", "refund_policy"]
    list_filter = ["kind"]
    search_fields = ["name", "code"]
    fieldsets = [(None, {"fields": ["code", "name", "kind", "description"]}), *POLICY_FIELDSETS]


# The few fields an offer is launched with; the rest wait under "Advanced" with the template's
# values. Which allowance and which duration field show depends on the offer's terms.
ESSENTIAL_FIELDS = ["template", "name", "summary", "price", "data", "voice_minutes"]
EXTRA_ALLOWANCES = {
    "service_data": "service_data_mb",
    "data_per_contract_year": "data_mb_per_contract_year",
}
DURATION_FIELDS = {
    DurationKind.DAYS: "duration_days",
    DurationKind.UNTIL_LOCAL_TIME: "duration_until",
}
AUDIENCE_FIELDS = ["eligible_statuses", "min_tenure_days", "channels"]
# Compared by these names (lazy, so equal in whichever language the page is in).
CHANNEL_PRICES_TITLE = _("Price on each channel, and billing")
MORE_ALLOWANCES_TITLE = _("More allowances")
ADVANCED_FIELDSETS = [
    (CHANNEL_PRICES_TITLE, ["currency", "billing", *CHANNEL_PRICE_FIELDS]),
    (
        MORE_ALLOWANCES_TITLE,
        ["sms", "service_data", "service_scope", "data_per_contract_year", "rollover_scope"],
    ),
    (_("Duration"), ["duration_kind", "duration_days", "duration_until"]),
    (_("Refund"), ["refund_policy", "refund_grace_minutes"]),
    (
        _("Who may buy it"),
        ["eligible_plans", "eligible_segments", ("purchase_limit", "purchase_limit_window")],
    ),
    (_("What it is"), ["is_gift", "creates_temporary_line"]),
    (_("Listing"), ["code", "provider", "display_order", "available_from", "available_until"]),
    (_("Other offers"), ["requires_offers", "excludes_offers", "suspends_offers"]),
    (
        _("What the customer may do"),
        ["requires_confirmation", "allows_suspend", "allows_postpone"],
    ),
]


def offer_essential_fields(terms) -> list[str]:
    """The fields shown for an offer with `terms` (an offer, or a template's terms as a dict):
    at most ten, the template's hidden field aside."""
    value = terms.get if isinstance(terms, dict) else lambda name: getattr(terms, name)
    extra = [name for name, term in EXTRA_ALLOWANCES.items() if value(term)][:1]
    duration = DURATION_FIELDS.get(value("duration_kind"))
    return [*ESSENTIAL_FIELDS, *extra, *([duration] if duration else []), *AUDIENCE_FIELDS]


def _flat(fields) -> list[str]:
    return [name for field in fields for name in (field if isinstance(field, tuple) else [field])]


@admin.register(Offer)
class OfferAdmin(OfferHistoryMixin, admin.ModelAdmin):
    """Offers, launched from a template on one short page: the essentials, a preview of the
    card customers will see, "Save and publish" at the top; the rest under "Advanced"."""

    form = OfferForm
    change_form_template = "admin/catalog/offer/change_form.html"
    save_on_top = True
    list_display = ["name", "status", "price", "currency", "template", "published_at"]
    list_filter = ["status", "template__kind"]
    search_fields = ["name", "code"]
    readonly_fields = [
        "status",
        "published_at",
        "retired_at",
        "updated_by",
        "updated_at",
        "who_may_buy",
    ]
    prepopulated_fields = {"code": ["name"]}
    filter_horizontal = ["requires_offers", "excludes_offers", "suspends_offers"]
    actions = ["publish_selected", "retire_selected"]

    class Media:
        css = {"all": ["catalog/admin/offer_form.css"]}
        js = ["catalog/admin/offer_form.js"]

    def get_fieldsets(self, request, obj=None):
        terms = obj if obj is not None else self._template_terms(request)
        essential = offer_essential_fields(terms)
        on_sale = obj is not None and obj.status != Offer.Status.DRAFT
        fieldsets = [(None, {"fields": essential})]
        if obj is not None:
            fieldsets.append((_("Status"), {"fields": self.readonly_fields}))
        for name, fields in ADVANCED_FIELDSETS:
            rest = [f for f in fields if not (set(_flat([f])) & set(essential))]
            if on_sale:
                rest = [f for f in rest if f not in CHANNEL_PRICE_FIELDS]
                if name == CHANNEL_PRICES_TITLE:
                    rest.append("channel_prices_shown")
                if name == MORE_ALLOWANCES_TITLE:
                    rest.append("options_shown")
            if rest:
                fieldsets.append((name, {"fields": rest, "classes": ["advanced"]}))
        return fieldsets

    def get_readonly_fields(self, request, obj=None):
        # What customers bought stays as they bought it: retire and publish anew to change it.
        if obj is not None and obj.status != Offer.Status.DRAFT:
            return [
                *self.readonly_fields,
                *COMMERCIAL_FIELDS,
                *DATA_FIELDS,
                *CHANNEL_PRICE_FIELDS,
                "channel_prices_shown",
                "options_shown",
            ]
        return self.readonly_fields

    @admin.display(description=_("Who may buy it"))
    def who_may_buy(self, obj):
        """Counted by the engine that decides eligibility and campaigns' audiences (it lives
        with the orders, which the catalog does not import: OFFER_AUDIENCE_COUNTER names it)."""
        audience = import_string(settings.OFFER_AUDIENCE_COUNTER)(offer=obj)
        return ngettext(
            "%(customers)s customer may buy it now, as saved (%(consenting)s accepting marketing).",
            "%(customers)s customers may buy it now, as saved "
            "(%(consenting)s of them accept marketing).",
            audience.customers,
        ) % {
            "customers": number_format(audience.customers, force_grouping=True),
            "consenting": number_format(audience.consenting, force_grouping=True),
        }

    @admin.display(description=_("Data"))
    def data(self, obj):
        return data_words(obj.data_mb)

    @admin.display(description=_("Service-only data"))
    def service_data(self, obj):
        return data_words(obj.service_data_mb)

    @admin.display(description=_("Data per full contract year"))
    def data_per_contract_year(self, obj):
        return data_words(obj.data_mb_per_contract_year)

    @admin.display(description=_("Price on each channel"))
    def channel_prices_shown(self, obj):
        prices = obj.channel_prices if isinstance(obj.channel_prices, dict) else {}
        labels = dict(SalesChannel.choices)
        return format_html_join(
            ", ", "{}: {} {}", ((labels.get(c, c), p, obj.currency) for c, p in prices.items())
        ) or gettext("The price on every channel")

    @admin.display(description=_("Options she picks"))
    def options_shown(self, obj):
        groups = obj.option_groups if isinstance(obj.option_groups, list) else []
        return format_html_join(
            "; ",
            "{}: {}",
            (
                (g.get("label"), ", ".join(c.get("label", "") for c in g.get("choices", [])))
                for g in groups
            ),
        ) or gettext("None")

    def has_publish_permission(self, request) -> bool:
        return request.user.has_perm("catalog.publish_offer")

    def get_urls(self):
        preview = self.admin_site.admin_view(self.preview_view)
        return [
            path("preview/", preview, name="catalog_offer_preview"),
            path("<path:object_id>/preview/", preview, name="catalog_offer_preview"),
            *super().get_urls(),
        ]

    def add_view(self, request, form_url="", extra_context=None):
        # An offer always starts from a template: ask for one first.
        if request.method == "GET" and self._template(request) is None:
            context = {
                **self.admin_site.each_context(request),
                "title": gettext("Pick a template for the new offer"),
                "opts": self.model._meta,
                "templates": offer_template_list(),
            }
            return TemplateResponse(request, "admin/catalog/offer/pick_template.html", context)
        return super().add_view(request, form_url, extra_context)

    def _template(self, request) -> OfferTemplate | None:
        """The template a new offer is made from: the page's (?template=) or the form's."""
        template_id = request.POST.get("template") or request.GET.get("template", "")
        if not template_id.isdigit():
            return None
        return OfferTemplate.objects.filter(pk=template_id).first()

    def _template_terms(self, request) -> dict:
        template = self._template(request)
        return services.offer_template_terms(template=template) if template else {}

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        template = self._template(request)
        if template is not None:
            initial.update(services.offer_template_terms(template=template))
            initial["template"] = template.pk
        return initial

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        form = context["adminform"].form
        terms = obj if obj is not None else self._template_terms(request)
        essential = set(offer_essential_fields(terms))
        if form.is_bound:
            offer, problems = None, [gettext("Fix what the form says, then the card shows again.")]
        else:
            offer, problems = obj or self._offer_unsaved(form.initial), []
        context.update(
            {
                "offer_template": obj.template if obj is not None else self._template(request),
                "can_publish": self.has_publish_permission(request)
                and (obj is None or obj.status == Offer.Status.DRAFT),
                "options": form.options,
                # A problem with a field under "Advanced" opens it.
                "advanced_open": bool(set(form.errors) - essential)
                or bool(
                    form.options is not None
                    and form.options.is_bound
                    and not form.options.is_valid()
                ),
                "preview_url": reverse(
                    "admin:catalog_offer_preview", args=[obj.pk] if obj is not None else []
                ),
                "preview": offer_card_preview_render(
                    offer=offer, problems=problems, request=request
                ),
            }
        )
        return super().render_change_form(request, context, add, change, form_url, obj)

    def _offer_unsaved(self, initial: dict) -> Offer:
        """A new offer as its template starts it, named after the template until it has a
        name of its own."""
        template = OfferTemplate.objects.filter(pk=initial.get("template")).first()
        terms = services.offer_template_terms(template=template) if template else {}
        return Offer(template=template, name=template.name if template else "", **terms)

    def preview_view(self, request, object_id=None):
        """The card of the offer as the form stands (posted, nothing saved), for the preview."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        obj = self.get_object(request, object_id) if object_id is not None else None
        if object_id is not None and obj is None:
            raise Http404
        allowed = (
            self.has_change_permission(request, obj)
            if obj is not None
            else self.has_add_permission(request)
        )
        if not allowed:
            raise PermissionDenied
        form_class = self.get_form(request, obj, change=obj is not None)
        form = form_class(request.POST, instance=obj)
        if form.is_valid():
            html = offer_card_preview_render(offer=form.instance, problems=[], request=request)
        else:
            html = offer_card_preview_render(
                offer=form.instance, problems=self._problems(form), request=request
            )
        return HttpResponse(html)

    def _problems(self, form) -> list[str]:
        problems = []
        for name, errors in form.errors.items():
            label = form.fields[name].label if name in form.fields else None
            problems += [f"{label}: {error}" if label else error for error in errors]
        return problems

    def save_model(self, request, obj, form, change):
        services.offer_save(offer=obj, actor=request.user)

    def response_add(self, request, obj, post_url_continue=None):
        if "_publish" in request.POST:
            return self._publish_and_redirect(request, obj)
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request, obj):
        if "_publish" in request.POST:
            return self._publish_and_redirect(request, obj)
        return super().response_change(request, obj)

    def _publish_and_redirect(self, request, offer):
        if self.has_publish_permission(request):
            self._publish(request, offer)
        else:
            self.message_user(request, gettext("You may not publish offers."), messages.ERROR)
        return HttpResponseRedirect(reverse("admin:catalog_offer_change", args=[offer.pk]))

    def _publish(self, request, offer) -> bool:
        try:
            services.offer_publish(offer=offer, actor=request.user)
        except services.OfferPublishError as exc:
            self.message_user(
                request,
                gettext("“%(offer)s” was not published. Fix this first: %(problems)s")
                % {"offer": offer.name, "problems": " ".join(exc.problems)},
                messages.ERROR,
            )
            return False
        except services.OfferTransitionError as exc:
            self.message_user(request, str(exc), messages.WARNING)
            return False
        self.message_user(
            request,
            gettext("“%(offer)s” is published: customers see it now.") % {"offer": offer.name},
            messages.SUCCESS,
        )
        for warning in terms_warnings(offer):
            self.message_user(
                request,
                gettext("“%(offer)s”: %(warning)s") % {"offer": offer.name, "warning": warning},
                messages.WARNING,
            )
        return True

    @admin.action(description=_("Publish the selected offers"), permissions=["publish"])
    def publish_selected(self, request, queryset):
        for offer in queryset:
            self._publish(request, offer)

    @admin.action(description=_("Retire the selected offers"), permissions=["publish"])
    def retire_selected(self, request, queryset):
        for offer in queryset:
            try:
                services.offer_retire(offer=offer, actor=request.user)
            except services.OfferTransitionError as exc:
                self.message_user(request, str(exc), messages.WARNING)
            else:
                self.message_user(
                    request,
                    gettext("“%(offer)s” is retired.") % {"offer": offer.name},
                    messages.SUCCESS,
                )


class BasePlanForm(forms.ModelForm):
    class Meta:
        model = BasePlan
        fields = ["name", "currency", "rate_per_mb", "rate_per_minute", "rate_per_sms"]

    def clean(self):
        cleaned = super().clean()
        rates = {name: cleaned.get(name) for name in self.Meta.fields if name.startswith("rate_")}
        for field, problem in services.base_plan_problems(BasePlan(**rates)).items():
            self.add_error(field, problem)
        return cleaned


@admin.register(BasePlan)
class BasePlanAdmin(admin.ModelAdmin):
    """Base plans and their out-of-bundle rates, which customers see on their dashboard and pay
    for what no allowance covers. Product managers add and change them (as offers); nobody
    deletes one here: lines name their plan, and a plan gone would be rated at the defaults."""

    form = BasePlanForm
    list_display = ["name", "currency", "rate_per_mb", "rate_per_minute", "rate_per_sms"]
    search_fields = ["name"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change):
        services.base_plan_save(plan=obj)

"""The product managers' back-office: offers are made from templates, edited, published and
retired here. Every write goes through `catalog.services`."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse

from . import services
from .models import BasePlan, LifecycleStatus, Offer, OfferTemplate, SalesChannel
from .policies import COMMERCIAL_FIELDS, offer_problems, terms_warnings

POLICY_FIELDSETS = [
    # What kind of product it is: the template sets it, and the orders domain acts on it.
    ("What it is", {"fields": ["is_gift", "creates_temporary_line"]}),
    ("Price", {"fields": ["price", "currency", "billing", "channel_prices"]}),
    (
        "Allowances",
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
    ("Duration", {"fields": ["duration_kind", "duration_days", "duration_until"]}),
    ("Refund", {"fields": ["refund_policy", "refund_grace_minutes"]}),
    (
        "Eligibility",
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


class CommaListField(forms.CharField):
    """A list of names typed as "Family Bundle M, Prepaid Go"."""

    def prepare_value(self, value):
        return ", ".join(value) if isinstance(value, list) else value

    def to_python(self, value):
        return [part.strip() for part in (value or "").split(",") if part.strip()]


class TermsForm(forms.ModelForm):
    eligible_statuses = forms.MultipleChoiceField(
        choices=LifecycleStatus.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Lifecycle statuses of the customers who may buy it.",
    )
    channels = forms.MultipleChoiceField(
        choices=SalesChannel.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Pick at least one channel the offer is sold on."},
    )
    eligible_plans = CommaListField(
        required=False, help_text="Base plans, separated by commas; empty for any plan."
    )
    eligible_segments = CommaListField(
        required=False, help_text="Segments, separated by commas; empty for everyone."
    )


class OfferForm(TermsForm):
    class Meta:
        model = Offer
        # The status is not editable: it changes only through the publish and retire services.
        exclude = ["status"]  # noqa: DJ006

    def clean(self):
        cleaned = super().clean()
        offer = self.instance
        if offer.pk and offer.status == Offer.Status.PUBLISHED and not self.errors:
            many_to_many = {f.name for f in Offer._meta.many_to_many}
            for name, value in cleaned.items():
                if name not in many_to_many:
                    setattr(offer, name, value)
            problems = offer_problems(offer)
            if problems:
                raise ValidationError(
                    ["This offer is on sale, so it must stay coherent:", *problems]
                )
        return cleaned


@admin.register(OfferTemplate)
class OfferTemplateAdmin(admin.ModelAdmin):
    form = TermsForm
    list_display = ["name", "kind", "price", "billing", "duration_kind", "refund_policy"]
    list_filter = ["kind"]
    search_fields = ["name", "code"]
    fieldsets = [(None, {"fields": ["code", "name", "kind", "description"]}), *POLICY_FIELDSETS]


@admin.register(Offer)
class OfferAdmin(admin.ModelAdmin):
    form = OfferForm
    change_form_template = "admin/catalog/offer/change_form.html"
    list_display = ["name", "status", "price", "currency", "template", "published_at"]
    list_filter = ["status", "template__kind"]
    search_fields = ["name", "code"]
    readonly_fields = ["status", "published_at", "retired_at", "updated_by", "updated_at"]
    prepopulated_fields = {"code": ["name"]}
    filter_horizontal = ["requires_offers", "excludes_offers", "suspends_offers"]
    actions = ["publish_selected", "retire_selected"]
    fieldsets = [
        (None, {"fields": ["template", "name", "code", "summary", "provider", "display_order"]}),
        ("Availability", {"fields": ["available_from", "available_until"]}),
        *POLICY_FIELDSETS,
        ("Other offers", {"fields": ["requires_offers", "excludes_offers", "suspends_offers"]}),
        (
            "What the customer may do",
            {"fields": ["requires_confirmation", "allows_suspend", "allows_postpone"]},
        ),
        ("Status", {"fields": readonly_fields}),
    ]

    def get_readonly_fields(self, request, obj=None):
        # What customers bought stays as they bought it: retire and publish anew to change it.
        if obj is not None and obj.status != Offer.Status.DRAFT:
            return [*self.readonly_fields, *COMMERCIAL_FIELDS]
        return self.readonly_fields

    def has_publish_permission(self, request) -> bool:
        return request.user.has_perm("catalog.publish_offer")

    def add_view(self, request, form_url="", extra_context=None):
        # An offer always starts from a template: ask for one first.
        if request.method == "GET" and not request.GET.get("template", "").isdigit():
            context = {
                **self.admin_site.each_context(request),
                "title": "Pick a template for the new offer",
                "opts": self.model._meta,
                "templates": OfferTemplate.objects.all(),
            }
            return TemplateResponse(request, "admin/catalog/offer/pick_template.html", context)
        return super().add_view(request, form_url, extra_context)

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        template_id = request.GET.get("template", "")
        template = (
            OfferTemplate.objects.filter(pk=template_id).first() if template_id.isdigit() else None
        )
        if template is not None:
            initial.update(services.offer_template_terms(template=template))
            initial["template"] = template.pk
        return initial

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
            self.message_user(request, "You may not publish offers.", messages.ERROR)
        return HttpResponseRedirect(reverse("admin:catalog_offer_change", args=[offer.pk]))

    def _publish(self, request, offer) -> bool:
        try:
            services.offer_publish(offer=offer, actor=request.user)
        except services.OfferPublishError as exc:
            self.message_user(
                request,
                f"“{offer.name}” was not published. Fix this first: " + " ".join(exc.problems),
                messages.ERROR,
            )
            return False
        except services.OfferTransitionError as exc:
            self.message_user(request, str(exc), messages.WARNING)
            return False
        self.message_user(
            request, f"“{offer.name}” is published: customers see it now.", messages.SUCCESS
        )
        for warning in terms_warnings(offer):
            self.message_user(request, f"“{offer.name}”: {warning}", messages.WARNING)
        return True

    @admin.action(description="Publish the selected offers", permissions=["publish"])
    def publish_selected(self, request, queryset):
        for offer in queryset:
            self._publish(request, offer)

    @admin.action(description="Retire the selected offers", permissions=["publish"])
    def retire_selected(self, request, queryset):
        for offer in queryset:
            try:
                services.offer_retire(offer=offer, actor=request.user)
            except services.OfferTransitionError as exc:
                self.message_user(request, str(exc), messages.WARNING)
            else:
                self.message_user(request, f"“{offer.name}” is retired.", messages.SUCCESS)


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

"""The marketers' back-office: lifecycle campaigns are written, started, paused, resumed, edited
(a running one's edit is a new version), ended, tried in a dry run and measured here. A
campaign's state changes only through its buttons, which call `campaigns.services`; the
decisions and versions are read-only."""

from django.contrib import admin, messages
from django.contrib.admin.views.main import ChangeList
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from django_fsm import can_proceed

from . import selectors, services
from .admin_views import CampaignViews
from .forms import PARAMETER_FIELDS, CampaignForm, DryRunForm, ResumeForm
from .models import Campaign, CampaignVersion, Delivery

# The terms, in the words of the form; the trigger's parameters are shown only for the trigger
# that reads them (static/campaigns/campaign_form.js).
TERMS_FIELDSETS = [
    (_("Trigger"), {"fields": ["trigger", *PARAMETER_FIELDS]}),
    (
        _("Audience"),
        {
            "fields": [
                "audience_statuses",
                "audience_min_tenure_days",
                "audience_plans",
                "audience_segments",
                "audience_requires",
                "audience_excludes",
                ("audience_bought", "audience_bought_days"),
            ],
            "description": _(
                "Only customers with marketing consent (and location consent for a "
                "roaming or zone trigger) are ever contacted."
            ),
        },
    ),
    (_("Action"), {"fields": ["action", "offer", "link_to", "medium", "message"]}),
    (
        _("Caps and manners"),
        {
            "fields": [
                ("cap_messages", "cap_days"),
                "priority",
                "quiet_hours",
                "stale_after_hours",
            ]
        },
    ),
    (_("Measurement"), {"fields": ["holdout_percent"]}),
]
# A campaign whose edits make a new version: deliveries already decided keep theirs.
LIVE_STATES = (Campaign.State.RUNNING, Campaign.State.PAUSED)


class CampaignChangeList(ChangeList):
    """The campaigns list, each row with today's counts, read for the whole page in one
    aggregate query."""

    def get_results(self, request):
        super().get_results(request)
        self.result_list = list(self.result_list)
        counts = selectors.campaign_counts_today(campaign_ids=[c.pk for c in self.result_list])
        for campaign in self.result_list:
            campaign.today = counts.get(campaign.pk, selectors.TodayCounts())


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    form = CampaignForm
    change_form_template = "admin/campaigns/campaign/change_form.html"
    change_list_template = "admin/campaigns/campaign/change_list.html"
    list_display = ["name", "state", "trigger", "decided_today", "sent_today", "buttons"]
    list_filter = ["state", "trigger"]
    search_fields = ["name", "code"]
    prepopulated_fields = {"code": ["name"]}
    readonly_fields = ["state", "current_version", "created_at"]
    fieldsets = [
        (None, {"fields": ["name", "code", "state", "current_version"]}),
        *TERMS_FIELDSETS,
    ]

    class Media:
        js = ["campaigns/campaign_form.js"]
        css = {"all": ["campaigns/admin.css"]}

    def get_urls(self):
        views = CampaignViews(self)

        def route(suffix, view, name):
            return path(
                f"<int:campaign_id>/{suffix}",
                self.admin_site.admin_view(view),
                name=f"campaigns_campaign_{name}",
            )

        return [
            route("start/", require_POST(views.start), "start"),
            route("pause/", require_POST(views.pause), "pause"),
            route("resume/", views.resume, "resume"),
            route("end/", require_POST(views.end), "end"),
            route("dry-run/", views.dry_run, "dry_run"),
            route("dashboard/", views.dashboard, "dashboard"),
            route("deliveries.csv", views.export, "export"),
            *super().get_urls(),
        ]

    def get_changelist(self, request, **kwargs):
        return CampaignChangeList

    def get_list_display(self, request):
        if self.has_change_permission(request):
            return self.list_display
        return [name for name in self.list_display if name != "buttons"]

    def has_delete_permission(self, request, obj=None) -> bool:
        # A campaign is ended, never deleted: its decisions are its record.
        return False

    @admin.display(description=_("Decided today"))
    def decided_today(self, campaign) -> int:
        return getattr(campaign, "today", selectors.TodayCounts()).decided

    @admin.display(description=_("Sent today"))
    def sent_today(self, campaign) -> int:
        return getattr(campaign, "today", selectors.TodayCounts()).sent

    @admin.display(description=_("Actions"))
    def buttons(self, campaign) -> str:
        # Submitted by the list's own form (change_list.html), outside the changelist's form.
        if can_proceed(campaign.pause):
            url = reverse("admin:campaigns_campaign_pause", args=[campaign.pk])
            return format_html(
                '<button type="submit" class="button" form="campaign-row-action" '
                'formaction="{}?from=list">{}</button>',
                url,
                gettext("Pause"),
            )
        if can_proceed(campaign.resume):
            url = reverse("admin:campaigns_campaign_resume", args=[campaign.pk])
            return format_html(
                '<a class="button" href="{}?from=list">{}</a>', url, gettext("Resume…")
            )
        return ""

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and obj.pk:
            context.update(
                can_start=can_proceed(obj.start),
                can_pause=can_proceed(obj.pause),
                can_resume=can_proceed(obj.resume),
                can_end=can_proceed(obj.end),
                can_change=self.has_change_permission(request, obj),
                # Their own ids: they sit on the page of the campaign's form.
                resume_form=ResumeForm(auto_id="resume_%s"),
                dry_run_form=DryRunForm(auto_id="dry_run_%s"),
            )
        return super().render_change_form(request, context, add, change, form_url, obj)

    def save_model(self, request, obj, form, change):
        """Save the terms. A campaign already saved is locked first and its state left as the
        buttons set it: a Pause pressed while this form was open is not undone."""
        if not change:
            obj.save()
            return
        obj.locked_state = services.campaign_terms_save(campaign=obj)

    def save_related(self, request, form, formsets, change):
        """A running or paused campaign's edit becomes its next version (the many-to-many terms
        saved first), in the same transaction as the save (the admin's change view is atomic)."""
        super().save_related(request, form, formsets, change)
        campaign = form.instance
        if change and getattr(campaign, "locked_state", None) in LIVE_STATES and form.has_changed():
            version = services.campaign_version_publish(campaign=campaign, user=request.user)
            self.message_user(
                request,
                gettext("Saved as version %(number)s: what was decided before keeps its version.")
                % {"number": version.number},
                messages.INFO,
            )


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    """Every decision of every campaign, as the engine made it."""

    list_display = ["campaign", "version", "customer", "outcome", "reason", "decided_at", "sent_at"]
    list_filter = ["outcome", "campaign"]
    list_select_related = ["campaign", "version__campaign", "customer"]
    search_fields = ["customer__name", "occurrence"]
    show_full_result_count = False


@admin.register(CampaignVersion)
class CampaignVersionAdmin(ReadOnlyAdmin):
    """The terms of each campaign as they were from a start or an edit on."""

    list_display = ["campaign", "number", "created_by_name", "created_at"]
    list_filter = ["campaign"]
    list_select_related = ["campaign"]

"""The campaign admin's own pages: the Start, Pause, Resume, End and Dry run buttons (each a POST
calling one `campaigns.services` function with the marketer who pressed it), the dashboard and
the export of its deliveries. Adapters only: the services decide and write, the selectors read."""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext

from . import selectors, services
from .forms import DryRunForm, ResumeForm
from .models import Campaign

# The sends-per-day chart, in SVG user units.
CHART_WIDTH = 720
CHART_HEIGHT = 160
CHART_GAP = 4


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    day: object
    count: int


def chart_bars(days: list[selectors.DayCount]) -> list[Bar]:
    """A bar per day, scaled so the highest day fills the chart's height."""
    top = max((d.count for d in days), default=0) or 1
    slot = CHART_WIDTH / max(len(days), 1)
    bars = []
    for n, day in enumerate(days):
        height = round(CHART_HEIGHT * day.count / top, 1)
        bars.append(
            Bar(
                x=round(n * slot + CHART_GAP / 2, 1),
                y=round(CHART_HEIGHT - height, 1),
                width=round(slot - CHART_GAP, 1),
                height=height,
                day=day.day,
                count=day.count,
            )
        )
    return bars


class CampaignViews:
    """The pages, bound to the campaign's ModelAdmin for its permissions and context."""

    def __init__(self, model_admin: admin.ModelAdmin):
        self.model_admin = model_admin

    # Helpers

    def _campaign(self, request: HttpRequest, campaign_id: int, *, change: bool) -> Campaign:
        campaign = get_object_or_404(
            Campaign.objects.select_related("current_version"), pk=campaign_id
        )
        allowed = (
            self.model_admin.has_change_permission(request, campaign)
            if change
            else self.model_admin.has_view_permission(request, campaign)
        )
        if not allowed:
            raise PermissionDenied
        return campaign

    def _back(self, request: HttpRequest, campaign: Campaign) -> HttpResponseRedirect:
        # From the campaigns list, back to it; else to the campaign's page.
        if request.GET.get("from") == "list":
            return HttpResponseRedirect(reverse("admin:campaigns_campaign_changelist"))
        return HttpResponseRedirect(reverse("admin:campaigns_campaign_change", args=[campaign.pk]))

    def _context(self, request: HttpRequest, campaign: Campaign, title: str) -> dict:
        return {
            **self.model_admin.admin_site.each_context(request),
            "title": title,
            "opts": Campaign._meta,
            "original": campaign,
            "has_view_permission": self.model_admin.has_view_permission(request),
        }

    def _act(
        self,
        request: HttpRequest,
        campaign: Campaign,
        call: Callable[[], Campaign],
        *,
        done: str,
        refused: str,
    ) -> HttpResponseRedirect:
        """Call the service; say `done` or `refused` (translated sentences naming the campaign
        as %(campaign)s), then each problem the refusal gives."""
        names = {"campaign": campaign.name}
        try:
            call()
        except services.CampaignError as exc:
            self.model_admin.message_user(request, refused % names, messages.ERROR)
            for problem in exc.problems:
                self.model_admin.message_user(request, problem, messages.ERROR)
        else:
            self.model_admin.message_user(request, done % names, messages.SUCCESS)
        return self._back(request, campaign)

    # The buttons

    def start(self, request: HttpRequest, campaign_id: int) -> HttpResponse:
        campaign = self._campaign(request, campaign_id, change=True)
        return self._act(
            request,
            campaign,
            lambda: services.campaign_start(campaign_id=campaign.pk, user=request.user),
            done=gettext(
                "“%(campaign)s” is running: it decides for every event of its trigger from now on."
            ),
            refused=gettext("“%(campaign)s” was not started. Fix this first: nothing was changed."),
        )

    def pause(self, request: HttpRequest, campaign_id: int) -> HttpResponse:
        campaign = self._campaign(request, campaign_id, change=True)
        return self._act(
            request,
            campaign,
            lambda: services.campaign_pause(campaign_id=campaign.pk, user=request.user),
            done=gettext(
                "“%(campaign)s” is paused: it sends nothing more, queued messages included, "
                "until resumed."
            ),
            refused=gettext("“%(campaign)s” was not paused: nothing was changed."),
        )

    def end(self, request: HttpRequest, campaign_id: int) -> HttpResponse:
        campaign = self._campaign(request, campaign_id, change=True)
        return self._act(
            request,
            campaign,
            lambda: services.campaign_end(campaign_id=campaign.pk, user=request.user),
            done=gettext("“%(campaign)s” has ended: what it had queued will not be sent."),
            refused=gettext("“%(campaign)s” was not ended: nothing was changed."),
        )

    def resume(self, request: HttpRequest, campaign_id: int) -> HttpResponse:
        """GET: the choice of what to do with what happened while paused; POST: resume."""
        campaign = self._campaign(request, campaign_id, change=True)
        form = ResumeForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            return self._act(
                request,
                campaign,
                lambda: services.campaign_resume(
                    campaign_id=campaign.pk,
                    policy=form.cleaned_data["policy"],
                    catch_up_hours=form.cleaned_data["catch_up_hours"] or 0,
                    user=request.user,
                ),
                done=gettext("“%(campaign)s” is running again."),
                refused=gettext("“%(campaign)s” was not resumed: nothing was changed."),
            )
        context = {
            **self._context(
                request, campaign, gettext("Resume “%(campaign)s”") % {"campaign": campaign.name}
            ),
            "form": form,
        }
        status = 400 if request.method == "POST" else 200
        return TemplateResponse(
            request, "admin/campaigns/campaign/resume.html", context, status=status
        )

    def dry_run(self, request: HttpRequest, campaign_id: int) -> HttpResponse:
        """What the campaign, as saved, would decide over the last N days: writes nothing."""
        campaign = self._campaign(request, campaign_id, change=True)
        form = DryRunForm(request.POST if request.method == "POST" else None)
        result = None
        if request.method == "POST" and form.is_valid():
            result = services.campaign_dry_run(
                campaign_id=campaign.pk, days=form.cleaned_data["days"]
            )
        context = {
            **self._context(
                request,
                campaign,
                gettext("Dry run of “%(campaign)s”") % {"campaign": campaign.name},
            ),
            "form": form,
            "result": result,
        }
        status = 400 if request.method == "POST" and form.errors else 200
        return TemplateResponse(
            request, "admin/campaigns/campaign/dry_run.html", context, status=status
        )

    # Results

    def dashboard(self, request: HttpRequest, campaign_id: int) -> HttpResponse:
        campaign = self._campaign(request, campaign_id, change=False)
        board = selectors.campaign_dashboard(campaign=campaign)
        context = {
            **self._context(
                request,
                campaign,
                gettext("Dashboard of “%(campaign)s”") % {"campaign": campaign.name},
            ),
            "board": board,
            "bars": chart_bars(board.sends_per_day),
            "chart_width": CHART_WIDTH,
            "chart_height": CHART_HEIGHT,
            "sends_total": sum(d.count for d in board.sends_per_day),
            "lift_minimum": selectors.LIFT_MIN_GROUP,
            "can_export": request.user.has_perm("campaigns.view_delivery"),
        }
        return TemplateResponse(request, "admin/campaigns/campaign/dashboard.html", context)

    def export(self, request: HttpRequest, campaign_id: int) -> StreamingHttpResponse:
        """Every decision of the campaign as CSV, streamed a chunk of rows at a time."""
        campaign = self._campaign(request, campaign_id, change=False)
        if not request.user.has_perm("campaigns.view_delivery"):
            raise PermissionDenied
        writer = csv.writer(_Echo())

        def lines():
            yield writer.writerow(selectors.EXPORT_COLUMNS)
            for row in selectors.campaign_deliveries_export(campaign=campaign):
                yield writer.writerow(row)

        response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = (
            f'attachment; filename="campaign-{campaign.code}-deliveries.csv"'
        )
        return response


class _Echo:
    """A file that hands back what is written: csv.writer's line, to stream it."""

    def write(self, value: str) -> str:
        return value

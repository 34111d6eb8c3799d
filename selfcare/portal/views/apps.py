"""Account → Apps and access: the apps she let act for her (OAuth2), and taking that back."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from selfcare.selectors_apps import app_grant_list_for_user
from selfcare.services.app_access import AppAccessNotFoundError, app_access_revoke

from .common import customer_required


@require_GET
@customer_required
def apps_page(request):
    grants = app_grant_list_for_user(user=request.user, at=timezone.now())
    return render(request, "selfcare/apps/page.html", {"grants": grants})


@require_POST
@customer_required
def app_revoke(request, application_id: int):
    """Revoke every token of the app for her, then back to the page with what was done (a plain
    form: Post/Redirect/Get, with or without JavaScript). An app she holds no token of is a 404,
    nothing changed."""
    try:
        name = app_access_revoke(user=request.user, application_id=application_id)
    except AppAccessNotFoundError as exc:
        raise Http404("No such app with access to your account.") from exc
    messages.success(
        request,
        _("%(app)s can no longer use your account. To use it again, sign in to it again.")
        % {"app": name},
    )
    return redirect("selfcare:apps")

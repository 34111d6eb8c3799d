"""Signing in: Django's login, with the customer's portal login recorded in her history."""

from django.contrib.auth.views import LoginView
from django.urls import reverse

from selfcare.models import Channel, Interaction
from selfcare.selectors import customer_get_for_user, user_is_agent
from selfcare.services import interaction_record


class PortalLoginView(LoginView):
    def get_default_redirect_url(self):
        """Staff land in their own tools: agents in the console, product managers in the admin."""
        user = self.request.user
        if user.is_staff:
            return reverse("admin:index")
        if user_is_agent(user=user):
            return reverse("backoffice:console")
        return super().get_default_redirect_url()

    def form_valid(self, form):
        response = super().form_valid(form)
        customer = customer_get_for_user(user=form.get_user())
        if customer is not None:
            interaction_record(
                customer=customer,
                kind=Interaction.Kind.LOGIN,
                channel=Channel.PORTAL,
                actor=Interaction.Actor.CUSTOMER,
                actor_user=form.get_user(),
                summary="Logged in to the self-care portal",
            )
        return response

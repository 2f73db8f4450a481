"""Log-in pages are Django's own; the password reset form counts how often it is used."""

from axes.helpers import get_client_ip_address
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordResetForm
from django.http import HttpResponse

from incost_portal.accounts.services import password_reset_allowed


class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset form, refusing past a few emails an hour per address and per client."""

    def form_valid(self, form: PasswordResetForm) -> HttpResponse:
        email = form.cleaned_data["email"]
        if not password_reset_allowed(email=email, client_ip=get_client_ip_address(self.request)):
            form.add_error(
                "email",
                "Too many reset links were asked for from here or for this address in the last hour. "
                "Use the last link sent, or try again later.",
            )
            return self.form_invalid(form)
        return super().form_valid(form)

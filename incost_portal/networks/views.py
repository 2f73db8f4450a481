"""A network's settings: members, media sources, schedule, audit trail (admins change them).

The token page is onboarding's (its first step; it also starts the backfill and shows the last test)."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.forms import UserCreationForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from incost_portal.audit.models import Action
from incost_portal.audit.selectors import audit_event_list
from incost_portal.networks import services
from incost_portal.networks.access import Access, Tenancy, network_view, tenant_object
from incost_portal.networks.forms import (
    AuditFilterForm,
    InviteForm,
    MediaSourceForm,
    RoleForm,
    ScheduleForm,
)
from incost_portal.networks.models import App, Invitation, MediaSource, Membership
from incost_portal.networks.selectors import (
    api_token_active,
    invitation_open_list,
    media_source_list,
    member_list,
    send_schedule_for,
)


def _first_error(error: ValidationError) -> str:
    return error.messages[0] if error.messages else "That could not be saved."


@network_view(Access.READ)
def settings_overview(request: HttpRequest, *, tenancy: Tenancy) -> HttpResponse:
    network = tenancy.network
    context = {
        "token": api_token_active(network=network),
        "media_sources": media_source_list(network=network),
        "members": member_list(network=network),
        "schedule": send_schedule_for(network=network),
    }
    return render(request, "networks/settings.html", context)


@network_view(Access.ADMIN)
def members(request: HttpRequest, *, tenancy: Tenancy) -> HttpResponse:
    network = tenancy.network
    form = InviteForm(request.POST or None)
    new_invitation = None
    if request.method == "POST" and form.is_valid():
        try:
            invitation, link = services.member_invite(
                network=network,
                invited_by=request.user,
                base_url=request.build_absolute_uri("/"),
                **form.cleaned_data,
            )
        except ValidationError as error:
            form.add_error("email", _first_error(error))
        else:
            # Shown once, on this answer only (the link's secret is stored as a digest, and a
            # message would carry it in a cookie): the admin copies it or relies on the email.
            form = InviteForm()
            new_invitation = {"invitation": invitation, "link": link, "emailed": email_is_delivered()}
    context = {
        "new_invitation": new_invitation,
        "form": form,
        "members": member_list(network=network),
        "invitations": invitation_open_list(network=network),
        "roles": RoleForm.base_fields["role"].choices,
    }
    return render(request, "networks/members.html", context)


@require_POST
@network_view(Access.ADMIN)
def member_role(request: HttpRequest, membership_code: str, *, tenancy: Tenancy) -> HttpResponse:
    membership = tenant_object(tenancy, Membership.objects.select_related("user"), code=membership_code)
    form = RoleForm(request.POST)
    if form.is_valid():
        try:
            services.membership_role_change(
                network=tenancy.network,
                membership=membership,
                role=form.cleaned_data["role"],
                actor=request.user,
            )
        except ValidationError as error:
            messages.error(request, _first_error(error))
        else:
            messages.success(
                request, f"{membership.user.get_username()} is now {membership.get_role_display()}."
            )
    return redirect("networks:members", tenancy.network.code)


@require_POST
@network_view(Access.ADMIN)
def member_remove(request: HttpRequest, membership_code: str, *, tenancy: Tenancy) -> HttpResponse:
    membership = tenant_object(tenancy, Membership.objects.select_related("user"), code=membership_code)
    try:
        services.membership_remove(network=tenancy.network, membership=membership, actor=request.user)
    except ValidationError as error:
        messages.error(request, _first_error(error))
    else:
        messages.success(
            request, f"{membership.user.get_username()} was removed from {tenancy.network.name}."
        )
    return redirect("networks:members", tenancy.network.code)


@require_POST
@network_view(Access.ADMIN)
def invitation_revoke(request: HttpRequest, invitation_code: str, *, tenancy: Tenancy) -> HttpResponse:
    invitation = tenant_object(tenancy, Invitation, code=invitation_code)
    services.invitation_revoke(network=tenancy.network, invitation=invitation, actor=request.user)
    messages.success(request, f"The invitation of {invitation.email} no longer works.")
    return redirect("networks:members", tenancy.network.code)


@network_view(Access.ADMIN)
def media_sources(request: HttpRequest, *, tenancy: Tenancy) -> HttpResponse:
    network = tenancy.network
    form = MediaSourceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            source = services.media_source_add(network=network, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error("name", _first_error(error))
        else:
            messages.success(request, f"{source.get_kind_display()} {source.name} registered.")
            return redirect("networks:media_sources", network.code)
    return render(
        request,
        "networks/media_sources.html",
        {"form": form, "media_sources": media_source_list(network=network)},
    )


@require_POST
@network_view(Access.ADMIN)
def media_source_remove(request: HttpRequest, source_code: str, *, tenancy: Tenancy) -> HttpResponse:
    source = tenant_object(tenancy, MediaSource, code=source_code)
    services.media_source_remove(network=tenancy.network, source=source, actor=request.user)
    messages.success(request, f"{source.name} removed. Rows that name it will be flagged ic213.")
    return redirect("networks:media_sources", tenancy.network.code)


@network_view(Access.ADMIN)
def schedule(request: HttpRequest, *, tenancy: Tenancy) -> HttpResponse:
    current = send_schedule_for(network=tenancy.network)
    initial = {
        "enabled": current.enabled,
        "send_times": ", ".join(current.send_times),
        "backfill_days": current.backfill_days,
        "freshness": current.freshness,
    }
    form = ScheduleForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.send_schedule_update(network=tenancy.network, actor=request.user, **form.cleaned_data)
        messages.success(request, "Schedule saved.")
        return redirect("networks:settings", tenancy.network.code)
    context = {
        "form": form,
        "restatement_days": settings.INCOST_RESTATEMENT_DAYS,
        "tick_minutes": settings.FRESHNESS_TICK_MINUTES,
        "calls_per_day": settings.INCOST_CALLS_PER_DAY,
    }
    return render(request, "networks/schedule.html", context)


@require_POST
@network_view(Access.ADMIN)
def app_send_cost(request: HttpRequest, app_code: str, *, tenancy: Tenancy) -> HttpResponse:
    app = tenant_object(tenancy, App, code=app_code)
    app = services.app_send_cost_set(
        network=tenancy.network, app=app, send_cost=request.POST.get("send_cost") == "on", actor=request.user
    )
    if request.htmx:
        return render(request, "networks/partials/app_send_cost.html", {"app": app, "tenancy": tenancy})
    messages.success(request, f"Sending cost for {app.app_id} is {'on' if app.send_cost else 'off'}.")
    return redirect("dashboard:apps", tenancy.network.code)


@network_view(Access.ADMIN)
def audit(request: HttpRequest, *, tenancy: Tenancy) -> HttpResponse:
    form = AuditFilterForm(request.GET or None, members=member_list(network=tenancy.network))
    filters = form.cleaned_data if form.is_valid() else {}
    events = audit_event_list(network=tenancy.network, **{k: v for k, v in filters.items() if v})
    return render(
        request, "networks/audit.html", {"form": form, "events": events[:500], "actions": Action.choices}
    )


def invitation_accept(request: HttpRequest, secret: str) -> HttpResponse:
    """The one-time link: a signed-in user joins; someone without an account signs up first."""
    invitation = services.invitation_open(secret=secret)
    if invitation is None:
        return render(request, "networks/invitation_invalid.html", status=410)
    form = None
    if request.user.is_authenticated:
        if not services.invitation_is_for(invitation=invitation, user=request.user):
            context = {"invitation": invitation, "wrong_account": True}
            return render(request, "networks/invitation_accept.html", context, status=403)
        if request.method == "POST":
            services.invitation_accept(secret=secret, user=request.user)
            messages.success(request, f"Welcome to {invitation.network.name}.")
            return redirect("dashboard:index", invitation.network.code)
    else:
        form = UserCreationForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            user = services.invitation_accept_new_user(
                secret=secret, username=form.cleaned_data["username"], password=form.cleaned_data["password1"]
            )
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, f"Welcome to {invitation.network.name}.")
            return redirect("dashboard:index", invitation.network.code)
    return render(request, "networks/invitation_accept.html", {"invitation": invitation, "form": form})


def email_is_delivered() -> bool:
    """Whether the email backend sends mail anywhere (the console and memory backends do not)."""
    return settings.EMAIL_BACKEND not in {
        "django.core.mail.backends.console.EmailBackend",
        "django.core.mail.backends.locmem.EmailBackend",
        "django.core.mail.backends.dummy.EmailBackend",
    }

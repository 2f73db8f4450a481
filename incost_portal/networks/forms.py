import datetime
import re
from collections.abc import Iterable
from typing import Any

from django import forms
from django.forms.renderers import BaseRenderer
from django.utils import timezone
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

from incost_portal.audit.models import Action
from incost_portal.networks.models import Freshness, MediaSource, Membership, Role

_TIME = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
# The earliest date a filter takes: nothing in the portal is older, and a range built from it can
# never run past what a date can hold (0001-01-01 minus a day is an OverflowError).
FILTER_FIRST_DATE = datetime.date(2000, 1, 1)


class FilterDateField(forms.DateField):
    """A date to filter a list by: from FILTER_FIRST_DATE to a year from today, else a form error
    naming the range (the list then shows its default window)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", FilterDateInput(attrs={"type": "date"}))
        super().__init__(**kwargs)

    def validate(self, value: datetime.date | None) -> None:
        super().validate(value)
        last = timezone.now().date() + datetime.timedelta(days=366)
        if value is not None and not FILTER_FIRST_DATE <= value <= last:
            raise forms.ValidationError(
                f"Give a date from {FILTER_FIRST_DATE:%Y-%m-%d} to {last:%Y-%m-%d}.", code="out_of_range"
            )


def _html_attrs(attrs: dict[str, Any]) -> str:
    """Attributes as Django's widgets/attrs.html writes them (True: the name alone; False: none)."""
    return "".join(
        f" {name}" if value is True else f' {name}="{conditional_escape(str(value))}"'
        for name, value in attrs.items()
        if value is not False
    )


def _input_html(widget: dict[str, Any]) -> SafeString:
    """An `<input>` as Django's widgets/input.html writes it, from the widget's context."""
    value = "" if widget["value"] is None else f' value="{conditional_escape(str(widget["value"]))}"'
    kind, name = conditional_escape(widget["type"]), conditional_escape(widget["name"])
    out = f'<input type="{kind}" name="{name}"{value}{_html_attrs(widget["attrs"])}>'
    return mark_safe(out)  # noqa: S308 (every value escaped)


class FilterDateInput(forms.DateInput):
    """A list filter's date, written here as Django's template would (see FilterSelect)."""

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: BaseRenderer | None = None
    ) -> SafeString:
        return _input_html(self.get_context(name, value, attrs)["widget"])


class FilterTextInput(forms.TextInput):
    """A list filter's text, written here as Django's template would (see FilterSelect)."""

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: BaseRenderer | None = None
    ) -> SafeString:
        return _input_html(self.get_context(name, value, attrs)["widget"])


class FilterSelect(forms.Select):
    """A list filter's select, written here to the very markup of Django's select templates: the
    templates include one template an option, and filters of every app and member cost the Costs
    and Jobs pages a millisecond each that way."""

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: BaseRenderer | None = None
    ) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        out = [f'<select name="{conditional_escape(widget["name"])}"{_html_attrs(widget["attrs"])}>']
        for group_name, options, _ in widget["optgroups"]:
            if group_name:
                out.append(f'\n  <optgroup label="{conditional_escape(group_name)}">')
            out.extend(
                f'\n  <option value="{conditional_escape(str(option["value"]))}"'
                f"{_html_attrs(option['attrs'])}>{conditional_escape(option['label'])}</option>\n"
                for option in options
            )
            if group_name:
                out.append("\n  </optgroup>")
        out.append("\n</select>")
        return mark_safe("".join(out))  # noqa: S308 (every value escaped)


class TokenForm(forms.Form):
    # Never rendered back into the page: a failed attempt asks for the token again.
    token = forms.CharField(
        label="AppsFlyer V2.0 API token",
        widget=forms.PasswordInput(attrs={"autocomplete": "off", "spellcheck": "false"}, render_value=False),
        help_text="In AppsFlyer: your user menu > Security center > AppsFlyer API tokens > V2.0 token.",
    )


class InviteForm(forms.Form):
    email = forms.EmailField(label="Email")
    role = forms.ChoiceField(label="Role", choices=Role.choices, initial=Role.OPS)


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)


class MediaSourceForm(forms.Form):
    name = forms.CharField(
        label="Name",
        max_length=50,
        help_text="Exactly as registered at AppsFlyer, e.g. <code>example_int</code>.",
    )
    kind = forms.ChoiceField(
        label="Kind", choices=MediaSource.Kind.choices, initial=MediaSource.Kind.MEDIA_SOURCE
    )

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if any(ch.isspace() for ch in name):
            raise forms.ValidationError("Use no spaces: the name must match the attribution link exactly.")
        return name


class ScheduleForm(forms.Form):
    enabled = forms.BooleanField(label="Send automatically", required=False)
    send_times = forms.CharField(
        label="Send times (UTC)",
        help_text="Times of day in UTC, comma-separated, e.g. <code>00:00, 12:00</code>.",
    )
    freshness = forms.ChoiceField(
        label="Between send times",
        choices=Freshness.choices,
        widget=forms.RadioSelect,
        required=False,  # left out (an older client): the schedule keeps what it had
        help_text="As fresh as the budget allows: cost that changed goes out sooner than the next send "
        "time whenever the network's share of today's AppsFlyer calls allows it (every few minutes, "
        "the longest-waiting apps first). At scheduled times only: nothing leaves between send times.",
    )
    backfill_days = forms.IntegerField(
        label="Backfill window (days)",
        min_value=1,
        max_value=90,
        help_text="How far back a backfill looks for gaps and changed days (AppsFlyer accepts up to 90).",
    )

    def clean_send_times(self) -> list[str]:
        raw = [part.strip() for part in self.cleaned_data["send_times"].split(",") if part.strip()]
        bad = [part for part in raw if not _TIME.match(part)]
        if bad:
            raise forms.ValidationError(f"Not a time of day as HH:MM: {', '.join(bad)}.")
        if not raw:
            raise forms.ValidationError("Give at least one time, or turn automatic sending off.")
        if len(raw) > 24:
            raise forms.ValidationError("At most 24 send times a day.")
        return sorted(set(raw))


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(required=False, choices=[("", "All actions"), *Action.choices])
    actor_id = forms.TypedChoiceField(required=False, coerce=int, empty_value=None, label="Who")
    date_from = FilterDateField(label="From (UTC)")
    date_to = FilterDateField(label="To (UTC)")

    def __init__(self, *args: Any, members: Iterable[Membership], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["actor_id"].choices = [("", "Anyone")] + [
            (m.user_id, m.user.get_username()) for m in members
        ]

import datetime
import zoneinfo
from collections.abc import Iterable
from typing import Any

from django import forms
from django.conf import settings
from django.utils import timezone

from incost_portal.costs.editing import ROW_EDIT_FIELDS
from incost_portal.costs.fields import FIELD_ORDER
from incost_portal.costs.models import CostUpload
from incost_portal.costs.parsing.conventions import DATE_FORMATS, DECIMAL_SEPARATORS
from incost_portal.networks.forms import FilterDateField, FilterSelect, FilterTextInput
from incost_portal.networks.models import App

CHART_DEFAULT_DAYS = 90


class UploadForm(forms.Form):
    file = forms.FileField(
        required=False,
        label="Cost file",
        help_text="JSON (the InCost array), CSV or XLSX with InCost or Cost Import headers.",
    )
    body = forms.CharField(
        required=False,
        label="Or paste JSON",
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false", "placeholder": '[{"date": "…", …}]'}),
    )
    source_time_zone = forms.CharField(
        required=False,
        max_length=64,
        label="Source time zone",
        help_text="Only for files with an <code>hour</code> column: the IANA zone of those hours "
        "(e.g. Europe/Berlin). Empty: UTC.",
    )
    decimal_separator = forms.ChoiceField(
        required=False,
        choices=list(DECIMAL_SEPARATORS.items()),
        initial=".",
        label="Decimals in spend",
        help_text="CSV and XLSX: how the file writes 12.50 (many European exports write 12,50).",
    )
    date_format = forms.ChoiceField(
        required=False,
        choices=[(name, f"{name} ({example})") for name, example in DATE_FORMATS.items()],
        initial="YYYY-MM-DD",
        label="Dates",
        help_text="CSV and XLSX: the order the file writes its dates in (Excel dates are read as dates).",
    )
    app = forms.ChoiceField(
        required=False,
        label="One app only",
        help_text="Optional: treat the file as one app's request (rows of another app are errors).",
    )

    def __init__(self, *args: Any, apps: Iterable[App], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.apps = {str(app.code): app for app in apps}
        self.fields["app"].choices = [("", "Any of the network's apps")] + [
            (code, app.app_id) for code, app in self.apps.items()
        ]

    def clean_decimal_separator(self) -> str:
        return self.cleaned_data["decimal_separator"] or "."  # not given: InCost's own

    def clean_date_format(self) -> str:
        return self.cleaned_data["date_format"] or "YYYY-MM-DD"

    def clean_source_time_zone(self) -> str:
        zone = self.cleaned_data["source_time_zone"].strip()
        if zone:
            try:
                zoneinfo.ZoneInfo(zone)
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                raise forms.ValidationError(
                    f"{zone!r} is not an IANA time zone name (like Europe/Berlin or America/New_York)."
                ) from None
        return zone

    def clean_file(self) -> Any:
        file = self.cleaned_data.get("file")
        if file is not None and file.size > settings.COST_UPLOAD_MAX_BYTES:
            raise forms.ValidationError(
                f"The file is {file.size:,} bytes; "
                f"the largest accepted is {settings.COST_UPLOAD_MAX_BYTES:,}."
            )
        return file

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not data.get("file") and not (data.get("body") or "").strip() and "file" not in self.errors:
            raise forms.ValidationError("Choose a file, drop one on the box, or paste a JSON array.")
        if data.get("file") and (data.get("body") or "").strip():
            raise forms.ValidationError("Give a file or pasted JSON, not both.")
        return data

    @property
    def chosen_app(self) -> App | None:
        return self.apps.get(self.cleaned_data.get("app") or "")


class CellFixForm(forms.Form):
    row = forms.IntegerField(min_value=1)
    field = forms.ChoiceField(choices=[(name, name) for name in FIELD_ORDER])
    value = forms.CharField(required=False, max_length=1000, strip=False)


class UploadFilterForm(forms.Form):
    status = forms.ChoiceField(
        required=False, choices=[("", "Any status"), *CostUpload.Status.choices], label="Status"
    )
    source = forms.ChoiceField(
        required=False, choices=[("", "Any source"), *CostUpload.Source.choices], label="Source"
    )
    versions = forms.ChoiceField(
        required=False, choices=[("", "Latest versions"), ("all", "Every version")], label="Versions"
    )

    def filters(self) -> dict[str, str]:
        if not self.is_valid():
            return {}
        return {name: value for name, value in self.cleaned_data.items() if value}


class CostFilterForm(forms.Form):
    app = forms.ChoiceField(required=False, label="App", widget=FilterSelect)
    date_from = FilterDateField(label="From")
    date_to = FilterDateField(label="To")
    media_source = forms.ChoiceField(required=False, label="Media source", widget=FilterSelect)
    campaign = forms.CharField(
        required=False, max_length=100, label="Campaign (id or name)", widget=FilterTextInput
    )

    def __init__(self, *args: Any, apps: Iterable[App], media_sources: Iterable[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.apps = {str(app.code): app for app in apps}
        self.fields["app"].choices = [("", "All apps")] + [
            (code, app.app_id) for code, app in self.apps.items()
        ]
        self.fields["media_source"].choices = [("", "All media sources")] + [(m, m) for m in media_sources]

    def filters(self) -> dict[str, Any]:
        """Selector arguments; without dates, the last CHART_DEFAULT_DAYS days."""
        data = self.cleaned_data if self.is_valid() else {}
        today = timezone.now().date()
        date_to = data.get("date_to")
        date_from = data.get("date_from") or (date_to or today) - datetime.timedelta(days=CHART_DEFAULT_DAYS)
        return {
            "app": self.apps.get(data.get("app") or ""),
            "date_from": date_from,
            "date_to": date_to,
            "media_source": data.get("media_source") or "",
            "campaign": (data.get("campaign") or "").strip(),
        }


class CostRowForm(forms.Form):
    """The fields of a stored row that an edit may change; checked by the file rules on save."""

    af_prt = forms.CharField(required=False, label="Agency (af_prt)")
    campaign_id = forms.CharField(required=False, label="Campaign ID")
    campaign_name = forms.CharField(required=False, label="Campaign name")
    adset_id = forms.CharField(required=False, label="Adset ID")
    adset_name = forms.CharField(required=False, label="Adset name")
    ad_id = forms.CharField(required=False, label="Ad ID")
    ad_name = forms.CharField(required=False, label="Ad name")
    site_id = forms.CharField(required=False, label="Site ID")
    geo = forms.CharField(required=False, label="Geo")
    channel = forms.CharField(required=False, label="Channel")
    keywords = forms.CharField(required=False, label="Keywords")
    currency = forms.CharField(required=False, label="Currency")
    spend = forms.CharField(required=False, label="Spend")
    clicks = forms.CharField(required=False, label="Clicks")
    impressions = forms.CharField(required=False, label="Impressions")

    def changes(self) -> dict[str, str]:
        # Plain text on purpose: the validator, not the form, judges every value (same codes as a file).
        return {name: self.cleaned_data.get(name, "") for name in ROW_EDIT_FIELDS}

"""The source form: what a source pulls, how its file is read, when, and what to do with problems.

Secrets are write-only: left empty they stay as stored, and the page shows only their last four."""

from typing import Any

from django import forms

from incost_portal.costs.parsing.conventions import DATE_FORMATS, DECIMAL_SEPARATORS
from incost_portal.sources.mapping import MappingError, mapping_parse, mapping_text
from incost_portal.sources.models import Source


def headers_parse(text: str) -> dict[str, str]:
    """`Name: value` a line."""
    headers: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        if ":" not in line:
            raise forms.ValidationError(f"Line {number}: write `Header-Name: value`.")
        name, value = line.split(":", 1)
        headers[name.strip()] = value.strip()
    return headers


class SourceForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="What the source pulls, e.g. “Daily cost report”.")
    kind = forms.ChoiceField(choices=Source.Kind.choices, widget=forms.RadioSelect, initial=Source.Kind.HTTPS)
    enabled = forms.BooleanField(required=False, initial=True, label="Pull it on its schedule")
    url_template = forms.CharField(
        required=False,
        max_length=2000,
        label="Report URL",
        help_text="HTTPS report: <code>{date_from}</code> and <code>{date_to}</code> are filled with the "
        "restatement window as YYYY-MM-DD, e.g. <code>https://reports.example.com/cost.csv?from={date_from}"
        "&amp;to={date_to}</code>.",
    )
    headers = forms.CharField(
        required=False,
        label="Request headers",
        widget=forms.Textarea(attrs={"rows": 2, "spellcheck": "false", "autocomplete": "off"}),
        help_text="HTTPS report: one <code>Name: value</code> a line, e.g. "
        "<code>Authorization: Bearer …</code>. Kept encrypted; empty keeps the stored ones.",
    )
    headers_clear = forms.BooleanField(required=False, label="Remove the stored headers")
    file_format = forms.ChoiceField(required=False, choices=Source.Format.choices, label="Format")
    bucket = forms.CharField(required=False, max_length=255, help_text="S3 bucket: its name.")
    prefix = forms.CharField(
        required=False, max_length=1024, help_text="Only objects under it, e.g. exports/."
    )
    region = forms.CharField(required=False, max_length=64, help_text="e.g. eu-west-1; empty: us-east-1.")
    endpoint_url = forms.CharField(
        required=False,
        max_length=500,
        label="Endpoint URL",
        help_text="For S3-compatible stores (MinIO, R2, Wasabi…); empty: Amazon S3.",
    )
    access_key_id = forms.CharField(required=False, max_length=128, label="Access key id")
    secret_key = forms.CharField(
        required=False,
        label="Secret access key",
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text="Kept encrypted; empty keeps the stored one.",
    )
    column_mapping = forms.CharField(
        required=False,
        label="Column mapping",
        widget=forms.Textarea(
            attrs={"rows": 3, "spellcheck": "false", "placeholder": "Cost = spend\nDay = date"}
        ),
        help_text="Only for columns whose names differ from InCost's: "
        "<code>source column = incost_field</code> a line.",
    )
    date_format = forms.ChoiceField(
        choices=[(name, f"{name} ({example})") for name, example in DATE_FORMATS.items()],
        initial="YYYY-MM-DD",
        label="Dates",
        help_text="CSV and XLSX: the order the file writes its dates in.",
    )
    decimal_separator = forms.ChoiceField(
        choices=list(DECIMAL_SEPARATORS.items()),
        initial=".",
        label="Decimals in spend",
        help_text="CSV and XLSX: many European exports write 12,50.",
    )
    restatement_days = forms.IntegerField(
        min_value=1,
        max_value=90,
        initial=7,
        label="Restatement window (days)",
        help_text="The last N days, in each app's time zone, filled into the URL.",
    )
    every_hours = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=168,
        label="Every N hours",
        help_text="Empty: shortly before each scheduled send of the network's schedule.",
    )
    stale_after_hours = forms.IntegerField(
        required=False,
        min_value=0,
        max_value=720,
        initial=48,
        label="Alert when no new cost for (hours)",
        help_text="An alert opens when no run has brought new cost for this long; 0: never; empty: 48.",
    )
    on_problems = forms.ChoiceField(
        choices=Source.OnProblems.choices,
        initial=Source.OnProblems.VALID_GROUPS,
        widget=forms.RadioSelect,
        label="When a file has errors",
    )

    def __init__(self, *args: Any, source: Source | None = None, **kwargs: Any) -> None:
        if source is not None and not kwargs.get("data") and not (args and args[0]):
            kwargs["initial"] = {
                **{name: getattr(source, name) for name in self.base_fields if hasattr(source, name)},
                "headers": "",
                "secret_key": "",
                "column_mapping": mapping_text(source.column_mapping),
            }
        super().__init__(*args, **kwargs)
        self.source = source
        if source is not None and source.headers_shown:
            stored = ", ".join(f"{name} (…{last4 or '····'})" for name, last4 in source.headers_shown.items())
            self.fields["headers"].help_text += f" Stored: {stored}."
        if source is not None and source.secret_key_encrypted:
            self.fields["secret_key"].help_text += f" Stored: …{source.secret_key_last4 or '····'}."

    def clean_headers(self) -> dict[str, str] | None:
        text = self.cleaned_data["headers"]
        return headers_parse(text) if text.strip() else None

    def clean_column_mapping(self) -> dict[str, str]:
        try:
            return mapping_parse(self.cleaned_data["column_mapping"])
        except MappingError as error:
            raise forms.ValidationError(str(error)) from None

    def clean_stale_after_hours(self) -> int:
        hours = self.cleaned_data.get("stale_after_hours")
        return 48 if hours is None else hours

    def clean_secret_key(self) -> str | None:
        return self.cleaned_data["secret_key"].strip() or None

    @property
    def values(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        for name in ("headers", "headers_clear", "secret_key"):
            data.pop(name, None)
        data["file_format"] = data.get("file_format") or ""
        return data

    @property
    def headers_given(self) -> dict[str, str] | None:
        if self.cleaned_data.get("headers_clear"):
            return {}
        return self.cleaned_data.get("headers")

from collections.abc import Iterable
from typing import Any

from django import forms

from incost_portal.networks.forms import FilterDateField, FilterSelect
from incost_portal.networks.models import App
from incost_portal.submissions.models import State, Trigger


class SubmissionFilterForm(forms.Form):
    app = forms.ChoiceField(required=False, label="App", widget=FilterSelect)
    state = forms.ChoiceField(
        required=False, choices=[("", "Any status"), *State.choices], label="Status", widget=FilterSelect
    )
    trigger = forms.ChoiceField(
        required=False, choices=[("", "Any source"), *Trigger.choices], label="Source", widget=FilterSelect
    )
    created_by = forms.TypedChoiceField(
        required=False, coerce=int, empty_value=None, label="Who", widget=FilterSelect
    )
    date_on = FilterDateField(label="Cost date", help_text="Jobs carrying that day")

    def __init__(
        self, *args: Any, apps: Iterable[App], members: Iterable[tuple[int, str]], **kwargs: Any
    ) -> None:
        """`members`: (user id, username) pairs, as `member_names` gives them."""
        super().__init__(*args, **kwargs)
        self.fields["app"].choices = [("", "All apps")] + [(str(app.code), app.app_id) for app in apps]
        self.fields["created_by"].choices = [("", "Anyone"), *members]

    def filters(self) -> dict[str, Any]:
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {
            "app_code": data.get("app") or "",
            "state": data.get("state") or "",
            "trigger": data.get("trigger") or "",
            "created_by": data.get("created_by"),
            "date_on": data.get("date_on"),
        }


class BackfillForm(forms.Form):
    days = forms.IntegerField(min_value=1, max_value=90, initial=7, label="Days back")

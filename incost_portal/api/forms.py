from django import forms

from incost_portal.api.models import Scope


class ApiKeyForm(forms.Form):
    name = forms.CharField(
        label="Name",
        max_length=100,
        help_text="What will use it, e.g. <code>nightly cost export</code>: the list shows it.",
    )
    scope = forms.ChoiceField(
        label="Scope",
        choices=Scope.choices,
        initial=Scope.WRITE,
        help_text="Write: push cost, send and change settings. Read only: read cost, jobs and apps.",
    )

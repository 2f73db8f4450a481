from django import forms

from incost_portal.alerts.kinds import kind_choices
from incost_portal.alerts.models import AlertSettings, Channel, Mode
from incost_portal.alerts.services.conditions import MUTE_MAX_HOURS


class ChannelForm(forms.Form):
    kind = forms.ChoiceField(choices=Channel.Kind.choices, initial=Channel.Kind.WEBHOOK)
    name = forms.CharField(max_length=100, required=False, help_text="How the delivery log names it.")
    url = forms.URLField(
        max_length=1000,
        assume_scheme="https",
        required=False,
        label="URL",
        help_text="Webhooks only. Addresses inside private networks are refused (OUTBOUND_ALLOWED_NETWORKS).",
    )


class SubscriptionForm(forms.Form):
    mode = forms.ChoiceField(choices=Mode.choices, label="Email me", widget=forms.RadioSelect)
    kinds = forms.MultipleChoiceField(
        choices=kind_choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="About",
        help_text="None ticked: every kind.",
    )


class MuteForm(forms.Form):
    hours = forms.IntegerField(min_value=1, max_value=MUTE_MAX_HOURS, initial=4)


class ThresholdsForm(forms.ModelForm):
    class Meta:
        model = AlertSettings
        fields = ["stuck_after_hours", "matched_records_min"]
        labels = {
            "stuck_after_hours": "Request not Applied after (hours)",
            "matched_records_min": "Matched records below (%)",
        }

    def clean_stuck_after_hours(self) -> int:
        hours = self.cleaned_data["stuck_after_hours"]
        if not 1 <= hours <= 240:
            raise forms.ValidationError("Between 1 and 240 hours.")
        return hours

    def clean_matched_records_min(self) -> object:
        value = self.cleaned_data["matched_records_min"]
        if not 0 <= value <= 100:
            raise forms.ValidationError("A percentage from 0 to 100 (0 turns it off).")
        return value

"""The webhook endpoint form, shared by the admin and the management command (F10, F11).

Validation itself lives on the model fields (URL guard, header rules, filter shapes), so
this form only offers friendlier inputs: one glob or registry per line, event types as
checkboxes. The signing secret is not a field: it is generated on creation and shown
once by the caller (``hub.webhooks.secrets.create_secret``).
"""

from django import forms

from hub.models import WebhookEndpoint
from hub.models.endpoints import EVENT_TYPES


class LinesField(forms.CharField):
    """A list of strings entered one per line (blank lines ignored)."""

    widget = forms.Textarea(attrs={"rows": 3})

    def prepare_value(self, value: object) -> object:
        return "\n".join(value) if isinstance(value, list | tuple) else value

    def to_python(self, value: object) -> list[str]:
        if isinstance(value, list | tuple):
            return [str(item).strip() for item in value if str(item).strip()]
        text = super().to_python(value)
        return [line.strip() for line in text.splitlines() if line.strip()]


class WebhookEndpointForm(forms.ModelForm):
    """Create or edit an endpoint; every rule is enforced by the model's field validators."""

    event_types = forms.MultipleChoiceField(
        choices=[(name, name) for name in EVENT_TYPES],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Event types to receive; none ticked means all.",
    )
    patterns = LinesField(
        required=False,
        help_text='One glob per line over "section__name", e.g. general__*; empty means all.',
    )
    registries = LinesField(
        required=False,
        help_text="One registry per line, e.g. global or user; empty means all.",
    )

    class Meta:
        model = WebhookEndpoint
        fields = [
            "url",
            "description",
            "event_types",
            "patterns",
            "registries",
            "headers",
            "payload_mode",
            "rate_limit",
            "receive_sensitive",
        ]
        widgets = {"headers": forms.Textarea(attrs={"rows": 3})}

    def clean_headers(self) -> dict[str, str]:
        return self.cleaned_data.get("headers") or {}

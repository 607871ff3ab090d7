"""The webhook endpoint form (admin and management command, F10, F11) and the e-mail rule form.

Validation itself lives on the model fields (URL guard, header rules, filter shapes), so
these forms only offer friendlier inputs: one glob, registry or address per line (the same
for endpoints and rules; the REST API takes JSON lists), event types as checkboxes. The
signing secret is not a field: it is generated on creation and shown once by the caller
(``hub.webhooks.secrets.create_secret``).
"""

from django import forms

from hub.models import EmailRule, WebhookEndpoint
from hub.models.endpoints import EVENT_TYPES, keep_masked_headers, masked_headers


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


def patterns_field() -> LinesField:
    return LinesField(
        required=False,
        help_text='One glob per line over "section__name", e.g. general__*; empty means all.',
    )


def registries_field() -> LinesField:
    return LinesField(
        required=False,
        help_text="One registry per line, e.g. global or user; empty means all.",
    )


class WebhookEndpointForm(forms.ModelForm):
    """Create or edit an endpoint; every rule is enforced by the model's field validators."""

    event_types = forms.MultipleChoiceField(
        choices=[(name, name) for name in EVENT_TYPES],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Event types to receive; none ticked means all.",
    )
    patterns = patterns_field()
    registries = registries_field()

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

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk and "headers" in self.fields:  # a read-only view has no field
            # Header values are write-only once saved (they often hold credentials).
            self.initial["headers"] = masked_headers(self.instance.headers)
            self.fields["headers"].help_text = (
                "Values are write-only: keep “•••• set” to keep a value, type a new one to "
                "replace it, remove the header to drop it."
            )

    def clean_headers(self) -> dict[str, str]:
        headers = self.cleaned_data.get("headers") or {}
        return keep_masked_headers(headers, self.instance.headers if self.instance.pk else {})


class EmailRuleForm(forms.ModelForm):
    """Create or edit an e-mail rule, with the endpoint form's one-per-line inputs."""

    patterns = patterns_field()
    registries = registries_field()
    recipients = LinesField(
        required=False,
        help_text="One e-mail address per line; empty means the ADMINS setting.",
    )

    class Meta:
        model = EmailRule
        fields = ["name", "is_active", "patterns", "registries", "recipients", "digest_window"]

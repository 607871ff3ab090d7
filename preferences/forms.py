"""Forms that edit preferences: one row at a time (admin) or many at once (builder forms).

Builder forms write through the preference manager, and the admin saves the single-row
forms through it, so each saved preference sends ``preference_updated`` exactly once
(R-SIG-4 b, d). A value that passes the form field but
that the preference's serializer cannot store (an empty integer, say) is reported as an
error on its field instead of failing at save time (R-FORM-7).
"""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import EMPTY_VALUES
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from .exceptions import NotFoundInRegistry
from .models import GlobalPreferenceModel
from .registries import global_preferences_registry
from .sealing import is_sensitive
from .serializers import SerializationError, UnstorableValue
from .types import FilePreference

REQUIRED_MESSAGE = _("This field is required.")
INVALID_MESSAGE = _("Enter a valid value.")
# Shown instead of a sensitive value, which is never rendered (like Django's password widgets).
SET_PLACEHOLDER = "•••• set"


def masked(preference: Any, value: Any) -> Any:
    """``value`` for display: a sensitive preference shows only whether a value is set.

    Everything that shows values (admin, REST API, pages) goes through this or
    ``conceal``, so a sensitive value is write-only once saved.
    """
    if not is_sensitive(preference):
        return value
    return SET_PLACEHOLDER if value not in EMPTY_VALUES else None


def conceal(field: forms.Field, value: Any) -> forms.Field:
    """Make ``field`` a write-only password input for a sensitive preference holding ``value``.

    The stored value is never rendered; a placeholder says whether one is set. The field
    becomes optional because leaving it blank keeps the value (see ``kept_if_blank``).
    """
    placeholder = SET_PLACEHOLDER if value not in EMPTY_VALUES else ""
    field.widget = forms.PasswordInput(render_value=False, attrs={"placeholder": placeholder})
    field.required = False
    return field


def kept_if_blank(preference: Any, submitted: Any, row: Any) -> Any:
    """The value to write for a submission: a blank sensitive input keeps ``row``'s value."""
    if is_sensitive(preference) and submitted in EMPTY_VALUES:
        return row.value
    return submitted


def ensure_storable(preference: Any, value: Any) -> None:
    """Raise ``ValidationError`` when ``preference`` cannot store ``value`` (R-FORM-7).

    Form fields of preferences are optional by default (R-TYPE-2), so they accept empty
    values that the serializers of e.g. integers or dates refuse. File values are not
    tried: serializing an upload stores it, and the file field has already checked it.
    """
    if isinstance(preference, FilePreference):
        return
    try:
        preference.storable_raw(value)
    except UnstorableValue as exc:
        raise ValidationError(
            _("This value cannot be stored: %(reason)s."), code="unstorable", params={"reason": exc}
        ) from exc
    except (SerializationError, ValueError, TypeError) as exc:
        if value in EMPTY_VALUES:
            raise ValidationError(REQUIRED_MESSAGE, code="required") from exc
        raise ValidationError(INVALID_MESSAGE, code="invalid") from exc


def clean_preference_value(preference: Any, value: Any) -> Any:
    """Clean ``value`` exactly as the preference's form field would, then check it is storable.

    Used by callers that receive values outside a form (the REST API, R-API-3), so that they
    accept and reject the same values as the forms, with the same messages.
    """
    field = preference.setup_field()
    try:
        value = field.to_python(value)
    except (TypeError, ValueError, AttributeError) as exc:
        # Some fields assume a string (temporal fields call ``value.strip()``); any other
        # type is simply an invalid value, never a crash.
        raise ValidationError(INVALID_MESSAGE, code="invalid") from exc
    field.validate(value)
    field.run_validators(value)
    ensure_storable(preference, value)
    return value


class AbstractSinglePreferenceForm(forms.ModelForm):
    """Edits the value of one stored preference row with the preference's own field (R-FORM-1)."""

    class Meta:
        fields = ("section", "name", "raw_value")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        row = kwargs.get("instance")
        if row is not None:
            kwargs["initial"] = {"raw_value": row.value, **kwargs.get("initial", {})}
        super().__init__(*args, **kwargs)
        if self.instance.name:
            self.fields["raw_value"] = self.instance.preference.setup_field()
            if self.instance.pk and is_sensitive(self.instance.preference):
                conceal(self.fields["raw_value"], self.instance.value)

    def clean(self) -> dict[str, Any]:
        cleaned_data = super().clean()
        self._copy_lookup_fields(cleaned_data)
        preference = self._resolve_preference()
        if "raw_value" in cleaned_data:
            if self.instance.pk:
                value = kept_if_blank(preference, cleaned_data["raw_value"], self.instance)
                cleaned_data["raw_value"] = value
            try:
                ensure_storable(preference, cleaned_data["raw_value"])
            except ValidationError as error:
                self.add_error("raw_value", error)
        return cleaned_data

    def _copy_lookup_fields(self, cleaned_data: dict[str, Any]) -> None:
        # Change forms and changelist forms do not edit name and section: only an add form
        # (disabled in the admin, R-ADM-8) carries them.
        for attr in ("name", "section"):
            if attr in cleaned_data:
                setattr(self.instance, attr, cleaned_data[attr])

    def _resolve_preference(self) -> Any:
        try:
            return self.instance.preference
        except NotFoundInRegistry as exc:
            raise ValidationError(NotFoundInRegistry.detail_default) from exc

    def save(self, commit: bool = True) -> Any:
        """Save the row directly; prefer the manager (the admin does) so the signal is sent."""
        self.instance.value = self.cleaned_data["raw_value"]
        return super().save(commit=commit)


class SinglePerInstancePreferenceForm(AbstractSinglePreferenceForm):
    """Single-row form for per-instance preferences (user, site...; R-FORM-2)."""

    class Meta:
        fields = ("instance", *AbstractSinglePreferenceForm.Meta.fields)

    def _copy_lookup_fields(self, cleaned_data: dict[str, Any]) -> None:
        super()._copy_lookup_fields(cleaned_data)
        if cleaned_data.get("instance"):
            self.instance.instance = cleaned_data["instance"]


class GlobalSinglePreferenceForm(AbstractSinglePreferenceForm):
    class Meta:
        model = GlobalPreferenceModel
        fields = AbstractSinglePreferenceForm.Meta.fields


class PreferenceForm(forms.Form):
    """Base of the builder forms; ``update_preferences()`` writes them, there is no ``save()``.

    ``preferences``, ``instances`` and ``manager`` are set on the class by
    :func:`preference_form_builder` (R-FORM-3, R-FORM-5).
    """

    registry: Any = None
    preferences: list[Any] = []
    instances: list[Any] = []
    manager: Any = None

    def clean(self) -> dict[str, Any]:
        cleaned_data = super().clean()
        for preference, row in zip(self.preferences, self.instances, strict=True):
            identifier = preference.identifier()
            if identifier not in cleaned_data:
                continue
            cleaned_data[identifier] = kept_if_blank(preference, cleaned_data[identifier], row)
            try:
                ensure_storable(preference, cleaned_data[identifier])
            except ValidationError as error:
                self.add_error(identifier, error)
        return cleaned_data

    def update_preferences(self, **kwargs: Any) -> list[Any]:
        """Write the changed fields through the manager: one ``preference_updated`` each.

        A field whose value equals the stored one is not written, so an unchanged field
        is no change (upstream writes every field). The writes share one transaction, so a
        failing write (or receiver) leaves none of them applied. Returns the preferences
        written.
        """
        changed = [
            preference
            for preference, row in zip(self.preferences, self.instances, strict=True)
            if self.cleaned_data[preference.identifier()] != row.value
        ]
        with transaction.atomic():
            for preference in changed:
                self.manager.update_db_pref(
                    preference.section.name,
                    preference.name,
                    self.cleaned_data[preference.identifier()],
                )
        return changed


class GlobalPreferenceForm(PreferenceForm):
    registry = global_preferences_registry


def _lookup(registry: Any, item: Any) -> Any:
    """Find the preference named by a builder item: an identifier or a ``(section, name)``."""
    if isinstance(item, str):
        return registry.get(name=item)
    if isinstance(item, tuple) and len(item) == 2:
        section, name = item
        try:
            return registry.get(name=name, section=section)
        except NotFoundInRegistry:
            # The original library read tuples as (name, section), unlike its own docs.
            return registry.get(name=section, section=name)
    raise NotImplementedError(f"Cannot turn {item!r} into a preference: give an identifier string")


def _select_preferences(registry: Any, preferences: list[Any], section: str | None) -> list[Any]:
    if preferences:
        return [_lookup(registry, item) for item in preferences]
    if section:
        return registry.preferences(section=section)
    return registry.preferences()


def preference_form_builder(
    form_base_class: type[PreferenceForm], preferences: list[Any] | None = None, **kwargs: Any
) -> type[PreferenceForm]:
    """Return a new form class with one field per selected preference (R-FORM-3).

    ``preferences`` lists identifiers or ``(section, name)`` tuples; without it, ``section=``
    selects one section, else every preference of ``form_base_class.registry``. The manager is
    bound to ``instance=`` (``model=`` is the legacy spelling of the manager's kwargs). Reading
    the initial values creates the rows that do not exist yet.
    """
    registry = form_base_class.registry
    selected = _select_preferences(registry, preferences or [], kwargs.get("section"))
    manager_kwargs = kwargs["model"] if "model" in kwargs else {"instance": kwargs.get("instance")}
    manager = registry.manager(**manager_kwargs)
    fields: dict[str, forms.Field] = {}
    rows = []
    for preference in selected:
        row = manager.get_db_pref(section=preference.section.name, name=preference.name)
        field = preference.field
        field.initial = row.value
        if is_sensitive(preference):
            conceal(field, row.value)
        fields[preference.identifier()] = field
        rows.append(row)
    form_class = type(f"Custom{form_base_class.__name__}", (form_base_class,), {})
    # Set after creation: the form metaclass would replace a ``base_fields`` given to type().
    form_class.base_fields = fields
    form_class.preferences = selected
    form_class.instances = rows
    form_class.manager = manager
    return form_class


def global_preference_form_builder(
    preferences: list[Any] | None = None, **kwargs: Any
) -> type[PreferenceForm]:
    """Shortcut for ``preference_form_builder(GlobalPreferenceForm, preferences, **kwargs)``."""
    return preference_form_builder(GlobalPreferenceForm, preferences, **kwargs)

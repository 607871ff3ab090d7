"""Admin for stored preferences: list, filter by section, edit a value with its own field.

Every save goes through the preference manager (R-ADM-5), so the admin sends
``preference_updated`` exactly once per saved preference, like every other write path.
"""

from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.options import IS_POPUP_VAR
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.db.models import Model, QuerySet
from django.forms import ModelForm
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .forms import GlobalSinglePreferenceForm, SinglePerInstancePreferenceForm, masked
from .models import GlobalPreferenceModel
from .registries import MissingPreference, global_preferences_registry
from .settings import preferences_settings


class SectionFilter(admin.AllValuesFieldListFilter):
    """Section filter that shows each registered section's verbose name (R-ADM-3)."""

    def choices(self, changelist: Any) -> Any:
        sections = [value for value in self.lookup_choices if value is not None]
        section_objects = self.field.model.registry.section_objects
        for index, choice in enumerate(super().choices(changelist)):
            # The parent yields "All", then one choice per non-empty value in order, then
            # the empty one; only the display text changes (facet counts are kept).
            if 1 <= index <= len(sections):
                raw = str(sections[index - 1])
                if raw in section_objects:
                    label = str(section_objects[raw].verbose_name)
                    choice["display"] = choice["display"].replace(raw, label, 1)
            yield choice


class DynamicPreferenceAdmin(admin.ModelAdmin):
    """Common admin of preference models (R-ADM-1, R-ADM-2, R-ADM-8)."""

    list_display = (
        "verbose_name",
        "name",
        "section_name",
        "help_text",
        "raw_value",
        "default_value",
    )
    fields = ("raw_value", "default_value", "name", "section_name")
    readonly_fields = ("name", "section_name", "default_value")
    search_fields = ["name", "section", "raw_value"]
    list_filter = (("section", SectionFilter),)
    changelist_form: type[ModelForm] = ModelForm

    @property
    def list_editable(self) -> tuple[str, ...]:
        """``raw_value`` is editable in the list when ``ADMIN_ENABLE_CHANGELIST_FORM`` is on.

        Read on each use rather than at import time (as the original did, R-SET-5), so the
        setting also takes effect under ``override_settings``.
        """
        return ("raw_value",) if preferences_settings.ADMIN_ENABLE_CHANGELIST_FORM else ()

    def get_changelist_form(self, request: HttpRequest, **kwargs: Any) -> type[ModelForm]:
        return self.changelist_form

    def get_list_display(self, request: HttpRequest) -> Any:
        """Show ``stored_value`` where the list does not edit ``raw_value`` in a form."""
        if self.list_editable:
            return self.list_display
        return _shown(self.list_display)

    def get_fields(self, request: HttpRequest, obj: Model | None = None) -> Any:
        """A read-only change page shows ``stored_value`` instead of the raw column."""
        fields = super().get_fields(request, obj)
        if obj is not None and not self.has_change_permission(request, obj):
            return _shown(fields)
        return fields

    @admin.display(description=_("Raw Value"), ordering="raw_value")
    def stored_value(self, obj: Model) -> Any:
        """The raw value where it is shown rather than edited; sensitive values masked.

        Forms (the change form, the editable list) mask sensitive values themselves.
        Sensitive values are sealed at rest, so the search box cannot find rows by them.
        """
        return masked(obj.preference, obj.raw_value)

    @admin.display(description=_("Default Value"))
    def default_value(self, obj: Model) -> Any:
        # get() also covers preferences that compute their default (``get_default()``).
        return obj.preference.get("default")

    @admin.display(description=_("Section Name"))
    def section_name(self, obj: Model) -> Any:
        section = obj.registry.section_objects.get(obj.section)
        return section.verbose_name if obj.section and section is not None else obj.section

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        # Rows that match no registered preference (#41) can be viewed and deleted, not
        # edited: the manager writes registered preferences only.
        if obj is not None and isinstance(obj.preference, MissingPreference):
            return False
        return super().has_change_permission(request, obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Rows exist for registered preferences only; name and section are read-only, so an
        # add form could not create a meaningful row (R-ADM-8).
        return False

    def save_form(self, request: HttpRequest, form: ModelForm, change: bool) -> Model:
        # The form's own save() would serialize the value, which stores an uploaded file;
        # the manager stores it in save_model, so it is stored once (R-ADM-5).
        return form.instance

    def save_model(self, request: HttpRequest, obj: Model, form: ModelForm, change: bool) -> None:
        """Write through the manager bound to the row's owner: one signal, right row (R-ADM-5)."""
        manager = obj.registry.manager(instance=getattr(obj, "instance", None))
        row = manager.update_db_pref(obj.section, obj.name, form.cleaned_data["raw_value"])
        obj.raw_value = row.raw_value

    def save_related(
        self, request: HttpRequest, form: ModelForm, formsets: Any, change: bool
    ) -> None:
        # Preference rows have no many-to-many fields or inlines, and save_form() skipped
        # form.save(commit=False), which is what provides form.save_m2m().
        return None

    def response_change(self, request: HttpRequest, obj: Model) -> HttpResponse:
        """Confirm the change naming the preference by its identifier (``general__title``).

        Django's own message shows ``str(obj)``, which stays upstream's
        ``"GlobalPreferenceModel - general/title"`` (R-MOD-6) and reads badly there. A
        preference change form offers only "Save" and "Save and continue editing".
        """
        if IS_POPUP_VAR in request.POST:
            return super().response_change(request, obj)
        message = _("The {name} “{obj}” was changed successfully.")
        if "_continue" in request.POST:
            message = _("The {name} “{obj}” was changed successfully. You may edit it again below.")
        label = format_html('<a href="{}">{}</a>', request.path, obj.preference.identifier())
        self.message_user(
            request, format_html(message, name=self.opts.verbose_name, obj=label), messages.SUCCESS
        )
        if "_continue" in request.POST:
            context = {"preserved_filters": self.get_preserved_filters(request), "opts": self.opts}
            return HttpResponseRedirect(add_preserved_filters(context, request.path))
        return self.response_post_save_change(request, obj)


def _shown(names: Any) -> tuple[str, ...]:
    """``names`` with the raw column replaced by its masked display."""
    return tuple("stored_value" if name == "raw_value" else name for name in names)


class GlobalPreferenceAdmin(DynamicPreferenceAdmin):
    form = GlobalSinglePreferenceForm
    changelist_form = GlobalSinglePreferenceForm

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        # Materialise every registered global preference so that all of them are listed.
        global_preferences_registry.manager().all()
        return super().get_queryset(request)


class PerInstancePreferenceAdmin(DynamicPreferenceAdmin):
    """Base admin of per-instance preference models; register it for your model (R-ADM-7)."""

    list_display = ("instance", *DynamicPreferenceAdmin.list_display)
    fields = ("instance", *DynamicPreferenceAdmin.fields)
    # Editing a value never moves the row to another owner.
    readonly_fields = ("instance", *DynamicPreferenceAdmin.readonly_fields)
    raw_id_fields = ("instance",)
    form = SinglePerInstancePreferenceForm
    changelist_form = SinglePerInstancePreferenceForm
    list_select_related = ("instance",)


admin.site.register(GlobalPreferenceModel, GlobalPreferenceAdmin)

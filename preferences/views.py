"""Pages that edit preferences through builder forms (R-VIEW-1..5)."""

from typing import Any

from django.contrib import messages
from django.contrib.auth import get_permission_codename
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView, TemplateView

from .forms import PreferenceForm, preference_form_builder

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


class RegularTemplateView(TemplateView):
    """Renders an empty template, so tests can observe the context processor (R-VIEW-5)."""

    template_name = "preferences/testcontext.html"


class PreferenceFormView(FormView):
    """One form for a registry's preferences, or for one section of them (URL ``section``).

    Configure ``registry`` and ``form_class`` (a :class:`PreferenceForm` subclass handed to
    the form builder). A valid submission writes the changed fields through the manager,
    confirms with a "Saved" message and redirects to the same page.

    Access follows the admin: reading needs the view (or change) permission of the
    registry's preference model, writing the change permission; otherwise 403. A user who
    may only read gets the form with every field disabled.
    """

    registry: Any = None
    form_class: type[PreferenceForm] | None = None
    template_name = "preferences/form.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # Permissions first: a refused user learns nothing, not even which sections exist.
        if not self.has_view_permission():
            raise PermissionDenied
        if request.method not in SAFE_METHODS and not self.has_change_permission():
            raise PermissionDenied
        self.section_name = kwargs.get("section")
        self.section = None
        if self.section_name:
            try:
                self.section = self.registry.section_objects[self.section_name]
            except KeyError:
                raise Http404(f"No preference section {self.section_name!r}") from None
        return super().dispatch(request, *args, **kwargs)

    def has_view_permission(self) -> bool:
        """May the request's user read these preferences? Change implies view, as in the admin."""
        return self.has_change_permission() or self.request.user.has_perm(
            self._model_permission("view")
        )

    def has_change_permission(self) -> bool:
        """May the request's user write these preferences?"""
        return self.request.user.has_perm(self._model_permission("change"))

    def _model_permission(self, action: str) -> str:
        options = self.registry.preference_model._meta
        return f"{options.app_label}.{get_permission_codename(action, options)}"

    def get_form_class(self) -> type[PreferenceForm]:
        return preference_form_builder(self.form_class, section=self.section_name)

    def get_form(self, form_class: type[PreferenceForm] | None = None) -> PreferenceForm:
        form = super().get_form(form_class)
        if not self.has_change_permission():
            for field in form.fields.values():
                field.disabled = True
        return form

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["registry"] = self.registry
        context["section"] = self.section
        context["can_change"] = self.has_change_permission()
        return context

    def get_success_url(self) -> str:
        return self.request.path

    def form_valid(self, form: PreferenceForm) -> HttpResponse:
        form.update_preferences()
        # fail_silently: projects without the messages framework still get their redirect.
        messages.success(self.request, _("Saved"), fail_silently=True)
        return super().form_valid(form)

"""The per-user preference model (R-MOD-13)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from preferences.models import PerInstancePreferenceModel


class UserPreferenceModel(PerInstancePreferenceModel):
    # No related_name: the default reverse accessor stays free, and `preferences` is the
    # manager property installed on the user model (R-MOD-13).
    instance = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)

    class Meta(PerInstancePreferenceModel.Meta):
        verbose_name = _("user preference")
        verbose_name_plural = _("user preferences")

"""Models of the reference test app: blog entries for model-choice preferences, sites for
per-instance preferences (R-TEST-1, R-INST-1)."""

import uuid

from django.db import models

from preferences.models import PerInstancePreferenceModel


class BlogEntry(models.Model):
    title = models.CharField(max_length=255)
    content = models.TextField()

    def __str__(self) -> str:
        return self.title


class BlogEntryWithNonIntPk(models.Model):
    """For model serializers with non-integer primary keys (R-SER-3, #268)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4)
    title = models.CharField(max_length=255)
    content = models.TextField()

    def __str__(self) -> str:
        return self.title


class Site(models.Model):
    """A small stand-in for ``django.contrib.sites``: preferences can belong to any model."""

    domain = models.CharField(max_length=100, unique=True)

    def __str__(self) -> str:
        return self.domain


class SitePreferenceModel(PerInstancePreferenceModel):
    instance = models.ForeignKey(Site, on_delete=models.CASCADE)

    class Meta(PerInstancePreferenceModel.Meta):
        verbose_name = "site preference"
        verbose_name_plural = "site preferences"

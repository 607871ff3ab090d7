"""Resets: a deleted preference row becomes a ``preference.reset`` event, on every path."""

import json
from pathlib import Path

import jsonschema
import pytest
from django.db import transaction
from django.urls import reverse

from hub.models import Event
from hub.redaction import PLACEHOLDER
from hub.webhooks.payloads import build_payload
from preferences.models import GlobalPreferenceModel
from preferences.registries import global_preferences_registry
from preferences.sealing import unseal
from tests.testapp.models import BlogEntry, Site, SitePreferenceModel

pytestmark = pytest.mark.django_db
SCHEMA = json.loads((Path(__file__).parents[2] / "docs/webhook-payload.schema.json").read_text())


def resets() -> list[tuple]:
    return list(
        Event.objects.filter(kind="preference.reset")
        .order_by("id")
        .values_list("identifier", "old_value", "new_value", "version")
    )


def test_deleted_model_choice_target_records_a_reset_to_the_default(manager):
    default_entry = BlogEntry.objects.create(title="first", content="")
    featured = BlogEntry.objects.create(title="featured", content="")
    manager["blog__featured_entry"] = featured
    featured_pk = featured.pk

    featured.delete()

    [reset] = resets()
    assert reset == ("blog__featured_entry", str(featured_pk), str(default_entry.pk), 2)
    assert manager["blog__featured_entry"] == default_entry


def test_bulk_queryset_delete_records_one_reset_per_row(manager):
    manager["user__max_users"] = 7
    manager["user__items_per_page"] = 9
    manager["test__TestGlobal1"] = "changed"

    deleted, _ = GlobalPreferenceModel.objects.filter(
        name__in=["max_users", "items_per_page", "TestGlobal1"]
    ).delete()

    assert deleted == 3
    assert sorted(resets()) == [
        ("test__TestGlobal1", "changed", "default value", 2),
        ("user__items_per_page", "9", "25", 2),
        ("user__max_users", "7", "100", 2),
    ]


def test_admin_delete_records_the_admin_as_actor(admin_client, admin_user, manager):
    manager["user__max_users"] = 7
    row = GlobalPreferenceModel.objects.get(section="user", name="max_users")
    url = reverse("admin:preferences_globalpreferencemodel_delete", args=[row.pk])

    assert admin_client.post(url, {"post": "yes"}).status_code == 302

    reset = Event.objects.get(kind="preference.reset")
    assert (reset.identifier, reset.old_value, reset.new_value) == ("user__max_users", "7", "100")
    assert reset.actor_id == admin_user.pk


def test_owner_deleted_records_resets_with_the_owner():
    site = Site.objects.create(domain="a.example")
    site.preferences["access__max_visitors"] = 80

    site_pk = site.pk

    site.delete()

    reset = Event.objects.get(kind="preference.reset")
    assert (reset.old_value, reset.new_value) == ("80", "50")
    assert (reset.owner_type, reset.owner_id) == ("testapp.site", str(site_pk))
    assert not SitePreferenceModel.objects.exists()


def test_a_row_holding_the_default_resets_nothing(manager):
    assert manager["user__max_users"] == 100  # the read creates the row with the default

    GlobalPreferenceModel.objects.filter(name="max_users").delete()

    assert resets() == []


def test_a_rolled_back_delete_records_nothing(manager):
    manager["user__max_users"] = 7

    with pytest.raises(RuntimeError), transaction.atomic():
        GlobalPreferenceModel.objects.filter(name="max_users").delete()
        raise RuntimeError("roll back")

    assert resets() == []
    assert manager["user__max_users"] == 7


def test_sensitive_reset_is_redacted_and_sealed(manager, monkeypatch):
    preference = global_preferences_registry.get("test__TestGlobal1")
    monkeypatch.setattr(type(preference), "sensitive", True, raising=False)
    manager["test__TestGlobal1"] = "s3cret"

    GlobalPreferenceModel.objects.filter(name="TestGlobal1").delete()

    reset = Event.objects.get(kind="preference.reset")
    assert (reset.old_value, reset.new_value, reset.sensitive) == (PLACEHOLDER, PLACEHOLDER, True)
    assert json.loads(unseal(reset.sealed_values)) == {"old": "s3cret", "new": "default value"}
    assert "s3cret" not in json.dumps(build_payload(reset, mode="full", include_sensitive=False))


def test_reset_payload_follows_the_documented_schema(manager):
    manager["user__max_users"] = 7
    GlobalPreferenceModel.objects.filter(name="max_users").delete()
    reset = Event.objects.get(kind="preference.reset")

    for mode in ("full", "ids"):
        payload = build_payload(reset, mode=mode, include_sensitive=False)
        jsonschema.validate(payload, SCHEMA)
    assert payload["type"] == "preference.reset"
    full = build_payload(reset, mode="full", include_sensitive=False)
    assert (full["data"]["old_value"], full["data"]["new_value"]) == ("7", "100")

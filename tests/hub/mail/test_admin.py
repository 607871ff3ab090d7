"""Admin of e-mail rules and digests (F16): validation, read-only digests, permissions."""

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from hub.mail import rules, sending
from hub.models import EmailDigest, EmailRule, Event
from hub.redaction import PLACEHOLDER
from tests.support.users import browser_for, staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(db):
    rules = ("add_emailrule", "change_emailrule", "delete_emailrule", "view_emailrule")
    return browser_for(staff(permissions=(*rules, "view_emaildigest")))


def rule_form(**overrides):
    return {
        "name": "ops",
        "is_active": "on",
        "patterns": "general__*\n",
        "registries": "global",
        "recipients": "ops@example.com",
        "digest_window": "60",
        **overrides,
    }


def test_f16_admin_creates_a_rule(staff_client):
    response = staff_client.post(reverse("admin:hub_emailrule_add"), rule_form())
    assert response.status_code == 302
    rule = EmailRule.objects.get()
    assert (rule.patterns, rule.recipients, rule.digest_window) == (
        ["general__*"],
        ["ops@example.com"],
        60,
    )
    listing = staff_client.get(reverse("admin:hub_emailrule_changelist"))
    assert "ops@example.com" in listing.text


def test_f16_admin_refuses_a_bad_rule_naming_the_field(staff_client):
    response = staff_client.post(
        reverse("admin:hub_emailrule_add"),
        rule_form(recipients="ops@example.com\nnobody"),
    )
    assert response.status_code == 200
    assert "Recipient 2 (&#x27;nobody&#x27;) is not a valid e-mail address." in response.text
    assert not EmailRule.objects.exists()


def test_f16_rule_form_takes_one_pattern_per_line_like_the_endpoint_form(staff_client):
    lines = "general__*\n\n  misc__colour  \n"
    response = staff_client.post(
        reverse("admin:hub_emailrule_add"),
        rule_form(
            patterns=lines, registries="global\nuser", recipients="a@example.com\nb@example.com"
        ),
    )
    assert response.status_code == 302, response.text
    rule = EmailRule.objects.get()
    assert rule.patterns == ["general__*", "misc__colour"]
    assert rule.registries == ["global", "user"]
    assert rule.recipients == ["a@example.com", "b@example.com"]

    page = staff_client.get(reverse("admin:hub_emailrule_change", args=[rule.pk])).text
    assert 'id="id_patterns">\ngeneral__*\nmisc__colour</textarea>' in page
    assert "One glob per line" in page


def test_f16_rule_form_refuses_a_pattern_with_spaces_naming_it(staff_client):
    response = staff_client.post(
        reverse("admin:hub_emailrule_add"), rule_form(patterns="general__*\ntwo words")
    )
    assert response.status_code == 200
    assert "Pattern 2 (&#x27;two words&#x27;) must be a non-empty glob" in response.text
    assert not EmailRule.objects.exists()


def test_f16_admin_shows_admins_for_a_rule_without_recipients(staff_client):
    EmailRule.objects.create(name="default")
    listing = staff_client.get(reverse("admin:hub_emailrule_changelist"))
    assert '<td class="field-recipient_list">ADMINS</td>' in listing.text


def test_f16_digests_are_read_only_and_show_no_values(staff_client):
    EmailRule.objects.create(name="ops", recipients=["ops@example.com"])
    event = Event.objects.create(
        registry="global",
        identifier="api__token",
        name="token",
        old_value=PLACEHOLDER,
        new_value=PLACEHOLDER,
        sensitive=True,
    )
    [digest] = rules.record_change(event)
    sending.send_digest(digest.pk, now=digest.due_at)  # closing it claims the entry
    page = staff_client.get(reverse("admin:hub_emaildigest_change", args=[digest.pk]))
    assert page.status_code == 200
    assert "api__token" in page.text and "ops@example.com" in page.text
    assert staff_client.get(reverse("admin:hub_emaildigest_add")).status_code == 403
    delete = reverse("admin:hub_emaildigest_delete", args=[digest.pk])
    assert staff_client.post(delete, {"post": "yes"}).status_code == 403
    assert EmailDigest.objects.filter(pk=digest.pk).exists()


def test_f16_users_without_permission_cannot_see_rules(client):
    user = User.objects.create_user("nobody", password="pw", is_staff=True)
    client.force_login(user)
    assert client.get(reverse("admin:hub_emailrule_changelist")).status_code == 403
    response = client.post(reverse("admin:hub_emailrule_add"), rule_form())
    assert response.status_code == 403
    assert not EmailRule.objects.exists()
    client.logout()
    anonymous = client.get(reverse("admin:hub_emaildigest_changelist"))
    assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]

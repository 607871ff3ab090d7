"""The demo site's preferences: one of every type, so the running project shows them all.

Autodiscovered by the preferences app (``REGISTRY_MODULE``); nothing here touches the
database at import time (R-DJ-3).
"""

import datetime
from decimal import Decimal

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

from preferences.preferences import Section
from preferences.registries import global_preferences_registry
from preferences.types import (
    BooleanPreference,
    ChoicePreference,
    DatePreference,
    DateTimePreference,
    DecimalPreference,
    DurationPreference,
    FilePreference,
    FloatPreference,
    IntegerPreference,
    LongStringPreference,
    ModelChoicePreference,
    MultipleChoicePreference,
    StringPreference,
    TimePreference,
)
from preferences.users.registries import user_preferences_registry

general = Section("general", verbose_name="General")
shop = Section("shop", verbose_name="Shop")
support = Section("support", verbose_name="Support")
integrations = Section("integrations", verbose_name="Integrations")
display = Section("display", verbose_name="Display")
notifications = Section("notifications", verbose_name="Notifications")

THEMES = (("light", "Light"), ("dark", "Dark"), ("system", "Follow the system"))


@global_preferences_registry.register
class SiteTitle(StringPreference):
    section = general
    name = "title"
    default = "Prefhub demo"
    verbose_name = "Site title"
    help_text = "Shown in the page header and the browser tab."
    required = True
    # The home page caches its header; the hub deletes the fragment on change (F13).
    cache_fragments = ["site_header"]


@global_preferences_registry.register
class Tagline(LongStringPreference):
    section = general
    name = "tagline"
    default = "Change a setting; watch every process see it."
    verbose_name = "Tagline"
    cache_fragments = ["site_header"]


@global_preferences_registry.register
class MaintenanceMode(BooleanPreference):
    section = general
    name = "maintenance_mode"
    default = False
    verbose_name = "Maintenance mode"
    help_text = "Shows a banner on every page while maintenance is under way."


@global_preferences_registry.register
class Theme(ChoicePreference):
    section = general
    name = "theme"
    choices = THEMES
    default = "light"
    verbose_name = "Default theme"


@global_preferences_registry.register
class LaunchDate(DatePreference):
    section = general
    name = "launch_date"
    default = datetime.date(2026, 12, 1)
    verbose_name = "Launch date"


@global_preferences_registry.register
class Logo(FilePreference):
    section = general
    name = "logo"
    verbose_name = "Logo"


@global_preferences_registry.register
class ItemsPerPage(IntegerPreference):
    section = shop
    name = "items_per_page"
    default = 25
    verbose_name = "Items per page"
    help_text = "Between 5 and 200."

    def validate(self, value: int) -> None:
        if not 5 <= value <= 200:
            raise ValidationError("Items per page must be between 5 and 200.")


@global_preferences_registry.register
class VatRate(DecimalPreference):
    section = shop
    name = "vat_rate"
    default = Decimal("20.00")
    verbose_name = "VAT rate (%)"


@global_preferences_registry.register
class ExchangeRate(FloatPreference):
    section = shop
    name = "eur_usd_rate"
    default = 1.08
    verbose_name = "EUR → USD exchange rate"


@global_preferences_registry.register
class PaymentMethods(MultipleChoicePreference):
    section = shop
    name = "payment_methods"
    choices = (("card", "Card"), ("transfer", "Bank transfer"), ("invoice", "Invoice"))
    default = ["card", "transfer"]
    verbose_name = "Payment methods"


@global_preferences_registry.register
class SaleEndsAt(DateTimePreference):
    section = shop
    name = "sale_ends_at"
    default = datetime.datetime(2026, 12, 31, 23, 59, tzinfo=datetime.UTC)
    verbose_name = "Sale ends at"


@global_preferences_registry.register
class SupportEmail(StringPreference):
    section = support
    name = "email"
    default = "support@example.com"
    field_class = forms.EmailField
    verbose_name = "Support e-mail"


@global_preferences_registry.register
class OpensAt(TimePreference):
    section = support
    name = "opens_at"
    default = datetime.time(9, 0)
    verbose_name = "Support opens at"


@global_preferences_registry.register
class ResponseTarget(DurationPreference):
    section = support
    name = "response_target"
    default = datetime.timedelta(hours=4)
    verbose_name = "First-response target"


@global_preferences_registry.register
class OnCallStaff(ModelChoicePreference):
    section = support
    name = "on_call"
    model = get_user_model()
    default = None
    verbose_name = "On-call staff member"
    required = False


@global_preferences_registry.register
class PaymentApiKey(StringPreference):
    section = integrations
    name = "payment_api_key"
    default = ""
    verbose_name = "Payment provider API key"
    help_text = "Sensitive: sealed at rest, masked on screen and in the API, redacted in events."
    sensitive = True


@user_preferences_registry.register
class UserTheme(ChoicePreference):
    section = display
    name = "theme"
    choices = THEMES
    default = "system"
    verbose_name = "Theme"


@user_preferences_registry.register
class UserItemsPerPage(IntegerPreference):
    section = display
    name = "items_per_page"
    default = 25
    verbose_name = "Items per page"


@user_preferences_registry.register
class EmailDigest(BooleanPreference):
    section = notifications
    name = "email_digest"
    default = True
    verbose_name = "Receive the weekly digest"

"""The reference registry (R-TEST-1): upstream's test preferences, 15 global and 8 per user.

Sections are plain strings on purpose (upstream's test app does it throughout and R-PREF-2
requires that to keep working); ``child`` shows a Section with a distinct verbose name.
"""

import datetime
from decimal import Decimal

from django.forms import ValidationError

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
    IntPreference,
    ModelChoicePreference,
    MultipleChoicePreference,
    StringPreference,
    TimePreference,
)
from preferences.users.registries import user_preferences_registry

from .models import BlogEntry
from .registries import site_preferences_registry

VEGETABLES = (
    ("C", "Carrot"),
    ("T", "Tomato. I know, it's not a vegetable"),
    ("P", "Potato"),
)


# -- global preferences, in upstream's registration order (R-TEST-2) --------------------


@global_preferences_registry.register
class RegistrationAllowed(BooleanPreference):
    """Are new registrations allowed?"""

    section = "user"
    name = "registration_allowed"
    default = False


@global_preferences_registry.register
class MaxUsers(IntPreference):
    section = "user"
    name = "max_users"
    default = 100
    verbose_name = "Maximum user count"
    help_text = "Be careful with this setting"

    def validate(self, value: int) -> None:
        if value == 1001:
            raise ValidationError("Wrong value!")


@global_preferences_registry.register
class ItemsPerPage(IntPreference):
    section = "user"
    name = "items_per_page"
    default = 25


@global_preferences_registry.register
class FeaturedBlogEntry(ModelChoicePreference):
    section = "blog"
    name = "featured_entry"
    queryset = BlogEntry.objects.all()

    def get_default(self) -> BlogEntry | None:
        return self.queryset.first()


@global_preferences_registry.register
class BlogLogo(FilePreference):
    section = "blog"
    name = "logo"


@global_preferences_registry.register
class BlogLogo2(FilePreference):
    section = "blog"
    name = "logo2"


@global_preferences_registry.register
class BlogCost(DecimalPreference):
    section = "type"
    name = "cost"
    default = Decimal(0)


@global_preferences_registry.register
class NoSection(BooleanPreference):
    name = "no_section"
    default = False


@global_preferences_registry.register
class TestGlobal1(StringPreference):
    section = "test"
    name = "TestGlobal1"
    default = "default value"


@global_preferences_registry.register
class TestGlobal2(BooleanPreference):
    section = "test"
    name = "TestGlobal2"
    default = False


@global_preferences_registry.register
class TestGlobal3(BooleanPreference):
    section = "test"
    name = "TestGlobal3"
    default = False


@global_preferences_registry.register
class ExamDuration(DurationPreference):
    section = "exam"
    name = "duration"
    default = datetime.timedelta(hours=3)


@global_preferences_registry.register
class RegistrationDate(DatePreference):
    section = "company"
    name = "RegistrationDate"
    default = datetime.date(1998, 9, 4)


@global_preferences_registry.register
class BirthDateTime(DateTimePreference):
    section = Section("child", verbose_name="Child Section Verbose Name")
    name = "BirthDateTime"
    default = datetime.datetime(1992, 5, 4, 3, 4, 10, 150, tzinfo=datetime.UTC)


@global_preferences_registry.register
class OpenningTime(TimePreference):
    section = "company"
    name = "OpenningTime"
    default = datetime.time(hour=8, minute=0)


# -- user preferences ----------------------------------------------------------------------


@user_preferences_registry.register
class FavoriteVegetable(ChoicePreference):
    choices = VEGETABLES
    section = "user"
    name = "favorite_vegetable"
    default = "C"


@user_preferences_registry.register
class FavoriteVegetables(MultipleChoicePreference):
    choices = VEGETABLES
    section = "user"
    name = "favorite_vegetables"
    default = ["C", "P"]


@user_preferences_registry.register
class FavouriteColour(StringPreference):
    """What's your favourite colour?"""

    section = "misc"
    name = "favourite_colour"
    default = "Green"


@user_preferences_registry.register
class IsZombie(BooleanPreference):
    """Are you a zombie?"""

    section = "misc"
    name = "is_zombie"
    default = True


@user_preferences_registry.register
class TestUserPref1(StringPreference):
    section = "test"
    name = "TestUserPref1"
    default = "default value"


@user_preferences_registry.register
class TestUserPref2(StringPreference):
    section = "test"
    name = "TestUserPref2"
    default = "default value"


@user_preferences_registry.register
class UserBooleanPref(BooleanPreference):
    section = "test"
    name = "SiteBooleanPref"
    default = False


@user_preferences_registry.register
class UserStringPref(StringPreference):
    section = "test"
    name = "SUserStringPref"
    default = "Hello world!"


# -- per-site preferences (R-INST-1) ------------------------------------------------------


@site_preferences_registry.register
class IsPublic(BooleanPreference):
    section = Section("access")
    name = "is_public"
    default = False


@site_preferences_registry.register
class MaxVisitors(IntPreference):
    section = Section("access")
    name = "max_visitors"
    default = 50


# -- declarations that fail on purpose (never registered) -----------------------------------


class NoDefault(IntPreference):
    """Instantiating raises MissingDefault."""

    section = "user"
    name = "no_default"


class NoModel(ModelChoicePreference):
    """Instantiating raises MissingModel."""

    section = "blog"
    name = "no_model"
    default = None

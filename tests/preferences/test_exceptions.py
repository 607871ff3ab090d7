"""preferences.exceptions: R-EXC-1..3."""

import pytest

from preferences.exceptions import (
    CachedValueNotFound,
    DoesNotExist,
    DynamicPreferencesException,
    MissingDefault,
    MissingModel,
    NotFoundInRegistry,
)

SUBCLASSES = [MissingDefault, NotFoundInRegistry, DoesNotExist, CachedValueNotFound, MissingModel]


def test_r_exc_1_detail_or_default():
    assert str(DynamicPreferencesException("something broke")) == "something broke"
    assert str(DynamicPreferencesException()) == DynamicPreferencesException.detail_default
    assert DynamicPreferencesException("x").detail == "x"
    assert issubclass(DynamicPreferencesException, Exception)


@pytest.mark.parametrize(
    ("exception", "message"),
    [
        (MissingDefault, "You must provide a default value for all preferences"),
        (NotFoundInRegistry, "Preference with this name/section not found in registry"),
        (
            DoesNotExist,
            "Cannot retrieve preference value, ensure the preference is correctly registered "
            "and database is synced",
        ),
        (CachedValueNotFound, "Cached value not found"),
    ],
)
def test_r_exc_2_default_messages(exception, message):
    assert issubclass(exception, DynamicPreferencesException)
    assert exception.detail_default == message
    assert str(exception()) == message


def test_r_exc_2_missing_model_names_model_and_queryset():
    message = str(MissingModel())
    assert issubclass(MissingModel, DynamicPreferencesException)
    assert '"model"' in message
    assert '"queryset"' in message


@pytest.mark.parametrize("exception", SUBCLASSES)
def test_r_exc_1_subclasses_take_a_detail(exception):
    assert str(exception("custom detail")) == "custom detail"


def test_r_exc_3_not_found_is_a_key_error():
    assert issubclass(NotFoundInRegistry, KeyError)
    with pytest.raises(KeyError) as error:
        raise NotFoundInRegistry("no such preference")
    # Unlike a bare KeyError, the message is not wrapped in quotes.
    assert str(error.value) == "no such preference"

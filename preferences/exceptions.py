"""The engine's exception hierarchy; each class carries a default message (R-EXC-*)."""


class DynamicPreferencesException(Exception):
    detail_default = "An error occurred in the preferences engine"

    def __init__(self, detail: object = None) -> None:
        self.detail = self.detail_default if detail is None else str(detail)
        super().__init__(self.detail)

    def __str__(self) -> str:
        return self.detail


class MissingDefault(DynamicPreferencesException):
    detail_default = "You must provide a default value for all preferences"


class NotFoundInRegistry(DynamicPreferencesException, KeyError):
    """Also a ``KeyError`` so that ``key in manager`` is simply ``False`` (R-EXC-3)."""

    detail_default = "Preference with this name/section not found in registry"


class DoesNotExist(DynamicPreferencesException):
    detail_default = (
        "Cannot retrieve preference value, ensure the preference is correctly "
        "registered and database is synced"
    )


class CachedValueNotFound(DynamicPreferencesException):
    detail_default = "Cached value not found"


class MissingModel(DynamicPreferencesException):
    detail_default = (
        'You must define the model choice of this preference through its "model" '
        'or "queryset" attribute'
    )

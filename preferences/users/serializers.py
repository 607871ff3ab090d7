"""DRF serializer of user preference rows (R-USER-7)."""

from preferences.api.serializers import PreferenceSerializer


class UserPreferenceSerializer(PreferenceSerializer):
    pass

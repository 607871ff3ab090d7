"""REST viewset of the requesting user's own preferences (R-API-9)."""

from typing import Any

from rest_framework import permissions

from preferences.api.viewsets import PerInstancePreferenceViewSet

from .models import UserPreferenceModel
from .serializers import UserPreferenceSerializer


class UserPreferencesViewSet(PerInstancePreferenceViewSet):
    """Only ever the request user's rows: other users' preferences are simply not found."""

    queryset = UserPreferenceModel.objects.all()
    serializer_class = UserPreferenceSerializer
    permission_classes = [permissions.IsAuthenticated]

    def get_related_instance(self) -> Any:
        return self.request.user

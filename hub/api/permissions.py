"""Who may use the hub API (S9): staff with the model permission, or the action's own one.

Reads need ``view_*``, writes ``add_*``/``change_*``/``delete_*`` (Django's model
permissions), and the operations that reveal secrets or send requests need their own
permission (``hub.rotate_secret``, ``hub.resend_message``, ...). Anything else is 403.
"""

from rest_framework.permissions import DjangoModelPermissions


class HubStaffPermission(DjangoModelPermissions):
    """Staff users holding the model permission of the request's method (GET included)."""

    perms_map = {
        **DjangoModelPermissions.perms_map,
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
    }

    def has_permission(self, request, view) -> bool:
        if not (request.user and request.user.is_authenticated and request.user.is_staff):
            return False
        required = getattr(view, "required_permission", None)
        if required:
            return request.user.has_perm(required)
        return super().has_permission(request, view)

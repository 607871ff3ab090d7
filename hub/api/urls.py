"""Routes of the hub API, mounted at ``api/hub/``."""

from rest_framework.routers import DefaultRouter

from hub.api.viewsets import AttemptViewSet, EndpointViewSet, HandlerRunViewSet, MessageViewSet

app_name = "hub-api"

router = DefaultRouter()
router.register("endpoints", EndpointViewSet, basename="endpoint")
router.register("messages", MessageViewSet, basename="message")
router.register("attempts", AttemptViewSet, basename="attempt")
router.register("handler-runs", HandlerRunViewSet, basename="handler-run")

urlpatterns = router.urls

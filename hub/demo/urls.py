from django.urls import path

from hub.demo import views

app_name = "demo"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
]

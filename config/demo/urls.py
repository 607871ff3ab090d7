from django.urls import path

from config.demo import views

app_name = "demo"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
]

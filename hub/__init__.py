"""The Prefhub project package and the notification hub app."""

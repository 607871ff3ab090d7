"""The demo site: a realistic registry and a page that shows preferences at work."""

"""The hubs ``bench_compare.py`` measures Prefhub against, each a small Django project."""

"""Prefhub as this repository runs it (config/settings.py), on the benchmark's engine."""

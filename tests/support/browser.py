"""Headless Chromium for the browser tests: Debian's binary, driven by Playwright."""

from playwright.sync_api import Page

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "browser-password"
TIMEOUT_MS = 10_000


def log_in(page: Page, base_url: str, username: str, next_path: str) -> None:
    """Open ``next_path``, get sent to a login page (the admin's or the users'), log in."""
    page.goto(f"{base_url}{next_path}")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("[type=submit]")
    page.wait_for_url(f"{base_url}{next_path}")

"""Browsers ask every page for /favicon.ico: the site answers it instead of logging a 404."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_favicon_is_served_at_the_site_root(client):
    response = client.get("/favicon.ico")

    assert response.status_code == 200
    assert response["Content-Type"] in {"image/x-icon", "image/vnd.microsoft.icon"}
    body = b"".join(response.streaming_content)
    assert body == (ROOT / "config" / "public" / "favicon.ico").read_bytes()
    assert body[:4] == b"\x00\x00\x01\x00"  # the ICO signature

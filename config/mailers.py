"""``EMAIL_URL`` as a Django 6.1 ``MAILERS`` entry, replacing the deprecated ``EMAIL_*`` settings.

django-environ parses the URL into ``EMAIL_*`` keys; Django's mail backends take their
configuration as ``OPTIONS`` keyword arguments instead, and refuse any they do not know,
so each backend gets only the options it accepts.
"""

from typing import Any

import environ

SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
FILE_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
_SMTP_OPTIONS = {
    "EMAIL_HOST": "host",
    "EMAIL_PORT": "port",
    "EMAIL_HOST_USER": "username",
    "EMAIL_HOST_PASSWORD": "password",
    "EMAIL_USE_TLS": "use_tls",
    "EMAIL_USE_SSL": "use_ssl",
}
# Query-string options of the URL (``?timeout=10&tls=true``) and how each is read.
_SMTP_QUERY_OPTIONS = {
    "timeout": ("timeout", float),
    "tls": ("use_tls", lambda value: str(value).lower() in {"1", "true", "yes"}),
    "ssl": ("use_ssl", lambda value: str(value).lower() in {"1", "true", "yes"}),
    "ssl_keyfile": ("ssl_keyfile", str),
    "ssl_certfile": ("ssl_certfile", str),
}


def mailer_from_url(url: str) -> dict[str, Any]:
    """The ``MAILERS`` entry (``BACKEND`` and ``OPTIONS``) of an ``EMAIL_URL``.

    ``ValueError`` names the URL's unsupported query options, so a typo fails at start-up
    rather than at the first mail.
    """
    config = environ.Env.email_url_config(url)
    backend = config["EMAIL_BACKEND"]
    if backend == FILE_BACKEND:
        return {"BACKEND": backend, "OPTIONS": {"file_path": config["EMAIL_FILE_PATH"]}}
    if backend != SMTP_BACKEND:
        return {"BACKEND": backend}
    options = {
        option: config[key] for key, option in _SMTP_OPTIONS.items() if config.get(key) is not None
    }
    query = {key.lower(): value for key, value in config.get("OPTIONS", {}).items()}
    unknown = sorted(set(query) - set(_SMTP_QUERY_OPTIONS))
    if unknown:
        raise ValueError(
            f"EMAIL_URL: unsupported option(s) {', '.join(unknown)}; "
            f"use {', '.join(sorted(_SMTP_QUERY_OPTIONS))}"
        )
    for key, value in query.items():
        option, parse = _SMTP_QUERY_OPTIONS[key]
        options[option] = parse(value)
    return {"BACKEND": backend, "OPTIONS": options}

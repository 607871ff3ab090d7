"""hub/webhooks/outbound_guard.py: the save-time outbound guard and header rules (F11, S6, S7).

DNS answers for names that do not exist here are stood in through
``hub.webhooks.outbound_guard.resolve``
(the real resolver is used for ``localhost``).
"""

import ipaddress

import pytest
from django.core.exceptions import ImproperlyConfigured

from hub.webhooks import outbound_guard
from hub.webhooks.exceptions import BlockedAddress, InvalidEndpointURL, InvalidHeader
from hub.webhooks.outbound_guard import (
    check_address,
    is_global_address,
    validate_headers,
    validate_url,
)

PUBLIC_V4 = "93.184.216.34"


@pytest.fixture
def fake_dns(monkeypatch):
    """Answers for made-up names; every other name goes to the real resolver."""
    answers: dict[str, list[str]] = {}
    real_resolve = outbound_guard.resolve

    def resolve(host: str, port: int) -> list[str]:
        return answers[host] if host in answers else real_resolve(host, port)

    monkeypatch.setattr(outbound_guard, "resolve", resolve)
    return answers


def allow(settings, *entries: str) -> None:
    settings.HUB = {**getattr(settings, "HUB", {}), "OUTBOUND_ALLOWLIST": list(entries)}


NON_GLOBAL_URLS = {
    "loopback": "http://127.0.0.1/hook",
    "loopback other": "http://127.8.9.10:8080/hook",
    "loopback short form": "http://127.1/hook",
    "loopback decimal": "http://2130706433/hook",
    "loopback octal": "http://0177.0.0.1/hook",
    "loopback hex": "http://0x7f.0.0.1/hook",
    "loopback hex integer": "http://0x7f000001/hook",
    "loopback octal integer": "http://017700000001/hook",
    "loopback trailing dot": "http://127.0.0.1./hook",
    "zero": "http://0/hook",
    "unspecified": "http://0.0.0.0/hook",
    "private 10": "http://10.0.0.1/hook",
    "private 172": "https://172.16.5.4/hook",
    "private 192": "http://192.168.1.1/hook",
    "link-local": "http://169.254.1.1/hook",
    "metadata": "http://169.254.169.254/latest/meta-data/",
    "cgnat": "http://100.64.0.1/hook",
    "cgnat top": "http://100.127.255.254/hook",
    "broadcast": "http://255.255.255.255/hook",
    "multicast v4": "http://224.0.0.1/hook",
    "benchmarking": "http://198.18.0.1/hook",
    "ipv6 loopback": "http://[::1]/hook",
    "ipv6 loopback long": "http://[0:0:0:0:0:0:0:1]:8000/hook",
    "ipv6 unspecified": "http://[::]/hook",
    "ipv6 link-local": "http://[fe80::1]/hook",
    "ipv6 link-local zone": "http://[fe80::1%25eth0]/hook",
    "unique-local fc": "http://[fc00::1]/hook",
    "unique-local fd": "https://[fd12:3456:789a::1]/hook",
    "site-local": "http://[fec0::1]/hook",
    "multicast v6": "http://[ff02::1]/hook",
    "ipv4-mapped loopback": "http://[::ffff:127.0.0.1]/hook",
    "ipv4-mapped hex": "http://[::ffff:7f00:1]/hook",
    "ipv4-mapped metadata": "http://[::ffff:169.254.169.254]/hook",
    "ipv4-compatible": "http://[::127.0.0.1]/hook",
    "ipv4-translated loopback": "http://[::ffff:0:7f00:1]/",
    "ipv4-translated metadata": "http://[::ffff:0:a9fe:a9fe]/",
    "nat64 private": "http://[64:ff9b::10.0.0.1]/hook",
    "6to4 loopback": "http://[2002:7f00:1::1]/hook",
    "documentation v6": "http://[2001:db8::1]/hook",
    "localhost": "http://localhost/hook",
    "localhost upper case trailing dot": "http://LOCALHOST./hook",
}


@pytest.mark.parametrize("url", NON_GLOBAL_URLS.values(), ids=NON_GLOBAL_URLS.keys())
def test_s6_non_global_addresses_refused_at_save_time(url):
    with pytest.raises(InvalidEndpointURL) as error:
        validate_url(url)
    assert error.value.code == "blocked_address"
    assert "not a global address" in error.value.messages[0]


def test_s6_name_resolving_to_loopback_is_refused_naming_both(fake_dns):
    fake_dns["internal.example.com"] = ["127.0.0.1"]
    with pytest.raises(InvalidEndpointURL) as error:
        validate_url("https://internal.example.com/hook")
    assert "internal.example.com (resolves to 127.0.0.1)" in error.value.messages[0]


def test_s6_one_private_answer_among_public_ones_is_enough_to_refuse(fake_dns):
    fake_dns["mixed.example.com"] = [PUBLIC_V4, "10.1.2.3"]
    with pytest.raises(InvalidEndpointURL):
        validate_url("https://mixed.example.com/hook")


@pytest.mark.parametrize(
    "url",
    [
        f"https://{PUBLIC_V4}/hook",
        f"http://{PUBLIC_V4}:8080/hook?token=abc",
        "https://[2606:4700:4700::1111]/hook",
        "https://[::ffff:8.8.8.8]/hook",
        "HTTPS://hooks.example.com/Path",
        "https://hooks.example.com./hook",
    ],
)
def test_f11_global_addresses_and_names_are_accepted(url, fake_dns):
    fake_dns["hooks.example.com"] = [PUBLIC_V4, "2606:2800:220:1:248:1893:25c8:1946"]
    assert validate_url(url) == url


def test_f11_unresolvable_name_is_left_to_the_connect_time_check():
    url = "https://hooks.does-not-exist.invalid/hook"
    assert validate_url(url) == url


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("ftp://example.com/file", "scheme"),
        ("file:///etc/passwd", "scheme"),
        ("gopher://example.com/", "scheme"),
        ("javascript:alert(1)", "scheme"),
        ("dict://127.0.0.1:11211/", "scheme"),
        ("//example.com/hook", "scheme"),
        ("example.com/hook", "scheme"),
        ("http://user:pass@example.com/hook", "userinfo"),
        ("http://user@example.com/hook", "userinfo"),
        ("http://example.com@127.0.0.1/hook", "userinfo"),
        ("http:///hook", "host"),
        ("http://exa_mple.com/hook", "host"),
        ("http://-bad-.com/hook", "host"),
        ("http://127\u30020\u30020\u30021/hook", "host"),
        ("http://8\u30028\u30028\u30028/hook", "host"),
        ("http://example.com:99999/hook", "invalid"),
        ("http://[::1/hook", "invalid"),
        ("", "required"),
    ],
)
def test_s6_schemes_userinfo_and_malformed_urls_refused(url, code):
    with pytest.raises(InvalidEndpointURL) as error:
        validate_url(url)
    assert error.value.code == code


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/hook\r\nX-Injected: 1",
        "http://example.com/\nhook",
        "http://exam\rple.com/hook",
        "http://example.com/ho\tok",
        "http://example.com/ho ok",
        "http://example.com/\x00",
        "http://example.com/\x7f",
    ],
)
def test_s7_cr_lf_and_control_characters_refused(url):
    with pytest.raises(InvalidEndpointURL) as error:
        validate_url(url)
    assert error.value.code == "control_character"


def test_s7_url_longer_than_2048_characters_refused(fake_dns):
    fake_dns["hooks.example.com"] = [PUBLIC_V4]
    base = "https://hooks.example.com/"
    longest = base + "a" * (2048 - len(base))
    assert validate_url(longest) == longest
    with pytest.raises(InvalidEndpointURL) as error:
        validate_url(longest + "a")
    assert error.value.code == "too_long"
    assert "2049" in error.value.messages[0] and "2048" in error.value.messages[0]


def test_s6_unparsable_url_error_never_echoes_the_password():
    with pytest.raises(InvalidEndpointURL) as error:
        validate_url("http://user:s3cr3t\u2100pw@example.com/hook")
    assert error.value.code == "invalid"
    assert "s3cr3t" not in " ".join(error.value.messages)


def test_s6_error_never_echoes_the_query_string():
    with pytest.raises(InvalidEndpointURL) as error:
        validate_url("http://10.0.0.1/hook?token=s3cr3t-t0ken")
    assert "s3cr3t" not in " ".join(error.value.messages)


def test_s6_allowlist_opens_exactly_the_address_it_names(settings):
    allow(settings, "127.0.0.1")
    assert validate_url("http://127.0.0.1:8000/hook")
    for url in ("http://127.0.0.2/hook", "http://[::1]/hook", "http://10.0.0.1/hook"):
        with pytest.raises(InvalidEndpointURL):
            validate_url(url)


def test_s6_allowlist_opens_exactly_the_network_it_names(settings):
    allow(settings, "10.20.0.0/16", "fd00:1::/64")
    assert validate_url("http://10.20.30.40/hook")
    assert validate_url("http://[fd00:1::5]/hook")
    for url in ("http://10.21.0.1/hook", "http://192.168.0.1/hook", "http://[fd00:2::5]/hook"):
        with pytest.raises(InvalidEndpointURL):
            validate_url(url)


def test_s6_allowlist_opens_exactly_the_host_it_names(settings, fake_dns):
    allow(settings, "receiver.internal")
    fake_dns["receiver.internal"] = ["10.0.0.5"]
    fake_dns["other.internal"] = ["10.0.0.5"]
    assert validate_url("http://receiver.internal:9000/hook")
    assert validate_url("http://RECEIVER.internal./hook")
    with pytest.raises(InvalidEndpointURL):
        validate_url("http://other.internal:9000/hook")
    with pytest.raises(InvalidEndpointURL):
        validate_url("http://10.0.0.5:9000/hook")


def test_s6_allowed_network_also_covers_its_ipv4_mapped_spelling(settings):
    allow(settings, "127.0.0.1")
    assert validate_url("http://[::ffff:127.0.0.1]:8000/hook")


@pytest.mark.parametrize("entry", ["127.0.0.1/8", "not a host!", "http://example.com"])
def test_f11_bad_allowlist_entry_is_a_configuration_error(settings, entry):
    allow(settings, entry)
    with pytest.raises(ImproperlyConfigured, match="OUTBOUND_ALLOWLIST"):
        validate_url("http://10.0.0.1/hook")


def test_s6_check_address_blocks_and_names_the_address():
    with pytest.raises(BlockedAddress) as error:
        check_address("169.254.169.254", host="metadata.internal")
    assert error.value.address == "169.254.169.254"
    assert error.value.host == "metadata.internal"
    check_address(PUBLIC_V4)
    check_address("2606:4700:4700::1111")


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("8.8.8.8", True),
        ("::ffff:8.8.8.8", True),
        ("64:ff9b::8.8.8.8", True),
        ("64:ff9b::127.0.0.1", False),
        ("::ffff:10.0.0.1", False),
        ("2001:0:4136:e378:8000:63bf:80ff:fffe", False),
        ("239.255.255.250", False),
        ("ff0e::1", False),
    ],
)
def test_s6_embedded_and_multicast_addresses_judged(address, expected):
    assert is_global_address(ipaddress.ip_address(address)) is expected


# Every IPv6 range that embeds IPv4, with addresses carrying a non-global IPv4 address
# (loopback 127.0.0.1 = 7f00:1, metadata 169.254.169.254 = a9fe:a9fe) and a global one
# (8.8.8.8 = 808:808). Teredo's client is the last 32 bits inverted (f7f7:f7f7 = 8.8.8.8,
# 80ff:fffe = 127.0.0.1), its server bits 32-63.
EMBEDDED_IPV4 = {
    "mapped loopback": ("::ffff:7f00:1", False),
    "mapped metadata": ("::ffff:a9fe:a9fe", False),
    "mapped global": ("::ffff:808:808", True),
    "compatible loopback": ("::7f00:1", False),
    "compatible metadata": ("::a9fe:a9fe", False),
    "compatible global": ("::808:808", True),
    "translated loopback": ("::ffff:0:7f00:1", False),
    "translated metadata": ("::ffff:0:a9fe:a9fe", False),
    "translated private": ("::ffff:0:10.0.0.1", False),
    "translated global": ("::ffff:0:808:808", True),
    "6to4 loopback": ("2002:7f00:1::1", False),
    "6to4 metadata": ("2002:a9fe:a9fe::1", False),
    # ipaddress follows the IANA registry, where 2002::/16 and 2001::/32 are not globally
    # reachable: refused whatever they embed.
    "6to4 global": ("2002:808:808::1", False),
    "teredo loopback server": ("2001:0:7f00:1::f7f7:f7f7", False),
    "teredo metadata server": ("2001:0:a9fe:a9fe::f7f7:f7f7", False),
    "teredo loopback client": ("2001:0:808:808::80ff:fffe", False),
    "teredo global": ("2001:0:808:808::f7f7:f7f7", False),
    "nat64 loopback": ("64:ff9b::7f00:1", False),
    "nat64 metadata": ("64:ff9b::a9fe:a9fe", False),
    "nat64 global": ("64:ff9b::808:808", True),
    # Local-use NAT64 cannot be decoded (the prefix length is the operator's): all refused.
    "nat64 local-use /96 loopback": ("64:ff9b:1::7f00:1", False),
    "nat64 local-use /96 global": ("64:ff9b:1::808:808", False),
    "nat64 local-use /48 global": ("64:ff9b:1:808:8:800::", False),
}


@pytest.mark.parametrize(("address", "is_global"), EMBEDDED_IPV4.values(), ids=EMBEDDED_IPV4.keys())
def test_s6_every_ipv6_range_embedding_ipv4_is_judged_at_save_time(address, is_global):
    url = f"http://[{address}]/hook"
    assert is_global_address(ipaddress.ip_address(address)) is is_global
    if is_global:
        assert validate_url(url) == url
    else:
        with pytest.raises(InvalidEndpointURL, match="not a global address"):
            validate_url(url)


def test_s6_allowlisted_ipv4_covers_its_ipv4_translated_spelling(settings):
    allow(settings, "127.0.0.1")
    assert validate_url("http://[::ffff:0:7f00:1]:8000/hook")
    with pytest.raises(InvalidEndpointURL):
        validate_url("http://[::ffff:0:7f00:2]:8000/hook")


def test_s6_teredo_is_allowlisted_only_when_server_and_client_are(settings):
    allow(settings, "127.0.0.1")
    assert validate_url("http://[2001:0:7f00:1::80ff:fffe]/hook")  # both 127.0.0.1
    with pytest.raises(InvalidEndpointURL):
        validate_url("http://[2001:0:7f00:1::f7f7:f7f7]/hook")  # client 8.8.8.8


def test_s7_custom_headers_accepted():
    headers = {"Authorization": "Bearer abc.def", "X-Tenant": "blue", "X-Empty": ""}
    assert validate_headers(headers) == headers


@pytest.mark.parametrize(
    "name",
    [
        "Host",
        "content-length",
        "Content-Type",
        "Transfer-Encoding",
        "User-Agent",
        "Connection",
        "webhook-id",
        "Webhook-Signature",
        "webhook-timestamp",
        "Webhook-Anything",
    ],
)
def test_s7_reserved_header_names_refused(name):
    with pytest.raises(InvalidHeader) as error:
        validate_headers({name: "value"})
    assert error.value.code == "reserved_header"
    assert name in error.value.messages[0]


@pytest.mark.parametrize("name", ["X Bad", "X:Injected", "", "X-Ünicode", "X-Bad\r\n"])
def test_s7_invalid_header_names_refused(name):
    with pytest.raises(InvalidHeader) as error:
        validate_headers({name: "value"})
    assert error.value.code == "header_name"


@pytest.mark.parametrize(
    "value",
    [
        "token\r\nX-Injected: 1",
        "token\nX-Injected: 1",
        "token\r",
        "tok\x00en",
        "t\u00f6ken",
        "x" * 4097,
    ],
)
def test_s7_header_values_with_cr_lf_or_controls_refused_without_echo(value):
    with pytest.raises(InvalidHeader) as error:
        validate_headers({"Authorization": value})
    message = " ".join(error.value.messages)
    assert "Authorization" in message
    assert "token" not in message and "X-Injected" not in message


def test_s7_headers_must_be_a_mapping_of_strings():
    with pytest.raises(InvalidHeader):
        validate_headers(["Authorization: x"])
    with pytest.raises(InvalidHeader):
        validate_headers({"X-Count": 3})


def test_header_count_is_limited(settings):
    settings.HUB = {"WEBHOOK_MAX_HEADERS": 2}
    validate_headers({"X-A": "1", "X-B": "2"})

    with pytest.raises(InvalidHeader, match="At most 2 custom headers") as refused:
        validate_headers({"X-A": "1", "X-B": "2", "X-C": "3"})
    assert refused.value.code == "too_many_headers"


def test_total_header_size_is_limited_without_echoing_values():
    # 300 headers of 4,000 characters each were accepted before the limits existed.
    headers = {f"X-H{n}": "v" * 4000 for n in range(3)}

    with pytest.raises(InvalidHeader, match="at most 8192 bytes") as refused:
        validate_headers(headers)
    assert refused.value.code == "headers_too_large"
    assert "vvvv" not in str(refused.value)

"""HTTPS receivers for the webhook benchmark: a throwaway CA, and workers that trust it.

Production webhooks are HTTPS, and a TCP connection plus a TLS handshake per request is
exactly what a pooled client saves, so the benchmark also runs its receivers over TLS on
loopback. ``make_bundle`` writes a new CA and a certificate for 127.0.0.1 signed by it,
and a CA bundle made of certifi's roots plus that CA: clients still load a full bundle,
as they do in production. Workers get the bundle's path in ``BUNDLE_ENV``; the benchmark's
Celery app modules call ``trust_bench_ca`` so that httpx, which reads certifi's bundle
(the hub's client ignores ``SSL_CERT_FILE``), verifies the receivers' certificate.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import ssl
import tempfile
from dataclasses import dataclass
from pathlib import Path

import certifi
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from tests.support.receiver import HOST, Receiver

BUNDLE_ENV = "PREFHUB_BENCH_CA_BUNDLE"
VALIDITY = datetime.timedelta(days=1)


@dataclass(frozen=True)
class BenchCertificates:
    cert_file: Path  # the receiver's certificate followed by its key
    bundle_file: Path  # certifi's roots plus the bench CA


def make_bundle() -> BenchCertificates:
    """A new CA, a server certificate for ``HOST`` signed by it, and the clients' bundle."""
    folder = Path(tempfile.mkdtemp(prefix="prefhub-bench-tls-"))
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_cert = _certificate(_name("Prefhub bench CA"), ca_key, ca_key, ca_cert=None)
    key = ec.generate_private_key(ec.SECP256R1())
    cert = _certificate(_name(HOST), key, ca_key, ca_cert=ca_cert)
    cert_file = folder / "receiver.pem"
    cert_file.write_bytes(
        cert.public_bytes(serialization.Encoding.PEM)
        + key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    bundle_file = folder / "bundle.pem"
    bundle_file.write_bytes(
        Path(certifi.where()).read_bytes() + ca_cert.public_bytes(serialization.Encoding.PEM)
    )
    return BenchCertificates(cert_file=cert_file, bundle_file=bundle_file)


class TlsReceiver(Receiver):
    """A ``Receiver`` serving HTTPS; each handshake runs in its connection's thread."""

    def __init__(self, certificates: BenchCertificates) -> None:
        super().__init__()
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(certificates.cert_file)
        self._server.socket = context.wrap_socket(
            self._server.socket, server_side=True, do_handshake_on_connect=False
        )

    @property
    def url(self) -> str:
        return super().url.replace("http://", "https://", 1)


def trust_bench_ca() -> None:
    """Make httpx clients made in this process verify against the bench bundle, if any."""
    bundle = os.environ.get(BUNDLE_ENV)
    if bundle:
        certifi.where = lambda: bundle


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _certificate(
    subject: x509.Name,
    key: ec.EllipticCurvePrivateKey,
    signing_key: ec.EllipticCurvePrivateKey,
    *,
    ca_cert: x509.Certificate | None,
) -> x509.Certificate:
    """A CA certificate when ``ca_cert`` is None, else a server certificate it signs.

    Python 3.13's default context verifies strictly (RFC 5280), hence the key
    identifiers, key usages and critical basic constraints.
    """
    now = datetime.datetime.now(datetime.UTC)
    public = key.public_key()
    issuer_public = signing_key.public_key()
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca_cert.subject if ca_cert else subject)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + VALIDITY)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_public), critical=False
        )
    )
    if ca_cert is None:
        builder = builder.add_extension(
            x509.BasicConstraints(ca=True, path_length=0), critical=True
        ).add_extension(_key_usage(cert_sign=True), critical=True)
    else:
        builder = (
            builder.add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(_key_usage(cert_sign=False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(
                x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(HOST))]),
                critical=False,
            )
        )
    return builder.sign(signing_key, hashes.SHA256())


def _key_usage(*, cert_sign: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=not cert_sign, key_cert_sign=cert_sign, crl_sign=cert_sign,
        content_commitment=False, key_encipherment=False, data_encipherment=False,
        key_agreement=False, encipher_only=False, decipher_only=False,
    )  # fmt: skip

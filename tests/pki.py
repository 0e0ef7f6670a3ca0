"""Test PKI: a CA, seal certificates as PKCS#12 files, and a local RFC 3161 timestamp authority.

The TSA is OpenSSL's own (`openssl ts -reply`) behind a small HTTP server, so our timestamp client is
checked against an independent implementation.
"""

from __future__ import annotations

import subprocess
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


def _name(common: str, *, organisation_id: str | None = None, country: str = "BE") -> x509.Name:
    parts = [x509.NameAttribute(NameOID.COUNTRY_NAME, country), x509.NameAttribute(NameOID.COMMON_NAME, common)]
    if organisation_id:
        parts.append(x509.NameAttribute(NameOID.ORGANIZATION_IDENTIFIER, organisation_id))
    return x509.Name(parts)


def new_key(kind: str = "rsa") -> PrivateKey:
    if kind == "rsa":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    if kind == "rsa1024":
        return rsa.generate_private_key(public_exponent=65537, key_size=1024)
    if kind == "p384":
        return ec.generate_private_key(ec.SECP384R1())
    return ec.generate_private_key(ec.SECP256R1())


class CA:
    def __init__(self, name: str = "microcred test CA") -> None:
        self.key = new_key("rsa")
        now = datetime.now(UTC)
        self.certificate = (
            x509.CertificateBuilder()
            .subject_name(_name(name))
            .issuer_name(_name(name))
            .public_key(self.key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(self.key, hashes.SHA256())
        )

    def issue(
        self,
        key: PrivateKey,
        common: str,
        *,
        organisation_id: str | None = None,
        country: str = "BE",
        days: tuple[int, int] = (-1, 365),
        usage: str = "seal",
    ) -> x509.Certificate:
        now = datetime.now(UTC)
        builder = (
            x509.CertificateBuilder()
            .subject_name(_name(common, organisation_id=organisation_id, country=country))
            .issuer_name(self.certificate.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now + timedelta(days=days[0]))
            .not_valid_after(now + timedelta(days=days[1]))
        )
        if usage == "tsa":
            builder = builder.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        elif usage == "tls":  # a web server's certificate for the host name `common`
            builder = builder.add_extension(
                x509.SubjectAlternativeName([x509.DNSName(common)]), critical=False
            ).add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        else:
            sign = usage == "seal"
            builder = builder.add_extension(
                x509.KeyUsage(
                    digital_signature=sign,
                    content_commitment=sign,
                    key_encipherment=not sign,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=False,
                    crl_sign=False,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
        return builder.sign(self.key, hashes.SHA256())


def seal_p12(
    ca: CA,
    *,
    kind: str = "rsa",
    password: str | None = "secret",
    organisation_id: str | None = "VATBE-0123456789",
    days: tuple[int, int] = (-1, 365),
    usage: str = "seal",
    country: str = "BE",
    rounds: int | None = None,
) -> bytes:
    """A PKCS#12 file holding a seal certificate issued by the CA, its key and the CA certificate."""
    key = new_key(kind)
    certificate = ca.issue(
        key, "Université de Test eSeal", organisation_id=organisation_id, days=days, usage=usage, country=country
    )
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(password.encode()) if password else serialization.NoEncryption()
    )
    if rounds is not None and password:
        encryption = (
            serialization.PrivateFormat.PKCS12.encryption_builder()
            .kdf_rounds(rounds)
            .key_cert_algorithm(pkcs12.PBES.PBESv2SHA256AndAES256CBC)
            .build(password.encode())
        )
    return pkcs12.serialize_key_and_certificates(b"seal", key, certificate, [ca.certificate], encryption)


@contextmanager
def local_tsa() -> Iterator[str]:
    """The URL of an RFC 3161 timestamp authority (OpenSSL's) on loopback, for the length of the block."""
    ca = CA("microcred test TSA CA")
    key = new_key("rsa")
    certificate = ca.issue(key, "microcred test TSA", usage="tsa")
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "tsa.key").write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
        (root / "tsa.crt").write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
        (root / "ca.crt").write_bytes(ca.certificate.public_bytes(serialization.Encoding.PEM))
        (root / "serial").write_text("01\n")
        (root / "tsa.cnf").write_text(
            f"""[ tsa ]
default_tsa = tsa_config
[ tsa_config ]
dir = {root}
serial = $dir/serial
crypto_device = builtin
signer_cert = $dir/tsa.crt
certs = $dir/ca.crt
signer_key = $dir/tsa.key
signer_digest = sha256
default_policy = 1.2.3.4.1
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = yes
tsa_name = no
ess_cert_id_chain = no
ess_cert_id_alg = sha256
"""
        )
        lock = threading.Lock()

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                query = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with lock:
                    (root / "query.tsq").write_bytes(query)
                    done = subprocess.run(
                        [
                            "openssl",
                            "ts",
                            "-reply",
                            "-config",
                            str(root / "tsa.cnf"),
                            "-queryfile",
                            str(root / "query.tsq"),
                            "-out",
                            str(root / "reply.tsr"),
                        ],
                        capture_output=True,
                        check=False,
                    )
                    reply = (root / "reply.tsr").read_bytes() if done.returncode == 0 else b""
                self.send_response(200 if reply else 400)
                self.send_header("Content-Type", "application/timestamp-reply")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{server.server_address[1]}/tsa"
        finally:
            server.shutdown()
            server.server_close()

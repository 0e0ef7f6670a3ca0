"""Test PKI: a CA, seal certificates as PKCS#12 files, and a local RFC 3161 timestamp authority.

The TSA is OpenSSL's own (`openssl ts -reply`) behind a small HTTP server, so our timestamp client is
checked against an independent implementation.
"""

from __future__ import annotations

import base64
import subprocess
import tempfile
import threading
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from microcred.trust import tsp

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
    def __init__(
        self,
        name: str = "microcred test CA",
        *,
        parent: CA | None = None,
        path_length: int | None = None,
        ca: bool = True,
        cert_sign: bool | None = None,
    ) -> None:
        """A root CA, or with `parent` an intermediate it issues; `ca`/`cert_sign` False make broken CAs."""
        self.key = new_key("rsa")
        self.certificate: x509.Certificate
        now = datetime.now(UTC)
        builder = (
            x509.CertificateBuilder()
            .subject_name(_name(name))
            .issuer_name(parent.certificate.subject if parent else _name(name))
            .public_key(self.key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=path_length if ca else None), critical=True)
        )
        if cert_sign is not None:
            builder = builder.add_extension(_usage(cert_sign=cert_sign), critical=True)
        self.certificate = builder.sign(parent.key if parent else self.key, hashes.SHA256())

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


def _usage(*, cert_sign: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=not cert_sign,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=cert_sign,
        crl_sign=cert_sign,
        encipher_only=False,
        decipher_only=False,
    )


def self_signed(key: PrivateKey, subject: x509.Name, *, days: tuple[int, int] = (-1, 365)) -> x509.Certificate:
    """A self-signed seal certificate with any subject: what a forger makes."""
    now = datetime.now(UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now + timedelta(days=days[0]))
        .not_valid_after(now + timedelta(days=days[1]))
        .sign(key, hashes.SHA256())
    )


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
def local_tsa(ca: CA | None = None) -> Iterator[str]:
    """The URL of an RFC 3161 timestamp authority (OpenSSL's) on loopback, for the length of the block; its
    certificate is issued by `ca` (a fresh CA when not given)."""
    ca = ca or CA("microcred test TSA CA")
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


def timestamper(url: str) -> Callable[[bytes], bytes]:
    """A function that timestamps bytes at the TSA at `url` (a token, for jades.seal)."""

    def stamp(data: bytes) -> bytes:
        query, nonce = tsp.request(data)
        post = urllib.request.Request(  # noqa: S310 (loopback)
            url, data=query, headers={"Content-Type": "application/timestamp-query"}
        )
        with urllib.request.urlopen(post, timeout=10) as answer:  # noqa: S310 (loopback)
            return tsp.token_from_response(answer.read(), data, nonce).token

    return stamp


def trusted_list(
    signer: tuple[PrivateKey, x509.Certificate],
    *,
    territory: str = "BE",
    services: list[tuple[x509.Certificate, str, str, bool | str]] = (),  # type: ignore[assignment]
    pointers: dict[str, x509.Certificate] | None = None,
    next_update: timedelta = timedelta(days=90),
    sequence: int = 7,
) -> bytes:
    """An ETSI TS 119 612 list signed (enveloped XML signature) by `signer`: services as (certificate, type such
    as "CA/QC" or "TSA/QTST", status such as "granted", qualified for seals, or the SvcInfoExt it is limited
    to, such as "ForeSignatures"); with `pointers` a LOTL."""
    from lxml import etree  # type: ignore[import-untyped]
    from signxml.signer import XMLSigner

    t = "http://uri.etsi.org/02231/v2#"

    def add(parent: etree._Element, name: str, text: str | None = None) -> etree._Element:
        element = etree.SubElement(parent, f"{{{t}}}{name}")
        if text is not None:
            element.text = text
        return element

    def identity(parent: etree._Element, certificate: x509.Certificate) -> None:
        digital = add(add(parent, "ServiceDigitalIdentity"), "DigitalId")
        add(digital, "X509Certificate", base64.b64encode(certificate.public_bytes(serialization.Encoding.DER)).decode())

    root = etree.Element(f"{{{t}}}TrustServiceStatusList", nsmap={None: t}, Id="tsl")
    info = add(root, "SchemeInformation")
    add(info, "TSLVersionIdentifier", "5")
    add(info, "TSLSequenceNumber", str(sequence))
    kind = "EUlistofthelists" if pointers else "EUgeneric"
    add(info, "TSLType", f"http://uri.etsi.org/TrstSvc/TrustedList/TSLType/{kind}")
    add(add(info, "SchemeOperatorName"), "Name", f"{territory} supervisory body")
    add(info, "SchemeTerritory", territory)
    if pointers:
        others = add(info, "PointersToOtherTSL")
        for where, certificate in pointers.items():
            pointer = add(others, "OtherTSLPointer")
            identity(add(pointer, "ServiceDigitalIdentities"), certificate)
            add(pointer, "TSLLocation", f"https://tl.example/{where}.xml")
            more = add(pointer, "AdditionalInformation")
            add(add(more, "OtherInformation"), "SchemeTerritory", where)
    now = datetime.now(UTC)
    add(info, "ListIssueDateTime", now.strftime("%Y-%m-%dT%H:%M:%SZ"))
    add(add(info, "NextUpdate"), "dateTime", (now + next_update).strftime("%Y-%m-%dT%H:%M:%SZ"))
    providers = add(root, "TrustServiceProviderList")
    for number, (certificate, service_type, status, qualified) in enumerate(services):
        provider = add(providers, "TrustServiceProvider")
        add(add(add(provider, "TSPInformation"), "TSPName"), "Name", f"Provider {number}")
        information = add(add(add(provider, "TSPServices"), "TSPService"), "ServiceInformation")
        add(information, "ServiceTypeIdentifier", f"http://uri.etsi.org/TrstSvc/Svctype/{service_type}")
        add(add(information, "ServiceName"), "Name", f"Service {number}")
        identity(information, certificate)
        add(information, "ServiceStatus", f"http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/{status}")
        if qualified:
            extension = add(add(information, "ServiceInformationExtensions"), "Extension", None)
            extension.set("Critical", "false")
            add(
                add(extension, "AdditionalServiceInformation"),
                "URI",
                "http://uri.etsi.org/TrstSvc/TrustedList/SvcInfoExt/"
                + (qualified if isinstance(qualified, str) else "ForeSeals"),
            )
    key, certificate = signer
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    signed = XMLSigner(signature_algorithm="rsa-sha256", digest_algorithm="sha256").sign(
        root, key=pem, cert=certificate.public_bytes(serialization.Encoding.PEM).decode()
    )
    return bytes(etree.tostring(signed, xml_declaration=True, encoding="UTF-8"))

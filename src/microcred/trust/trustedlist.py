"""ETSI TS 119 612 trusted lists: the EU List of Trusted Lists (LOTL) and the national lists it points at.

A list is read only after its enveloped XML signature holds under one of the signer certificates the caller
trusts (for the LOTL, the certificates the Commission publishes in the Official Journal; for a national
list, those the LOTL gives for that territory), and only what that signature covers is read. A list whose
NextUpdate has passed is refused. Parsing is defensive: no DTD, no entities, no network, a size limit.

Out of a list: each trust service (its provider, type, status and certificates, and whether the list says
its certificates are qualified for electronic seals) and, for the LOTL, the signers of each territory's list.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from lxml import etree  # type: ignore[import-untyped]

from microcred.trust import TrustError

MAX_BYTES = 16 * 1024 * 1024
TSL = "http://uri.etsi.org/02231/v2#"
DS = "http://www.w3.org/2000/09/xmldsig#"
LOTL_TYPE = "http://uri.etsi.org/TrstSvc/TrustedList/TSLType/EUlistofthelists"
SERVICE_TYPES = "http://uri.etsi.org/TrstSvc/Svctype/"
STATUSES = "http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/"
FOR_E_SEALS = "http://uri.etsi.org/TrstSvc/TrustedList/SvcInfoExt/ForeSeals"
QC_FOR_E_SEAL = "http://uri.etsi.org/TrstSvc/TrustedList/SvcInfoExt/QCForESeal"
FOR_E_SIGNATURES = "http://uri.etsi.org/TrstSvc/TrustedList/SvcInfoExt/ForeSignatures"
FOR_WEBSITES = "http://uri.etsi.org/TrstSvc/TrustedList/SvcInfoExt/ForWebSiteAuthentication"
ACTIVE = {"granted", "undersupervision", "accredited", "supervisionincessation", "recognisedatnationallevel"}


@dataclass(frozen=True)
class Service:
    provider: str
    name: str
    type: str  # the ServiceTypeIdentifier's last part: CA/QC, CA/PKC, TSA/QTST, …
    status: str  # the ServiceStatus's last part: granted, withdrawn, …
    certificates: tuple[x509.Certificate, ...]
    qualified_seals: bool  # the list says the certificates it issues are qualified for electronic seals
    limited: bool = False  # the list limits it to signatures or website certificates (not seals)

    @property
    def active(self) -> bool:
        return self.status in ACTIVE

    @property
    def for_seals(self) -> bool:
        return self.type.startswith("CA/") and not self.limited

    @property
    def for_timestamps(self) -> bool:
        return self.type.startswith("TSA")


@dataclass(frozen=True)
class TrustedList:
    territory: str  # ISO 3166 alpha-2 as the list writes it (EL for Greece), EU for the LOTL
    lotl: bool
    sequence: int
    next_update: datetime
    signer: x509.Certificate
    services: tuple[Service, ...] = ()
    pointers: dict[str, tuple[x509.Certificate, ...]] = field(default_factory=dict)  # LOTL: territory → signers


def _parse(data: bytes) -> etree._Element:
    if len(data) > MAX_BYTES:
        raise TrustError(f"The trusted list is larger than {MAX_BYTES // (1024 * 1024)} MiB.")
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False, huge_tree=False
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError:
        raise TrustError("The file is not XML, so not an ETSI trusted list.") from None
    if root.getroottree().docinfo.doctype:
        raise TrustError("The trusted list declares a DTD, which ETSI lists never do: refused.")
    if root.tag != f"{{{TSL}}}TrustServiceStatusList":
        raise TrustError(
            "The XML is not an ETSI TS 119 612 trusted list (its root is not TrustServiceStatusList in "
            f"the {TSL} namespace)."
        )
    return root


def _text(element: etree._Element | None, path: str) -> str:
    found = element.find(path, {"t": TSL}) if element is not None else None
    return (found.text or "").strip() if found is not None else ""


def _certificates(element: etree._Element) -> tuple[x509.Certificate, ...]:
    found = []
    for node in element.iterfind(".//t:DigitalId/t:X509Certificate", {"t": TSL}):
        try:
            found.append(x509.load_der_x509_certificate(base64.b64decode("".join((node.text or "").split()))))
        except (binascii.Error, ValueError):
            raise TrustError("A certificate in the trusted list cannot be read.") from None
    return tuple(found)


def peek(data: bytes) -> tuple[str, bool]:
    """The territory a list says it is for and whether it is the LOTL, unverified: to choose whose signature
    to check it against."""
    root = _parse(data)
    info = root.find("t:SchemeInformation", {"t": TSL})
    return _text(info, "t:SchemeTerritory").upper(), _text(info, "t:TSLType") == LOTL_TYPE


def _signed(root: etree._Element, signers: Sequence[x509.Certificate]) -> tuple[etree._Element, x509.Certificate]:
    """The list as its enveloped signature covers it, and the signer whose certificate it holds under."""
    from signxml.exceptions import InvalidInput as SignxmlInput  # loaded when a list is read
    from signxml.exceptions import InvalidSignature
    from signxml.verifier import SignatureConfiguration, XMLVerifier

    if root.find(f"{{{DS}}}Signature") is None:
        raise TrustError("The trusted list is not signed (no enveloped ds:Signature).")
    if sum(1 for _ in root.iter(root.tag)) != 1:  # a list wrapped in a list: only the outer one may be read
        raise TrustError("The trusted list holds another TrustServiceStatusList inside it.")
    if not signers:
        raise TrustError("No certificate to check the trusted list's signature against was given.")
    config = SignatureConfiguration(expect_references=True)  # the list, and XAdES's signed properties
    for signer in signers:
        pem = signer.public_bytes(serialization.Encoding.PEM).decode()
        try:
            results = XMLVerifier().verify(root, x509_cert=pem, expect_config=config)
        except (InvalidSignature, SignxmlInput, ValueError):
            continue
        except Exception:  # noqa: BLE001 (a malformed ds:Signature fails in lxml or signxml wherever it is read)
            raise TrustError("The trusted list's signature is malformed.") from None
        covered = results if isinstance(results, list) else [results]
        whole = [r.signed_xml for r in covered if r.signed_xml is not None and r.signed_xml.tag == root.tag]
        if whole:
            return whole[0], signer
        raise TrustError("The trusted list's signature does not cover the list itself.")
    raise TrustError(
        "The trusted list's signature does not hold under the signer certificate(s) given: it was changed, "
        "or someone else signed it."
    )


def load(data: bytes, signers: Sequence[x509.Certificate], *, now: datetime | None = None) -> TrustedList:
    """The list's services (and, for the LOTL, its pointers) once its signature holds and it is current."""
    root, signer = _signed(_parse(data), signers)
    info = root.find("t:SchemeInformation", {"t": TSL})
    if info is None:
        raise TrustError("The trusted list has no SchemeInformation.")
    territory = _text(info, "t:SchemeTerritory").upper()
    if not territory:
        raise TrustError("The trusted list names no SchemeTerritory.")
    try:
        sequence = int(_text(info, "t:TSLSequenceNumber"))
        if not 0 < sequence < 2**31:
            raise ValueError("out of range")
        next_update = datetime.fromisoformat(_text(info, "t:NextUpdate/t:dateTime").replace("Z", "+00:00"))
    except ValueError:
        raise TrustError(
            "The trusted list's TSLSequenceNumber or NextUpdate is missing or unreadable (a closed list has no "
            "NextUpdate)."
        ) from None
    next_update = next_update if next_update.tzinfo else next_update.replace(tzinfo=UTC)
    if next_update < (now or datetime.now(UTC)):
        raise TrustError(
            f"The trusted list is out of date: its NextUpdate ({next_update:%Y-%m-%d %H:%M} UTC) has passed."
        )
    lotl = _text(info, "t:TSLType") == LOTL_TYPE
    pointers: dict[str, tuple[x509.Certificate, ...]] = {}
    for pointer in info.iterfind("t:PointersToOtherTSL/t:OtherTSLPointer", {"t": TSL}):
        where = _text(pointer, ".//t:AdditionalInformation/t:OtherInformation/t:SchemeTerritory").upper()
        if where and where != territory:
            pointers[where] = pointers.get(where, ()) + _certificates(pointer)
    return TrustedList(
        territory=territory,
        lotl=lotl,
        sequence=sequence,
        next_update=next_update,
        signer=signer,
        services=tuple(_services(root)),
        pointers=pointers if lotl else {},
    )


def _services(root: etree._Element) -> list[Service]:
    found = []
    ns = {"t": TSL}
    for provider in root.iterfind("t:TrustServiceProviderList/t:TrustServiceProvider", ns):
        provider_name = _text(provider, "t:TSPInformation/t:TSPName/t:Name")
        for service in provider.iterfind("t:TSPServices/t:TSPService/t:ServiceInformation", ns):
            kind = _text(service, "t:ServiceTypeIdentifier")
            identity = service.find("t:ServiceDigitalIdentity", ns)
            uris = [(e.text or "").strip() for e in service.iterfind(".//t:AdditionalServiceInformation/t:URI", ns)]
            qualifiers = [str(e.get("uri", "")) for e in service.iter("{*}Qualifier")]
            qualified = kind.endswith("/CA/QC") and (FOR_E_SEALS in uris or QC_FOR_E_SEAL in qualifiers)
            limited = FOR_E_SEALS not in uris and any(uri in (FOR_E_SIGNATURES, FOR_WEBSITES) for uri in uris)
            found.append(
                Service(
                    provider=provider_name[:300],
                    name=_text(service, "t:ServiceName/t:Name")[:300],
                    type=kind.removeprefix(SERVICE_TYPES)[:100],
                    status=_text(service, "t:ServiceStatus").removeprefix(STATUSES)[:100],
                    certificates=_certificates(identity) if identity is not None else (),
                    qualified_seals=qualified,
                    limited=limited,
                )
            )
    return found

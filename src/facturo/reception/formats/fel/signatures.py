"""The DTE's XML signatures: structure always, cryptography when trusted certificates are given.

A DTE carries the issuer's enveloped XAdES signature over ``#DatosEmision`` and, once certified,
the certifier's over ``#DatosCertificados``, both children of ``dte:GTDocumento``.

By default each ``ds:Signature`` is checked for presence and structure (SignedInfo with its
methods, References whose URIs point at Ids that exist, DigestValue, SignatureValue, KeyInfo with
a readable X.509 certificate). With ``trusted_certificates`` (an operator's configured certifier
and issuer certificates, PEM or DER), each signature is verified with signxml against the
certificate it embeds, and that certificate must be one of the trusted ones. The certificate's
validity dates are not grounds for rejection (a DTE stays valid after its signer's certificate
expires); a signature made outside them is reported as a warning.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from cryptography import x509
from cryptography.exceptions import InvalidSignature as InvalidSignatureError
from cryptography.hazmat.primitives.serialization import Encoding
from lxml import etree
from signxml.exceptions import InvalidInput, InvalidSignature
from signxml.verifier import SignatureConfiguration, XMLVerifier
from signxml.xades.xades import XAdESSignatureConfiguration, XAdESVerifier

from facturo.kit.xml import UnsafeXmlError, parse_untrusted
from facturo.reception.formats.fel.common import ds, finding, location, text_of
from facturo.reception.formats.reading import Finding, Severity

MISSING = "FEL-SIGNATURE-MISSING"
STRUCTURE = "FEL-SIGNATURE-STRUCTURE"
CERTIFIER_MISSING = "FEL_GEN103"
INVALID = "FEL-SIGNATURE-INVALID"
UNTRUSTED = "FEL-SIGNATURE-UNTRUSTED"
CERT_DATES = "FEL-SIGNATURE-CERT-DATES"
XADES_NS = "http://uri.etsi.org/01903/v1.3.2#"
_DER = Encoding.DER


def _signatures(root: etree._Element) -> list[etree._Element]:
    return [child for child in root if child.tag == ds("Signature")]


def _ids(root: etree._Element) -> set[str]:
    return {str(value) for value in root.xpath("//@Id | //@ID | //@id")}


def _base64(text: str | None) -> bytes | None:
    if not text:
        return None
    try:
        decoded = base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError):
        return None
    return decoded or None


def embedded_certificate(signature: etree._Element) -> x509.Certificate | None:
    el = signature.find(f"{ds('KeyInfo')}/{ds('X509Data')}/{ds('X509Certificate')}")
    der = _base64(text_of(el))
    if der is None:
        return None
    try:
        return x509.load_der_x509_certificate(der)
    except ValueError:
        return None


def reference_uris(signature: etree._Element) -> list[str]:
    return [ref.get("URI", "") for ref in signature.iterfind(f"{ds('SignedInfo')}/{ds('Reference')}")]


def _structure(signature: etree._Element, ids: set[str]) -> Iterator[str]:
    """What is wrong with one signature's structure, in English keys turned into messages below."""
    signed_info = signature.find(ds("SignedInfo"))
    if signed_info is None:
        yield "SignedInfo"
        return
    for name in ("CanonicalizationMethod", "SignatureMethod"):
        el = signed_info.find(ds(name))
        if el is None or not el.get("Algorithm"):
            yield f"SignedInfo/{name}"
    references = signed_info.findall(ds("Reference"))
    if not references:
        yield "SignedInfo/Reference"
    for ref in references:
        uri = ref.get("URI")
        if uri is None or (uri and (not uri.startswith("#") or uri[1:] not in ids)):
            yield f"Reference URI={uri!r}"
        method = ref.find(ds("DigestMethod"))
        if method is None or not method.get("Algorithm"):
            yield "Reference/DigestMethod"
        if _base64(text_of(ref.find(ds("DigestValue")))) is None:
            yield "Reference/DigestValue"
    if _base64(text_of(signature.find(ds("SignatureValue")))) is None:
        yield "SignatureValue"
    if embedded_certificate(signature) is None:
        yield "KeyInfo/X509Data/X509Certificate"


@dataclass(frozen=True)
class TrustedSet:
    """The operator's trusted certificates. A signature's certificate is trusted when it is one of
    them (pinned) or was issued directly by one of them (a CA such as SAT's, which issues the
    issuers' certificates): one level, no intermediate chains."""

    pinned: frozenset[bytes]
    authorities: tuple[x509.Certificate, ...]

    @classmethod
    def load(cls, certificates: Sequence[bytes]) -> TrustedSet:
        """From PEM or DER bytes; unreadable entries are skipped."""
        loaded: list[x509.Certificate] = []
        for data in certificates:
            try:
                loaded.append(
                    x509.load_pem_x509_certificate(data)
                    if b"-----BEGIN" in data
                    else x509.load_der_x509_certificate(data)
                )
            except ValueError:
                continue
        return cls(frozenset(c.public_bytes(_DER) for c in loaded), tuple(loaded))

    def trusts(self, certificate: x509.Certificate) -> bool:
        if certificate.public_bytes(_DER) in self.pinned:
            return True
        for authority in self.authorities:
            if authority.subject != certificate.issuer:
                continue
            try:
                certificate.verify_directly_issued_by(authority)
            except (ValueError, TypeError, InvalidSignatureError):
                continue
            return True
        return False


def _signing_time(signature: etree._Element) -> datetime | None:
    el = signature.find(f".//{{{XADES_NS}}}SigningTime")
    text = text_of(el)
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class _DteVerifier(XMLVerifier):
    """signxml's verifier without its check of the certificate's validity at *today's* date: a DTE
    signed while its certificate was valid stays valid, so the dates become a warning of ours."""

    def _check_cert_validity(self, cert: x509.Certificate, cert_source: str) -> None:
        return None


class _DteXAdESVerifier(XAdESVerifier):
    """The same for XAdES signatures, which also have their SignedProperties checked (the signing
    certificate's digest must be the embedded certificate's)."""

    def _check_cert_validity(self, cert: x509.Certificate, cert_source: str) -> None:
        return None


def _is_xades(signature: etree._Element) -> bool:
    return signature.find(f"{ds('Object')}/{{{XADES_NS}}}QualifyingProperties") is not None


def _verify(raw: bytes, index: int, certificate: x509.Certificate, references: int) -> str | None:
    """None when signature ``index`` verifies over the bytes as received; otherwise the reason."""
    try:
        root = parse_untrusted(raw)
    except UnsafeXmlError as exc:
        return str(exc)
    # signxml verifies the first signature it finds: keep only the one at hand. The others are
    # siblings of what every reference covers, so removing them changes no digest.
    for position, other in enumerate(_signatures(root)):
        if position != index:
            root.remove(other)
    signature = _signatures(root)[0]
    try:
        if _is_xades(signature):
            xades_config = XAdESSignatureConfiguration(location="./", expect_references=references)
            _DteXAdESVerifier().verify(root, x509_cert=certificate, expect_config=xades_config)
        else:
            config = SignatureConfiguration(location="./", expect_references=references)
            _DteVerifier().verify(root, x509_cert=certificate, expect_config=config)
    except (InvalidSignature, InvalidInput) as exc:  # InvalidDigest is an InvalidSignature
        return f"{type(exc).__name__}: {exc}"
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


def check_signatures(
    root: etree._Element, raw: bytes, trusted_certificates: Sequence[bytes] | None, *, certified: bool
) -> list[Finding]:
    findings: list[Finding] = []
    signatures = _signatures(root)
    if not signatures:
        return [
            finding(
                MISSING,
                location(root),
                "El DTE no lleva ds:Signature (la firma del emisor es obligatoria).",
                "The DTE carries no ds:Signature (the issuer's signature is required).",
            )
        ]
    ids = _ids(root)
    covered = {uri for sig in signatures for uri in reference_uris(sig)}
    if "#DatosEmision" not in covered:
        findings.append(
            finding(
                STRUCTURE,
                location(root),
                "Ninguna firma cubre #DatosEmision (la firma del emisor).",
                "No signature covers #DatosEmision (the issuer's signature).",
            )
        )
    if certified and "#DatosCertificados" not in covered:
        findings.append(
            finding(
                CERTIFIER_MISSING,
                location(root),
                "No se encuentra presente el nodo de firma del certificador (sobre #DatosCertificados).",
                "The certifier's signature (over #DatosCertificados) is not present.",
            )
        )
    for signature in signatures:
        for problem in _structure(signature, ids):
            findings.append(
                finding(
                    STRUCTURE,
                    location(signature),
                    f"La firma está incompleta o mal formada: {problem}.",
                    f"The signature is incomplete or malformed: {problem}.",
                )
            )
    if trusted_certificates is None or any(f.rule == STRUCTURE for f in findings):
        return findings

    trusted = TrustedSet.load(trusted_certificates)
    for index, signature in enumerate(signatures):
        certificate = embedded_certificate(signature)
        if certificate is None:  # pragma: no cover - reported as a structure problem above
            continue
        where = location(signature)
        subject = certificate.subject.rfc4514_string()
        if not trusted.trusts(certificate):
            findings.append(
                finding(
                    UNTRUSTED,
                    where,
                    f"El certificado de la firma ({subject}) no está entre los certificados de confianza.",
                    f"The signature's certificate ({subject}) is not among the trusted certificates.",
                )
            )
        failure = _verify(raw, index, certificate, len(reference_uris(signature)))
        if failure is not None:
            findings.append(
                finding(
                    INVALID,
                    where,
                    f"La firma no corresponde al contenido (alterado después de firmar): {failure}",
                    f"The signature does not match the content (altered after signing): {failure}",
                )
            )
        signed_at = _signing_time(signature)
        if signed_at is not None and not (
            certificate.not_valid_before_utc <= signed_at <= certificate.not_valid_after_utc
        ):
            findings.append(
                finding(
                    CERT_DATES,
                    where,
                    f"La firma se hizo el {signed_at:%Y-%m-%d}, fuera de la vigencia de su certificado.",
                    f"The signature was made on {signed_at:%Y-%m-%d}, outside its certificate's validity.",
                    Severity.WARNING,
                )
            )
    return findings

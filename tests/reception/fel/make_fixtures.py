"""Signing our FEL fixtures at test time, as an issuer and a certifier would, with self-made keys.

Nothing secret is committed: each run makes fresh RSA keys and self-signed certificates with
``cryptography`` and signs with signxml (enveloped, RSA-SHA256, inclusive C14N 1.0, like the
SAT-certified sample): the issuer with an XAdES signature over ``#DatosEmision`` (as in the
sample), then the certifier with a plain XMLDSig one over ``#DatosCertificados`` (so that both
verification paths run). Both signatures end up as children of ``dte:GTDocumento``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from lxml import etree
from signxml.algorithms import CanonicalizationMethod
from signxml.signer import XMLSigner
from signxml.xades.xades import XAdESSigner

from facturo.kit.xml import parse_untrusted

FIXTURES = Path(__file__).resolve().parents[2] / "data" / "einvoice" / "fel"


@dataclass(frozen=True)
class Signer:
    key: rsa.RSAPrivateKey
    certificate: x509.Certificate

    @property
    def pem(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.PEM)

    @property
    def der(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.DER)


def make_signer(common_name: str, *, issued_by: Signer | None = None, authority: bool = False) -> Signer:
    """A fresh key and certificate: self-signed, or issued by ``issued_by`` (a CA made with
    ``authority=True``, like SAT's, which issues the issuers' certificates)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(issued_by.certificate.subject if issued_by else name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=authority, path_length=None), critical=True)
        .sign(issued_by.key if issued_by else key, hashes.SHA256())
    )
    return Signer(key, certificate)


def _sign(root: etree._Element, signer: Signer, uri: str, *, xades: bool) -> etree._Element:
    kind = XAdESSigner if xades else XMLSigner
    xml_signer = kind(
        signature_algorithm="rsa-sha256",
        digest_algorithm="sha256",
        c14n_algorithm=CanonicalizationMethod.CANONICAL_XML_1_0,
    )
    signed: etree._Element = xml_signer.sign(
        root,
        key=signer.key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ),
        cert=[signer.certificate],
        reference_uri=uri,
        id_attribute="ID",
    )
    return signed


def sign_dte(unsigned: bytes, issuer: Signer, certifier: Signer | None) -> bytes:
    """The DTE with the issuer's signature and, when a certifier is given, the certifier's."""
    root = parse_untrusted(unsigned)
    signed = _sign(root, issuer, "#DatosEmision", xades=True)
    if certifier is not None:
        signed = _sign(signed, certifier, "#DatosCertificados", xades=False)
    return etree.tostring(signed, xml_declaration=True, encoding="UTF-8")


def fixture_bytes(name: str) -> bytes:
    return FIXTURES.joinpath(name).read_bytes()

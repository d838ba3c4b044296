"""A small real SMTP server for tests: STARTTLS with a self-signed certificate, AUTH PLAIN,
and a mailbox list. Recipients whose address starts with "refused" are refused (550)."""

from __future__ import annotations

import base64
import datetime as dt
import socket
import socketserver
import ssl
import threading
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


def self_signed(directory: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@dataclass
class Mailbox:
    messages: list[Message] = field(default_factory=list)
    logins: list[tuple[str, str]] = field(default_factory=list)
    plaintext_mail: int = 0


class _Handler(socketserver.StreamRequestHandler):
    server: _Server

    def _reply(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")
        self.wfile.flush()

    def finish(self) -> None:
        super().finish()
        if self.connection is not self.request:
            self.connection.close()  # the TLS socket wrapped around the request's socket

    def handle(self) -> None:
        tls = False
        recipients: list[str] = []
        self._reply("220 localhost test SMTP")
        while True:
            raw = self.rfile.readline(4096)
            if not raw:
                return
            command = raw.decode().strip()
            verb = command.split(" ", 1)[0].upper()
            if verb in ("EHLO", "HELO"):
                extension = "250 AUTH PLAIN" if tls else "250 STARTTLS"
                self._reply("250-localhost")
                self._reply(extension)
            elif verb == "STARTTLS":
                self._reply("220 go ahead")
                wrapped = self.server.tls.wrap_socket(self.connection, server_side=True)
                self.connection = wrapped
                self.rfile = wrapped.makefile("rb")
                self.wfile = wrapped.makefile("wb")
                tls = True
            elif verb == "AUTH":
                decoded = base64.b64decode(command.split()[2]).split(b"\0")
                self.server.mailbox.logins.append((decoded[1].decode(), decoded[2].decode()))
                self._reply("235 ok")
            elif verb == "MAIL":
                recipients = []
                self._reply("250 ok")
            elif verb == "RCPT":
                address = command.split(":", 1)[1].strip(" <>")
                if address.startswith("refused"):
                    self._reply("550 no such user")
                else:
                    recipients.append(address)
                    self._reply("250 ok")
            elif verb == "DATA":
                self._reply("354 end with .")
                lines = []
                while (line := self.rfile.readline(1_000_000)) not in (b".\r\n", b""):
                    lines.append(line[1:] if line.startswith(b"..") else line)
                if not tls:
                    self.server.mailbox.plaintext_mail += 1
                self.server.mailbox.messages.append(message_from_bytes(b"".join(lines)))
                self._reply("250 queued")
            elif verb == "QUIT":
                self._reply("221 bye")
                return
            else:
                self._reply("250 ok")


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, tls: ssl.SSLContext, mailbox: Mailbox) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.tls = tls
        self.mailbox = mailbox


class SmtpTestServer:
    """`with SmtpTestServer(tmp_path) as server:` → server.port, server.client_context,
    server.mailbox."""

    def __init__(self, directory: Path) -> None:
        cert, key = self_signed(directory)
        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls.load_cert_chain(cert, key)
        self.client_context = ssl.create_default_context(cafile=str(cert))
        self.mailbox = Mailbox()
        self._server = _Server(tls, self.mailbox)
        self.port: int = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> SmtpTestServer:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._server.shutdown()
        self._server.server_close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])

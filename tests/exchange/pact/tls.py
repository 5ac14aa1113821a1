"""Loopback HTTPS for the conformance tests: a self-signed certificate, the platform served
by uvicorn over TLS, and a stand-in for the PACT conformance tool's own endpoints (its
token endpoint and its events webhook), which records what the platform sends it."""

from __future__ import annotations

import base64
import datetime as dt
import ipaddress
import json
import ssl
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import uvicorn
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tanji.settings import Settings
from tanji.web.app import create_app
from tests.browser.live import free_port

TOOL_CLIENT = ("test_client_id", "test_client_secret")  # what the tool accepts at its /auth/token
TOOL_TOKEN = "tool-token-for-tanji"


def make_certificate(directory: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and localhost (its own CA), and its key."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
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
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def call(
    url: str,
    *,
    method: str = "GET",
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    ca_file: Path | None = None,
    timeout: float = 10.0,
) -> Answer:
    """One HTTP(S) call; an error status is an answer too, not an exception."""
    context = ssl.create_default_context(cafile=str(ca_file) if ca_file else None)
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout, context=context) as answer:
            return Answer(answer.status, dict(answer.headers), answer.read())
    except urllib.error.HTTPError as error:
        return Answer(error.code, dict(error.headers), error.read())


@dataclass
class LivePlatform:
    base_url: str
    server: uvicorn.Server
    thread: threading.Thread

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)
        self.server.config.app.state.engine.dispose()


def start_platform(data_dir: Path, cert: Path, key: Path) -> LivePlatform:
    """The demo platform over HTTPS on a free port, with its PACT worker running and the
    test certificate trusted for outbound calls."""
    app = create_app(Settings(data_dir=data_dir, demo=True, pact_worker=True, pact_ca_file=cert))
    app.state.pact_worker.interval = 0.5
    port = free_port()
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        ws="none",
        ssl_certfile=str(cert),
        ssl_keyfile=str(key),
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="tanji-tls-server", daemon=True)
    thread.start()
    base_url = f"https://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if call(f"{base_url}/login", ca_file=cert, timeout=2).status == 200:
                return LivePlatform(base_url, server, thread)
        except (urllib.error.URLError, OSError):
            time.sleep(0.1)
    server.should_exit = True
    raise RuntimeError(f"The platform did not answer at {base_url} within 60 s.")


@dataclass
class FakeTool:
    """The conformance tool's side: /auth/token and the events webhooks."""

    base_url: str
    server: ThreadingHTTPServer
    events: list[dict[str, Any]] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)  # calls without the right credentials
    lock: threading.Lock = field(default_factory=threading.Lock)

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def wait_for(self, predicate: Any, timeout: float = 30.0) -> dict[str, Any]:
        """The first event received that satisfies ``predicate`` (polled, as the tool
        does, for at most 30 s)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                for event in self.events:
                    if predicate(event):
                        return event
            time.sleep(0.2)
        raise AssertionError(f"no such event within {timeout} s; received: {self.events}")


def start_tool(cert: Path, key: Path) -> FakeTool:
    port = free_port()
    holder: dict[str, FakeTool] = {}

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:  # quiet
            return

        def _send(self, status: int, body: dict[str, Any] | None = None) -> None:
            content = json.dumps(body).encode() if body is not None else b""
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(content)))
            self.end_headers()
            self.wfile.write(content)

        def do_GET(self) -> None:
            self._send(404, {"code": "NotFound", "message": "the tool holds no footprints"})

        def do_POST(self) -> None:
            tool = holder["tool"]
            length = int(self.headers.get("Content-Length", "0"))
            content = self.rfile.read(length)
            if self.path == "/auth/token":
                expected = base64.b64encode(":".join(TOOL_CLIENT).encode()).decode()
                if self.headers.get("Authorization") != f"Basic {expected}":
                    tool.refused.append(self.path)
                    self._send(401, {"error": "invalid_client"})
                    return
                self._send(
                    200, {"access_token": TOOL_TOKEN, "token_type": "bearer", "expires_in": 3600}
                )
                return
            if self.path in ("/3/events", "/2/events"):
                if self.headers.get("Authorization") != f"Bearer {TOOL_TOKEN}":
                    tool.refused.append(self.path)
                    self._send(401, {"code": "BadRequest", "message": "bad token"})
                    return
                event = json.loads(content)
                event["_path"] = self.path
                event["_content_type"] = self.headers.get("Content-Type", "")
                with tool.lock:
                    tool.events.append(event)
                self._send(200)
                return
            self._send(404, {"code": "NotFound", "message": self.path})

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(str(cert), str(key))
    server.socket = context.wrap_socket(server.socket, server_side=True)
    tool = FakeTool(f"https://127.0.0.1:{port}", server)
    holder["tool"] = tool
    threading.Thread(target=server.serve_forever, name="fake-pact-tool", daemon=True).start()
    return tool

"""A live platform on a free local port, and Debian's Chromium driven by Playwright.

Shared by the browser tests (tests/browser/conftest.py) and by scripts/screenshots.py:
the platform runs with uvicorn in a background thread on a fresh SQLite data directory
with the demo organisations, so a real browser can talk to it over HTTP.
"""

from __future__ import annotations

import socket
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import uvicorn

from tanji.settings import Settings
from tanji.web.app import create_app

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Playwright

CHROMIUM = Path("/usr/bin/chromium")
# Without the background-networking flags Chromium opens outbound connections of its own,
# which this machine refuses (many at a time); the sandbox needs privileges tests lack.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DEMO_PASSWORD = "tanji-demo-2026"


def free_port() -> int:
    """A TCP port nobody listens on right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class LiveServer:
    """The platform served by uvicorn in a daemon thread; ``stop()`` ends it."""

    base_url: str
    server: uvicorn.Server
    thread: threading.Thread

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.server.config.app.state.engine.dispose()


def port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def start_live_server(
    data_dir: Path, *, port: int | None = None, timeout: float = 60.0
) -> LiveServer:
    """Build the demo platform on ``data_dir`` and serve it until it answers /login.

    ``port`` is used when given and free; otherwise the OS picks a free one.
    """
    app = create_app(Settings(data_dir=data_dir, demo=True))
    if port is None or not port_is_free(port):
        port = free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="warning", ws="none", lifespan="off"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="tanji-live-server", daemon=True)
    thread.start()
    base_url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(f"{base_url}/login", timeout=2) as response:
                if response.status == 200:
                    return LiveServer(base_url=base_url, server=server, thread=thread)
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            thread.join(timeout=5)
            raise RuntimeError(
                f"The live platform did not answer at {base_url}/login within {timeout:.0f} s "
                "(see the uvicorn messages above)."
            )
        time.sleep(0.05)


def launch_chromium(playwright: Playwright) -> Browser:
    """Debian's Chromium, headless, with the flags this machine needs."""
    return playwright.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
    )

"""A local HTTP server that answers like the outside services, from recorded answers (tests/data/enrichment):
tests point CREDERE_VIES_URL, CREDERE_GLEIF_URL and CREDERE_BUREAUS at it. No test reaches the internet."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

DATA = Path(__file__).parent.parent / "data" / "enrichment"


class Recorded:
    def __init__(self) -> None:
        #: (method, path) -> (status, file name); VIES answers by the VAT number posted
        self.routes: dict[tuple[str, str], tuple[int, str]] = {}
        self.vies: dict[str, tuple[int, str]] = {}
        self.requests: list[tuple[str, str, Any]] = []
        self.url = ""


def _handler(recorded: Recorded) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _answer(self, status: int, name: str) -> None:
            body = (DATA / name).read_bytes() if name else b""
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            recorded.requests.append(("GET", self.path, dict(self.headers)))
            self._answer(*recorded.routes.get(("GET", self.path.split("?")[0]), (404, "gleif_not_found.json")))

        def do_POST(self) -> None:  # noqa: N802
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))) or b"{}")
            recorded.requests.append(("POST", self.path, body))
            if self.path.endswith("/check-vat-number"):
                key = f"{body.get('countryCode')}{body.get('vatNumber')}"
                self._answer(*recorded.vies.get(key, (200, "vies_not_registered.json")))
            else:
                self._answer(*recorded.routes.get(("POST", self.path), (404, "")))

        def log_message(self, *args: Any) -> None:
            pass

    return Handler


@pytest.fixture
def recorded_services(settings: Any) -> Iterator[Recorded]:
    recorded = Recorded()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(recorded))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    recorded.url = f"http://127.0.0.1:{server.server_address[1]}"
    settings.CREDERE_VIES_URL = recorded.url + "/vies/rest-api"
    settings.CREDERE_GLEIF_URL = recorded.url + "/gleif/api/v1"
    settings.CREDERE_ENRICHMENT_TIMEOUT = 3
    yield recorded
    server.shutdown()
    server.server_close()

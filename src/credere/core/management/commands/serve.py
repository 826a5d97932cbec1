"""``credere serve``: the web application and API behind gunicorn."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Serve the web application and API (gunicorn; static files by WhiteNoise)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="Address to listen on (default 127.0.0.1)")
        parser.add_argument("--port", type=int, default=8000, help="Port (default 8000)")
        parser.add_argument("--workers", type=int, default=2, help="Web worker processes (default 2)")
        parser.add_argument("--threads", type=int, default=4, help="Threads per worker (default 4)")

    def handle(self, *args: Any, host: str, port: int, workers: int, threads: int, **options: Any) -> None:
        from gunicorn.app.base import BaseApplication

        from credere.wsgi import application

        class App(BaseApplication):  # type: ignore[misc]
            def load_config(self) -> None:
                for key, value in {"bind": f"{host}:{port}", "workers": workers, "threads": threads,
                                   "accesslog": "-", "timeout": 120,
                                   # gunicorn's largest request line: a long pasted search reaches the page,
                                   # which answers in words, instead of the server's bare "URI Too Long"
                                   "limit_request_line": 8190}.items():
                    self.cfg.set(key, value)

            def load(self) -> Any:
                return application

        self.stdout.write(f"Credere is serving on http://{host}:{port}/ (Ctrl+C stops)")
        App().run()

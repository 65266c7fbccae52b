"""A local stand-in for the Hugging Face hub's HTTP API: folders served as model repositories at
one fixed commit, on 127.0.0.1. Enough of the API for ``HfApi.model_info`` and
``snapshot_download`` (repository info, file tree, file downloads)."""

from __future__ import annotations

import hashlib
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlparse

COMMIT = "89abcdef0123456789abcdef0123456789abcdef"


class HubMirror:
    """Serves ``repos`` (repository id -> folder) until :meth:`close`; ``requests`` lists what was asked."""

    def __init__(self, repos: dict[str, Path]) -> None:
        self.repos = repos
        self.requests: list[str] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, name="hub-mirror", daemon=True)
        self._thread.start()

    def close(self) -> None:
        """Stops serving and frees the port."""
        self.server.shutdown()
        self.server.server_close()
        self._thread.join()

    def _info(self, repo: str, folder: Path) -> dict[str, object]:
        config = folder / "config.json"
        return {
            "id": repo,
            "modelId": repo,
            "sha": COMMIT,
            "private": False,
            "siblings": [{"rfilename": f.name} for f in sorted(folder.iterdir())],
            "config": json.loads(config.read_text()) if config.is_file() else None,
        }

    def _tree(self, folder: Path) -> list[dict[str, object]]:
        return [
            {"type": "file", "path": f.name, "size": f.stat().st_size, "oid": hashlib.sha1(f.read_bytes()).hexdigest()}
            for f in sorted(folder.iterdir())
        ]

    def answer(self, path: str) -> tuple[int, bytes, dict[str, str]]:
        """Status, body and headers for a GET of ``path``."""
        not_found = (404, b'{"error": "Repository not found"}', {"X-Error-Code": "RepoNotFound"})
        if path.startswith("/api/models/"):
            rest = path.removeprefix("/api/models/")
            repo = rest.split("/tree/")[0].split("/revision/")[0].rstrip("/")
            folder = self.repos.get(repo)
            if folder is None:
                return not_found
            payload: object = self._tree(folder) if "/tree/" in rest else self._info(repo, folder)
            return 200, json.dumps(payload).encode(), {"Content-Type": "application/json"}
        parts = path.strip("/").split("/")
        if "resolve" in parts:
            at = parts.index("resolve")
            folder = self.repos.get("/".join(parts[:at]))
            file = folder / "/".join(parts[at + 2 :]) if folder is not None else None
            if file is None or not file.is_file():
                return 404, b"", {"X-Error-Code": "EntryNotFound"}
            data = file.read_bytes()
            return 200, data, {"X-Repo-Commit": COMMIT, "ETag": f'"{hashlib.sha256(data).hexdigest()}"'}
        return not_found

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        mirror = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                """Quiet: the test reads ``mirror.requests`` instead."""

            def _reply(self, head: bool) -> None:
                path = unquote(urlparse(self.path).path)
                mirror.requests.append(f"{self.command} {path}")
                status, body, headers = mirror.answer(path)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if not head:
                    self.wfile.write(body)

            def do_GET(self) -> None:
                self._reply(head=False)

            def do_HEAD(self) -> None:
                self._reply(head=True)

        return Handler

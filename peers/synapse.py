"""A real Synapse homeserver for the tests and benchmarks: its own virtual environment, a config in a
temporary directory (SQLite, loopback, every rate limit raised), users made by shared-secret registration."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

SERVER_NAME = "localhost"
UNLIMITED = {"per_second": 10000, "burst_count": 10000}


@dataclass(frozen=True)
class Account:
    user_id: str
    password: str
    access_token: str
    device_id: str


def free_port() -> int:
    """A port nobody listens on now (Synapse cannot bind port 0 and tell us which it got)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def write_config(directory: Path, port: int, *, rc_message: dict[str, float] | None = None) -> Path:
    url = f"http://127.0.0.1:{port}/"
    config: dict[str, Any] = {
        "server_name": SERVER_NAME,
        "public_baseurl": url,
        "report_stats": False,
        "pid_file": str(directory / "homeserver.pid"),
        "listeners": [
            {
                "port": port,
                "bind_addresses": ["127.0.0.1"],
                "type": "http",
                "tls": False,
                "x_forwarded": False,
                "resources": [{"names": ["client"], "compress": False}],
            }
        ],
        "database": {"name": "sqlite3", "args": {"database": str(directory / "homeserver.db")}},
        "media_store_path": str(directory / "media"),
        "signing_key_path": str(directory / "signing.key"),
        "log_config": str(_log_config(directory)),
        "registration_shared_secret": secrets.token_hex(16),
        "macaroon_secret_key": secrets.token_hex(16),
        "form_secret": secrets.token_hex(16),
        "enable_registration": False,
        "bcrypt_rounds": 4,
        "federation_domain_whitelist": [],
        "trusted_key_servers": [],
        "suppress_key_server_warning": True,
        "url_preview_enabled": False,
        "presence": {"enabled": False},
        "rc_message": rc_message or UNLIMITED,
        "rc_registration": UNLIMITED,
        "rc_login": {"address": UNLIMITED, "account": UNLIMITED, "failed_attempts": UNLIMITED},
        "rc_joins": {"local": UNLIMITED, "remote": UNLIMITED},
        "rc_joins_per_room": UNLIMITED,
        "rc_invites": {"per_room": UNLIMITED, "per_user": UNLIMITED, "per_issuer": UNLIMITED},
        "rc_room_creation": UNLIMITED,
        "rc_admin_redaction": UNLIMITED,
        "rc_3pid_validation": UNLIMITED,
        "rc_media_create": UNLIMITED,
        "rc_delayed_event_mgmt": UNLIMITED,
        "max_upload_size": "10M",
    }
    path = directory / "homeserver.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def _log_config(directory: Path) -> Path:
    path = directory / "log.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "version": 1,
                "formatters": {"plain": {"format": "%(asctime)s %(name)s %(levelname)s %(message)s"}},
                "handlers": {
                    "file": {
                        "class": "logging.FileHandler",
                        "formatter": "plain",
                        "filename": str(directory / "homeserver.log"),
                    }
                },
                "root": {"level": "WARNING", "handlers": ["file"]},
                "disable_existing_loggers": False,
            }
        )
    )
    return path


class Synapse:
    """One running homeserver; ``stop`` ends it with SIGTERM."""

    def __init__(self, python: str, directory: Path, *, rc_message: dict[str, float] | None = None) -> None:
        self.directory = directory
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.config = write_config(directory, self.port, rc_message=rc_message)
        self._secret = str(yaml.safe_load(self.config.read_text())["registration_shared_secret"])
        self._log = (directory / "stdout.log").open("wb")
        self.process = subprocess.Popen(
            [str(Path(python).absolute()), "-m", "synapse.app.homeserver", "-c", str(self.config)],
            cwd=directory,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "SYNAPSE_ASYNC_IO_REACTOR": "0"},
        )
        self._wait_until_up()

    def _wait_until_up(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"Synapse exited with {self.process.returncode}: {self.tail()}")
            try:
                with urllib.request.urlopen(f"{self.url}/_matrix/client/versions", timeout=1):
                    return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"Synapse did not answer within {timeout:.0f} s: {self.tail()}")

    def tail(self) -> str:
        out = (self.directory / "stdout.log").read_text(errors="replace")[-2000:]
        log = self.directory / "homeserver.log"
        return out + (log.read_text(errors="replace")[-2000:] if log.exists() else "")

    def register(self, username: str, password: str = "", *, admin: bool = False) -> Account:
        """A new user by shared-secret registration (the admin API); returns its access token."""
        password = password or secrets.token_hex(8)
        endpoint = f"{self.url}/_synapse/admin/v1/register"
        nonce = request("GET", endpoint)["nonce"]
        mac = hmac.new(self._secret.encode(), digestmod=hashlib.sha1)
        mac.update(b"\x00".join([nonce.encode(), username.encode(), password.encode()]))
        mac.update(b"\x00admin" if admin else b"\x00notadmin")
        body = {"nonce": nonce, "username": username, "password": password, "admin": admin}
        result = request("POST", endpoint, {**body, "mac": mac.hexdigest()})
        return Account(result["user_id"], password, result["access_token"], result["device_id"])

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()


def request(method: str, url: str, body: dict[str, Any] | None = None, token: str = "") -> Any:
    """One JSON call to the homeserver's HTTP API (as ``token``'s user when given); its decoded answer."""
    data = json.dumps(body).encode() if body is not None else None
    call = urllib.request.Request(url, data=data, method=method)
    call.add_header("Content-Type", "application/json")
    if token:
        call.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(call, timeout=30) as response:
        return json.loads(response.read() or b"{}")

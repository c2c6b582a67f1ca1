"""The board's health check from outside: ``python -m coord.web.health [--wait SECONDS]`` exits 0 once
``/healthz`` answers on this host (COORD_WEB_PORT, else 8080), 1 otherwise. Used by compose and systemd."""

from __future__ import annotations

import os
import sys
import time
import urllib.request


def healthy(port: str) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=3) as response:
            return bool(response.status == 200)
    except OSError:
        return False


def main(argv: list[str]) -> int:
    wait = float(argv[argv.index("--wait") + 1]) if "--wait" in argv else 0.0
    port = os.environ.get("COORD_WEB_PORT") or "8080"
    deadline = time.monotonic() + wait
    while not healthy(port):
        if time.monotonic() >= deadline:
            return 1
        time.sleep(0.5)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

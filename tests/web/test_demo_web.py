"""``coord demo --web`` as its user runs it: a real process simulates the day, prints a sign-in link and
serves the board; the test reads the link, checks /healthz, signs in and sees Today, then stops it."""

from __future__ import annotations

import os
import queue
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

COORD = Path(sys.executable).with_name("coord")
#: The demo simulates its day in about ten seconds; a slow shared machine gets generous room.
STARTUP = 120.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_coord_demo_web_serves_the_day_with_a_sign_in_link(tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("COORD_")}
    env |= {"COORD_LANGUAGE": "en", "HOME": str(tmp_path), "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [str(COORD), "demo", "--web", "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: queue.Queue[str] = queue.Queue()
    output = process.stdout
    assert output is not None

    def read() -> None:
        for line in output:
            lines.put(line)

    threading.Thread(target=read, daemon=True).start()
    seen: list[str] = []
    kept: Path | None = None
    try:
        link = ""
        deadline = time.monotonic() + STARTUP
        while not link and time.monotonic() < deadline:
            try:
                line = lines.get(timeout=1)
            except queue.Empty:
                assert process.poll() is None, "".join(seen)
                continue
            seen.append(line)
            if found := re.search(r"kept in (\S+demo\.db)", line):
                kept = Path(found.group(1))
            if found := re.search(rf"(http://127\.0\.0\.1:{port}/signin/\S+)", line):
                link = found.group(1)
        assert link, "no sign-in link printed:\n" + "".join(seen)
        assert any("sees it" in line for line in seen)
        base = f"http://127.0.0.1:{port}"
        with httpx.Client(base_url=base, timeout=10, follow_redirects=True) as client:
            for _ in range(100):  # the server starts just after the link is printed
                try:
                    health = client.get("/healthz")
                    break
                except httpx.ConnectError:
                    time.sleep(0.2)
            assert health.status_code == 200 and health.text == "ok"
            path = link.removeprefix(base)
            assert client.get(path).status_code == 200  # the button page spends nothing
            signed = client.post(path)
            assert signed.status_code == 200 and str(signed.url).endswith("/today")
            assert "罗文" in signed.text  # the seeded coordinator
            assert client.get("/requests").status_code == 200
            again = httpx.post(base + path, timeout=10)
            assert again.status_code == 403  # the link works once
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
        if kept is not None and kept.parent.name.startswith("coord_demo_"):
            shutil.rmtree(kept.parent, ignore_errors=True)
    assert process.returncode is not None

"""``COORD_LOG_FORMAT=json``: a long-running process logs one JSON object a line, with no private text."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.workers.test_run import a_message


def test_coord_run_logs_json_lines(tmp_path: Path) -> None:
    # Given a message waiting for a volunteer, and coord run told to log JSON
    url = f"sqlite:///{tmp_path / 'coord.db'}"
    a_message(url)
    env = {**os.environ, "COORD_DATABASE_URL": url, "COORD_LOG_FORMAT": "json", "PYTHONUNBUFFERED": "1"}
    env.pop("COORD_REDIS_URL", None)
    log = tmp_path / "run.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "coord", "run", "--threads", "2"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=tmp_path,
        )
        try:
            # When it has delivered the message (to the console) and stopped
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and "Hello" not in log.read_text():
                assert process.poll() is None, log.read_text()
                time.sleep(0.2)
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=30) == 0
        finally:
            if process.poll() is None:
                process.kill()
    # Then every line of the log is one JSON object with the time, level, logger and message
    lines = [json.loads(line) for line in log.read_text().splitlines() if line.strip()]
    assert lines, "nothing was logged"
    assert all({"time", "level", "logger", "message"} <= set(line) for line in lines)
    messages = [line["message"] for line in lines]
    assert any("embedded workers started" in m for m in messages)
    assert any("embedded workers stopped" in m for m in messages)

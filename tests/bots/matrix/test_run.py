"""``coord run`` as a whole with the Matrix settings: a subprocess with its workers, scheduler and the
Matrix bot; a newcomer joins with an invite code and claims a shift; SIGTERM stops it with exit code 0."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from coord.clock import utcnow
from coord.db import make_engine, make_session_factory
from coord.migrate import upgrade
from coord.models import InviteRole
from coord.services.people.invites import create_invite
from coord.services.work.tasks import create_task
from peers.matrix_people import Person, Received
from peers.synapse import Synapse
from tests.factories import SYSTEM, build_world


def a_community(url: str) -> tuple[str, int]:
    """A community with an open gate shift in three hours and an invite code, dated by the real clock."""
    engine = make_engine(url)
    upgrade(engine)
    now = utcnow()
    with make_session_factory(engine)() as session, session.begin():
        world = build_world(session)
        task = create_task(
            session=session,
            actor=SYSTEM,
            community=world.community,
            kind="gate_shift",
            title="West gate night",
            team=world.gate_team,
            place=world.north_gate,
            starts_at=now + timedelta(hours=3),
            ends_at=now + timedelta(hours=6),
            capacity=2,
            now=now,
        )
        invite = create_invite(
            session=session,
            actor=SYSTEM,
            community=world.community,
            role=InviteRole.VOLUNTEER,
            team=world.gate_team,
            now=now,
        )
        found = invite.code, task.id
    engine.dispose()
    return found


def test_coord_run_with_matrix_onboards_a_volunteer_who_claims_then_stops_on_sigterm(
    synapse: Synapse, tmp_path: Path
) -> None:
    import asyncio

    # Given a database, a bot account and a newcomer who has opened a direct chat with it
    url = f"sqlite:///{tmp_path / 'coord.db'}"
    code, task_id = a_community(url)
    bot = synapse.register("coordrun")
    newcomer = Person(synapse.register("newcomer-run"), synapse.url)
    loop = asyncio.new_event_loop()
    dm = loop.run_until_complete(newcomer.open_direct_chat(bot.user_id))
    env = {
        **os.environ,
        "COORD_DATABASE_URL": url,
        "COORD_MATRIX_HOMESERVER": synapse.url,
        "COORD_MATRIX_USER_ID": bot.user_id,
        "COORD_MATRIX_PASSWORD": bot.password,
        "COORD_MATRIX_STORE_PATH": str(tmp_path / "matrix-store"),
    }
    env.pop("COORD_REDIS_URL", None)
    log = (tmp_path / "run.log").open("wb")
    # When `coord run` starts and the newcomer sends the code, then claims
    process = subprocess.Popen(
        [sys.executable, "-c", "from coord.entrypoints.cli import main; main()", "run", "--threads", "2"],
        cwd=tmp_path,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:

        async def story() -> list[list[Received]]:
            await newcomer.until_joined(dm, {bot.user_id}, timeout=60)
            said = []
            for text in (f"/start {code}", f"claim {task_id}"):
                await newcomer.catch_up()
                said.append(await newcomer.until_read(await newcomer.say(dm, text), bot.user_id))
            await newcomer.close()
            return said

        welcome, claimed = loop.run_until_complete(story())
    finally:
        process.send_signal(signal.SIGTERM)
        code_on_exit = process.wait(timeout=60)
        log.close()
        loop.close()
    output = (tmp_path / "run.log").read_text(errors="replace")
    # Then the newcomer was welcomed and holds the shift, and the service stopped cleanly
    assert any("Welcome" in m.body for m in welcome), output[-3000:]
    assert any(f"You have task #{task_id}" in m.body for m in claimed), output[-3000:]
    assert code_on_exit == 0, output[-3000:]
    assert "Matrix bot stopped" in output
    assert (tmp_path / "matrix-store" / "credentials.json").exists()

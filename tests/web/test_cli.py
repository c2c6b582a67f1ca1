"""``coord web link --as``: the operator prints a one-time sign-in link, which opens the board once."""

from __future__ import annotations

from pathlib import Path

from starlette.testclient import TestClient
from typer.testing import CliRunner, Result

from coord.db import make_engine, make_session_factory
from coord.entrypoints.cli import app
from coord.settings import load_settings
from coord.web import create_app
from tests.conftest import FreshDatabase

runner = CliRunner()


def coord(url: str, *args: str) -> Result:
    env = {"COORD_DATABASE_URL": url, "COORD_LANGUAGE": "en", "COORD_WEB_BASE_URL": "http://board.test"}
    return runner.invoke(app, list(args), env=env)


def test_the_operator_prints_a_link_for_a_coordinator_not_a_volunteer(tmp_path: Path) -> None:
    # Given the seeded demo community
    fresh = FreshDatabase("sqlite", tmp_path)
    url = fresh.url()
    for args in (("init",), ("seed", "--demo")):
        assert coord(url, *args).exit_code == 0
    # When the operator asks for links for the coordinator and for a volunteer
    printed = coord(url, "web", "link", "--as", "罗文")
    refused = coord(url, "web", "link", "--as", "程华英")
    # Then the coordinator's opens the board once; the volunteer gets none
    assert printed.exit_code == 0, printed.output
    link = printed.output.strip()
    assert link.startswith("http://board.test/signin/")
    assert refused.exit_code != 0 and "captains and coordinators" in refused.output
    engine = make_engine(url)
    board = create_app(load_settings(database_url=url), factory=make_session_factory(engine))
    client = TestClient(board, base_url="http://board.test")
    path = link.removeprefix("http://board.test")
    assert client.post(path, follow_redirects=False).status_code == 303
    assert "罗文" in client.get("/today").text
    assert TestClient(board).post(path, follow_redirects=False).status_code == 403
    engine.dispose()
    fresh.close()

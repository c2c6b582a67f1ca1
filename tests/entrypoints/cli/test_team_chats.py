"""``coord team link``, ``coord team unlink`` and ``coord team chats`` against a real database (a SQLite
file and a PostgreSQL schema): the operator links and unlinks; acting ``--as`` someone who does not lead
the team is refused in one line and changes nothing."""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from coord.db import make_engine
from coord.models import Event, TeamChat
from tests.conftest import FreshDatabase
from tests.entrypoints.cli.test_cli import coord, events, ok, one_line_error

GROUP = "telegram:-1001234567890"


@pytest.fixture
def url(fresh_db: FreshDatabase) -> Iterator[str]:
    """A community with two teams, each with a captain, a volunteer, and a coordinator."""
    address = fresh_db.url()
    ok(address, "init")
    ok(address, "community", "create", "万科嘉园")
    for team, captain, volunteer in (("门岗防控组", "陈队长", "刘芳"), ("应急组", "王队长", "李明")):
        ok(address, "team", "create", team)
        ok(address, "person", "add", captain, "--team", team)
        ok(address, "team", "add-member", team, captain, "--role", "captain")
        ok(address, "person", "add", volunteer, "--team", team)
    ok(address, "person", "add", "周书记")
    ok(address, "coordinator", "add", "周书记")
    yield address


@pytest.fixture
def db(url: str) -> Iterator[Engine]:
    engine = make_engine(url)
    yield engine
    engine.dispose()


def linked(db: Engine) -> list[tuple[str, str, str]]:
    with Session(db) as session:
        rows = session.execute(
            select(TeamChat.network, TeamChat.chat_id, TeamChat.team_id).order_by(TeamChat.id)
        ).all()
        return [(network, chat_id, str(team_id)) for network, chat_id, team_id in rows]


def test_the_operator_links_lists_and_unlinks_team_chats(url: str, db: Engine) -> None:
    assert "No team has a group chat yet" in ok(url, "team", "chats")
    said = ok(url, "team", "link", "门岗防控组", GROUP)
    assert "The telegram chat -1001234567890 is now the chat of team 门岗防控组." in said
    ok(url, "team", "link", "应急组", "matrix:!abcdef:example.org", "--as", "周书记")
    listed = ok(url, "team", "chats")
    assert re.search(r"门岗防控组\s+telegram\s+-1001234567890", listed)
    assert re.search(r"应急组\s+matrix\s+!abcdef:example.org", listed)
    # The team's captain may unlink its chat; the operator may unlink any
    ok(url, "team", "unlink", "matrix:!abcdef:example.org", "--as", "王队长")
    assert "no longer the chat of team 门岗防控组" in ok(url, "team", "unlink", GROUP)
    assert linked(db) == []
    with Session(db) as session:
        recorded = session.scalars(
            select(Event).where(Event.action.like("team_chat_%")).order_by(Event.id)
        ).all()
        assert [e.action for e in recorded] == ["team_chat_linked"] * 2 + ["team_chat_unlinked"] * 2
        assert [e.channel for e in recorded] == ["cli"] * 4
        assert recorded[1].actor_id is not None and recorded[0].actor_id is None  # --as names the person
        assert recorded[0].data["chat_id"] == "-1001234567890" and recorded[2].data["reason"] == "unlinked"


REFUSED = [
    ("team link 门岗防控组 telegram:-100777 --as 刘芳", "Only the team's captain or a coordinator"),
    ("team link 门岗防控组 telegram:-100777 --as 王队长", "Only the team's captain or a coordinator"),
    ("team link 应急组 telegram:-100555 --as 王队长", "only its captain or a coordinator can change that"),
    ("team unlink telegram:-100555 --as 刘芳", "Only the team's captain or a coordinator"),
    ("team unlink telegram:-100999", "not the chat of any team"),
    ("team link 门岗防控组 100777", "NETWORK:ID"),
    ("team link 门岗防控组 telegram", "NETWORK:ID"),
    ("team link 不存在的队 telegram:-100777", "There is no team"),
    ("team link 门岗防控组 telegram:-100777 --as 无名氏", "There is no person"),
]


@pytest.mark.parametrize(("command", "says"), REFUSED, ids=[c for c, _ in REFUSED])
def test_who_may_not_link_or_unlink_is_refused_and_nothing_changes(
    url: str, db: Engine, command: str, says: str
) -> None:
    ok(url, "team", "link", "门岗防控组", "telegram:-100555", "--as", "陈队长")
    before, chats = events(db), linked(db)
    message = one_line_error(coord(url, *shlex.split(command)))
    assert says in message
    assert events(db) == before and linked(db) == chats


def test_refusals_are_in_the_cli_language(url: str) -> None:
    result = coord(url, "team", "unlink", "telegram:-100999", language="zh")
    assert one_line_error(result) == "本群还没有绑定任何队伍。"

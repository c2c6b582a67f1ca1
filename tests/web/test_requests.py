"""The board's Requests page over HTTP, on SQLite and PostgreSQL: the queue by building (urgent, overdue,
possible duplicates), the cut-off countdown, today's runs and their doors; who may read it; every address
shown recorded in the privacy read log; the wall counts only."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from coord.models import HouseholdRequest, PrivateRead, RequestChannel, RequestRun
from coord.services import requests as rq
from coord.services.people.access import Actor
from coord.services.work import claims
from tests.web.conftest import Scene


def order(scene: Scene, items: str, household: int = 0) -> int:
    """A captain enters a request for a household of the test community."""
    with scene.factory() as session, session.begin():
        found = rq.place_request(
            session=session,
            actor=Actor(scene.world.supply_captain, "test"),
            household=session.get_one(type(scene.world.households[0]), scene.world.households[household].id),
            items=items,
            channel=RequestChannel.CAPTAIN,
            now=scene.clock.now(),
        )
        return found.id


def reads(scene: Scene) -> list[tuple[int | None, str, str]]:
    return scene.read(
        lambda s: list(
            s.execute(select(PrivateRead.household_id, PrivateRead.channel, PrivateRead.what)).tuples()
        )
    )


@pytest.fixture
def queued(scene: Scene) -> Scene:
    """Building 1's household asks twice for rice (the second flagged), Building 2's for medicine."""
    order(scene, "rice 2 bags, eggs 10")
    order(scene, "rice 2 bags, eggs 10")
    order(scene, "降压药 1盒", household=1)
    return scene


def test_a_coordinator_sees_the_queue_by_building_and_the_reads_are_recorded(queued: Scene) -> None:
    page = queued.signed_in(queued.world.coordinator).get("/requests")
    assert page.status_code == 200
    text = page.text
    assert "Building 1" in text and "Building 2" in text
    assert "Building 1-2-301" in text and "Building 2-1-502" in text  # addresses: the service allows a lead
    assert "possible duplicate of #1" in text and "1 possible duplicate<" in text
    assert "1 urgent" in text and "flag urgent" in text
    assert "Orders close at 20:00 (in 6 h 0 min)" in text  # NOW is 14:00 in Shanghai
    assert "13800000001" not in text and "Wang Lan" not in text  # no phone, no name
    recorded = reads(queued)
    households = {h for h, _, _ in recorded}
    assert households == {queued.world.households[0].id, queued.world.households[1].id}
    assert {(c, w) for _, c, w in recorded} == {("board", "requests")}


def test_a_page_that_refreshes_itself_records_each_address_once_an_hour(queued: Scene) -> None:
    """The live page renders again after every change: the same reader's view of the same household within
    the hour is not recorded again (the log would grow by the whole queue at each change), after it is."""
    client = queued.signed_in(queued.world.coordinator)
    for _ in range(3):
        assert client.get("/requests").status_code == 200
    assert len(reads(queued)) == 2
    queued.clock.advance(timedelta(minutes=61))
    assert client.get("/requests").status_code == 200
    assert len(reads(queued)) == 4


def test_requests_open_longer_than_the_setting_are_overdue(queued: Scene) -> None:
    client = queued.signed_in(queued.world.coordinator)
    assert "flag overdue" not in client.get("/requests").text
    queued.clock.advance(timedelta(hours=37))  # the default setting: 36 hours
    text = queued.signed_in(queued.world.coordinator).get("/requests").text
    assert "flag overdue" in text and "3 overdue" not in text  # per building
    assert "2 overdue" in text and "1 overdue" in text


def test_the_countdown_runs_to_tomorrows_cutoff_once_todays_passed(scene: Scene) -> None:
    scene.clock.advance(timedelta(hours=7))  # 21:00
    text = scene.signed_in(scene.world.coordinator).get("/requests").text
    assert "Orders close at 12-" in text or "(in 23 h 0 min)" in text
    assert "No open requests." in text and "No runs yet today." in text


def test_todays_runs_show_their_doors(queued: Scene) -> None:
    with queued.factory() as session, session.begin():
        rq.set_request_settings(
            session=session, actor=Actor.system("test"), community_id=queued.world.community.id, team=None
        )
        community = session.get_one(type(queued.world.community), queued.world.community.id)
        rq.keep_duplicate(
            session=session,
            actor=Actor(queued.world.coordinator, "test"),
            request_id=2,
            now=queued.clock.now(),
        )
        runs = rq.close_orders_now(
            session=session,
            actor=Actor(queued.world.coordinator, "test"),
            community=community,
            now=queued.clock.now(),
        )
        assert [r.label for r in runs] == ["Building 1"]
        run_task = runs[0].run_task_id
        assert run_task is not None
    with queued.factory() as session, session.begin():
        helper = queued.world.supply_volunteers[0]
        claims.claim(session=session, actor=Actor(helper, "test"), task_id=run_task, now=queued.clock.now())
        rq.mark_door(
            session=session,
            actor=Actor(helper, "test"),
            request_id=1,
            outcome="delivered",
            now=queued.clock.now(),
        )
    text = queued.signed_in(queued.world.coordinator).get("/requests").text
    row = text[text.index('<table class="runs">') : text.index("</table>")]
    assert "Building 1" in row and f"#{run_task}" in row
    cells = [c.split("</td>")[0] for c in row.split("<td>")[2:]]
    assert cells == ["2", "1", "0", "0", "1"]  # doors, delivered, not at home, refused, left
    # a run of yesterday is not today's
    queued.clock.advance(timedelta(days=1, hours=1))
    assert "No runs yet today." in queued.signed_in(queued.world.coordinator).get("/requests").text
    assert queued.read(lambda s: len(list(s.scalars(select(RequestRun))))) == 1


def test_a_captain_sees_what_the_requests_service_lets_leads_see(queued: Scene) -> None:
    page = queued.signed_in(queued.world.gate_captain).get("/requests")
    assert page.status_code == 200 and "Building 1-2-301" in page.text
    assert {r for _, r, _ in reads(queued)} == {"board"}


def test_the_page_is_in_the_readers_language(queued: Scene) -> None:
    with queued.factory() as session, session.begin():
        session.get_one(type(queued.world.coordinator), queued.world.coordinator.id).language = "zh"
    text = queued.signed_in(queued.world.coordinator).get("/requests").text
    assert "居民需求" in text and "20:00 截单" in text and "可能与 #1 重复" in text


def test_the_wall_counts_requests_and_names_no_household(queued: Scene) -> None:
    before = len(reads(queued))
    text = queued.signed_in(queued.world.coordinator).get("/wall").text
    assert "Open requests" in text and "<b>3</b> Open requests" in text
    assert "2-301" not in text and "1-502" not in text and "rice" not in text
    assert len(reads(queued)) == before  # nothing private read


def test_a_stranger_is_sent_to_sign_in(queued: Scene) -> None:
    response = queued.client().get("/requests", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/signin"
    assert queued.read(lambda s: len(list(s.scalars(select(HouseholdRequest))))) == 3


def test_buildings_are_listed_in_their_numbers_order() -> None:
    from coord.services.board.today import natural_key

    assert sorted(["10栋", "2栋", "1栋", "Building 11", "Building 3"], key=natural_key) == [
        "1栋",
        "2栋",
        "Building 3",
        "10栋",
        "Building 11",
    ]


def test_a_list_longer_than_the_page_shows_is_said_to_be_cut(
    queued: Scene, monkeypatch: pytest.MonkeyPatch
) -> None:
    from coord.services.board import requests as page

    client = queued.signed_in(queued.world.coordinator)
    assert "Only the newest" not in client.get("/requests").text
    monkeypatch.setattr(page, "MAX_SHOWN", 2)
    text = client.get("/requests").text
    assert "Only the newest 2 open requests are listed and counted." in text
    assert text.count("<tr class=") == 2  # two of the three requests listed

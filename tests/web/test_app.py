"""The board over HTTP (Starlette's TestClient against the ASGI app), on SQLite and PostgreSQL: sign-in links,
sessions and their cookie, the CSRF rule on every change, and who may see and do what."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from coord.errors import NotAllowed
from coord.models import Assignment, Event, Notification, Person, WebLink, WebSession
from coord.services.board import issue_link
from tests.conftest import FreshDatabase
from tests.web.conftest import Scene, build_scene

PAGES = ["/today", "/wall", "/watch", "/teams", "/report", "/requests", "/households/1", "/today?part=live"]


def _holders(scene: Scene, task_id: int) -> int:
    return int(scene.read(lambda s: s.scalar(select(func.count()).where(Assignment.task_id == task_id))))


# Sign-in -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", PAGES)
def test_a_stranger_sees_only_the_sign_in_page(scene: Scene, path: str) -> None:
    response = scene.client().get(path, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/signin"
    assert scene.client().get("/live").status_code == 401
    page = scene.client().get("/signin")
    assert page.status_code == 200 and "/web" in page.text


def test_a_strangers_change_is_refused_and_changes_nothing(scene: Scene) -> None:
    response = scene.client().post(
        f"/tasks/{scene.gate_task}/assign",
        data={"person": "Volunteer 1", "csrf": "x"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert _holders(scene, scene.gate_task) == 0


def test_a_volunteer_gets_no_link(scene: Scene) -> None:
    with pytest.raises(NotAllowed), scene.factory() as session:
        issue_link(
            session, person=session.get_one(Person, scene.world.volunteers[0].id), now=scene.clock.now()
        )


def test_a_link_signs_in_once_with_a_safe_cookie(scene: Scene) -> None:
    token = scene.link(scene.world.coordinator)
    client = scene.client()
    # the link's page spends nothing (a chat's link preview may fetch it); pressing the button does
    assert client.get(f"/signin/{token}").status_code == 200
    response = client.post(f"/signin/{token}", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/today"
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "secure" not in cookie
    assert client.get("/today").status_code == 200
    # used again (another browser): refused, and no second session
    again = scene.client().post(f"/signin/{token}", follow_redirects=False)
    assert again.status_code == 403 and "already used" in again.text
    assert scene.read(lambda s: s.scalar(select(func.count()).select_from(WebSession))) == 1
    # the database keeps only the token's hash
    stored = scene.read(lambda s: list(s.scalars(select(WebLink.token_hash))))
    assert token not in stored and len(stored) == 1


def test_an_expired_link_is_refused(scene: Scene) -> None:
    token = scene.link(scene.world.coordinator)
    scene.clock.advance(timedelta(minutes=11))
    response = scene.client().post(f"/signin/{token}", follow_redirects=False)
    assert response.status_code == 403 and "expired" in response.text
    assert scene.client().post("/signin/not-a-token", follow_redirects=False).status_code == 403


def test_the_cookie_is_secure_behind_https(fresh_db: FreshDatabase) -> None:
    scene = build_scene(fresh_db, web_base_url="https://board.example.org")
    response = scene.client().post(f"/signin/{scene.link(scene.world.coordinator)}", follow_redirects=False)
    assert "secure" in response.headers["set-cookie"].lower()


def test_a_session_expires_and_signing_out_ends_it(scene: Scene) -> None:
    client = scene.signed_in(scene.world.coordinator)
    csrf = scene.csrf(client)
    # signing out without the CSRF token does not (a forged sign-out)
    assert client.post("/signout", data={}, follow_redirects=False).status_code == 403
    assert client.post("/signout", data={"csrf": csrf}, follow_redirects=False).status_code == 303
    assert client.get("/today", follow_redirects=False).status_code == 303
    other = scene.signed_in(scene.world.coordinator)
    scene.clock.advance(timedelta(hours=scene.settings.web_session_hours, minutes=1))
    assert other.get("/today", follow_redirects=False).status_code == 303


def test_a_captain_who_is_no_longer_one_is_signed_out(scene: Scene) -> None:
    from coord.models import Membership, TeamRole

    client = scene.signed_in(scene.world.gate_captain)
    with scene.factory() as session, session.begin():
        membership = session.scalar(
            select(Membership).where(Membership.person_id == scene.world.gate_captain.id)
        )
        assert membership is not None
        membership.role = TeamRole.VOLUNTEER
    assert client.get("/today", follow_redirects=False).status_code == 303


# CSRF and actions ----------------------------------------------------------------------------------


@pytest.mark.parametrize("sent", [None, "", "forged"])
def test_a_change_without_its_csrf_token_is_refused(scene: Scene, sent: str | None) -> None:
    client = scene.signed_in(scene.world.coordinator)
    data = {"person": "Volunteer 1"} | ({"csrf": sent} if sent is not None else {})
    for action in ("assign", "cancel"):
        response = client.post(f"/tasks/{scene.gate_task}/{action}", data=data)
        assert response.status_code == 403
    assert _holders(scene, scene.gate_task) == 0
    assert scene.task(scene.gate_task).status == "open"


def test_a_coordinator_assigns_a_free_place_and_the_volunteer_is_told(scene: Scene) -> None:
    client = scene.signed_in(scene.world.coordinator)
    response = client.post(
        f"/tasks/{scene.gate_task}/assign", data={"person": "Volunteer 1", "csrf": scene.csrf(client)}
    )
    assert response.status_code == 200 and "given to Volunteer 1" in response.text
    assert _holders(scene, scene.gate_task) == 1
    told = scene.read(
        lambda s: s.scalars(
            select(Notification.msgid).where(Notification.person_id == scene.world.volunteers[0].id)
        ).all()
    )
    assert told, "the volunteer is told in chat (a notification in the outbox)"
    channel = scene.read(lambda s: s.scalar(select(Event.channel).where(Event.action == "assigned")))
    assert channel == "web"


def test_two_coordinators_give_the_last_place_one_wins_the_other_is_told(scene: Scene) -> None:
    first, second = scene.signed_in(scene.world.coordinator), scene.signed_in(scene.world.coordinator)
    one, two = scene.csrf(first), scene.csrf(second)
    assert first.post(
        f"/tasks/{scene.gate_task}/assign", data={"person": "Volunteer 1", "csrf": one}
    ).is_success
    assert first.post(
        f"/tasks/{scene.gate_task}/assign", data={"person": "Volunteer 2", "csrf": one}
    ).is_success
    late = second.post(f"/tasks/{scene.gate_task}/assign", data={"person": "Volunteer 3", "csrf": two})
    assert late.status_code == 409 and 'class="problem"' in late.text
    assert _holders(scene, scene.gate_task) == 2


def test_a_captain_cannot_act_on_another_teams_work(scene: Scene) -> None:
    client = scene.signed_in(scene.world.gate_captain)
    csrf = scene.csrf(client)
    supply_round = scene.rounds[-1]
    response = client.post(f"/tasks/{supply_round}/assign", data={"person": "Helper 1", "csrf": csrf})
    assert response.status_code == 409
    assert client.post(f"/tasks/{supply_round}/cancel", data={"csrf": csrf}).status_code == 409
    assert _holders(scene, supply_round) == 0 and scene.task(supply_round).status == "open"
    # their own team's shift they may cancel
    assert client.post(f"/tasks/{scene.gate_task}/cancel", data={"csrf": csrf}).status_code == 200
    assert scene.task(scene.gate_task).status == "cancelled"


# Private pages ---------------------------------------------------------------------------------------


def test_a_captain_cannot_open_another_teams_household_by_its_url(scene: Scene) -> None:
    from coord.models import Household

    # the blue household's responsible person is on the supply team
    blue = scene.world.households[1].id
    with scene.factory() as session, session.begin():
        session.get_one(Household, blue).watch_lead_id = scene.world.supply_volunteers[0].id
    gate_captain = scene.signed_in(scene.world.gate_captain)
    refused = gate_captain.get(f"/households/{blue}")
    assert refused.status_code == 404 and "13800000002" not in refused.text
    assert "13800000002" not in gate_captain.get("/watch").text
    supply_captain = scene.signed_in(scene.world.supply_captain)
    shown = supply_captain.get(f"/households/{blue}")
    assert shown.status_code == 200 and "13800000002" in shown.text
    coordinator = scene.signed_in(scene.world.coordinator)
    assert coordinator.get(f"/households/{blue}").status_code == 200
    # every view of a household's details is written to the event log, with who and through which channel
    reads = scene.read(
        lambda s: s.execute(
            select(Event.actor_id, Event.channel).where(Event.action == "household_read")
        ).all()
    )
    assert sorted(reads) == sorted(
        [(scene.world.supply_captain.id, "web"), (scene.world.coordinator.id, "web")]
    )


def test_the_wall_shows_no_address_or_phone(scene: Scene) -> None:
    wall = scene.signed_in(scene.world.coordinator).get("/wall").text
    for household in scene.world.households:
        assert household.phone not in wall
        assert household.contact_name not in wall
        assert f"{household.unit}-{household.room}" not in wall
    assert "Building 1" in wall  # the matrix is there


def test_reports_are_for_coordinators(scene: Scene) -> None:
    assert scene.signed_in(scene.world.gate_captain).get("/report").status_code == 403
    coordinator = scene.signed_in(scene.world.coordinator)
    assert coordinator.get("/report").status_code == 200
    chart = coordinator.get("/report/chart.png")
    assert chart.status_code == 200 and chart.content.startswith(b"\x89PNG")


def test_a_poster_for_the_captains_own_team_only(scene: Scene) -> None:
    client = scene.signed_in(scene.world.gate_captain)
    csrf = scene.csrf(client)
    poster = client.post(f"/teams/{scene.world.gate_team.id}/poster", data={"csrf": csrf})
    assert poster.status_code == 200 and "<svg" in poster.text
    other = client.post(f"/teams/{scene.world.supply_team.id}/poster", data={"csrf": csrf})
    assert other.status_code == 403
    assert client.post(f"/teams/{scene.world.gate_team.id}/poster", data={}).status_code == 403


def test_pages_speak_the_readers_language(scene: Scene) -> None:
    with scene.factory() as session, session.begin():
        session.get_one(Person, scene.world.coordinator.id).language = "zh"
    client = scene.signed_in(scene.world.coordinator)
    page = client.get("/today").text
    assert 'lang="zh-CN"' in page and "无人认领" in page and "退出登录" in page
    assert "Unfilled" not in page and "Sign out" not in page
    english = scene.signed_in(scene.world.gate_captain).get("/today").text
    assert "Unfilled" in english and "无人认领" not in english
    assert "挂图作战" in scene.client().get("/signin?lang=zh").text


def test_live_moves_when_something_happens(scene: Scene) -> None:
    from coord.services.people.access import Actor
    from coord.services.work import claim

    client = scene.signed_in(scene.world.gate_captain)
    before = client.get("/live").json()["last"]
    with scene.factory() as session, session.begin():
        volunteer = session.get_one(Person, scene.world.volunteers[0].id)
        claim(session=session, actor=Actor(volunteer, "test"), task_id=scene.gate_task, now=scene.clock.now())
    assert client.get("/live").json()["last"] > before
    assert "Volunteer 1" in client.get("/today?part=live").text


def test_healthz(scene: Scene) -> None:
    assert scene.client().get("/healthz").text == "ok"


def test_two_coordinators_at_once_one_wins_nothing_is_double_booked(scene: Scene) -> None:
    import threading

    # Given one place left in the gate shift, and two coordinators' browsers on the board
    first, second = scene.signed_in(scene.world.coordinator), scene.signed_in(scene.world.coordinator)
    one, two = scene.csrf(first), scene.csrf(second)
    assert first.post(
        f"/tasks/{scene.gate_task}/assign", data={"person": "Volunteer 1", "csrf": one}
    ).is_success
    start = threading.Barrier(2)
    statuses: dict[str, int] = {}

    def give(client: Any, csrf: str, name: str) -> None:
        start.wait()
        response = client.post(f"/tasks/{scene.gate_task}/assign", data={"person": name, "csrf": csrf})
        statuses[name] = response.status_code

    # When both give the last place to different people at the same moment
    threads = [
        threading.Thread(target=give, args=(first, one, "Volunteer 2")),
        threading.Thread(target=give, args=(second, two, "Volunteer 3")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    # Then one is given it, the other is told (409, the reason on the page), and the shift holds two
    assert sorted(statuses.values()) == [200, 409]
    assert _holders(scene, scene.gate_task) == 2
    assert scene.task(scene.gate_task).filled == 2


def test_a_captain_deactivates_their_own_member_with_a_reason(scene: Scene) -> None:
    client = scene.signed_in(scene.world.gate_captain)
    csrf = scene.csrf(client)
    mine, theirs = scene.world.volunteers[0], scene.world.supply_volunteers[0]

    def active(person: Person) -> bool:
        return bool(scene.read(lambda s: s.get_one(Person, person.id).active))

    assert client.post(f"/people/{mine.id}/deactivate", data={"reason": "ill"}).status_code == 403
    no_reason = client.post(f"/people/{mine.id}/deactivate", data={"reason": " ", "csrf": csrf})
    assert no_reason.status_code == 409 and "why" in no_reason.text and active(mine)
    other = client.post(f"/people/{theirs.id}/deactivate", data={"reason": "ill", "csrf": csrf})
    assert other.status_code == 409 and active(theirs)
    done = client.post(f"/people/{mine.id}/deactivate", data={"reason": "ill", "csrf": csrf})
    assert done.status_code == 200 and "Volunteer 1 is deactivated" in done.text and not active(mine)


def test_hours_over_a_chosen_period_and_the_report_as_csv(scene: Scene) -> None:
    coordinator = scene.signed_in(scene.world.coordinator)
    assert "Hours, last 30 days" in coordinator.get("/teams?days=30").text
    assert "Hours, last 7 days" in coordinator.get("/teams?days=5000").text  # not offered: the default
    csv = coordinator.get("/report.csv")
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert scene.signed_in(scene.world.gate_captain).get("/report.csv").status_code == 403


def test_bad_input_is_told_in_the_readers_language_and_changes_nothing(scene: Scene) -> None:
    with scene.factory() as session, session.begin():
        session.get_one(Person, scene.world.coordinator.id).language = "zh"
    client = scene.signed_in(scene.world.coordinator)
    response = client.post(
        f"/tasks/{scene.gate_task}/assign", data={"person": "Nobody", "csrf": scene.csrf(client)}
    )
    assert response.status_code == 409 and "Nobody" in response.text and "There is no" not in response.text
    assert _holders(scene, scene.gate_task) == 0
    assert client.post("/tasks/99999999999/cancel", data={"csrf": scene.csrf(client)}).status_code == 409


def test_every_answer_carries_safe_headers_and_pages_are_not_cached(scene: Scene) -> None:
    client = scene.signed_in(scene.world.coordinator)
    household = scene.world.households[0].id
    for path in ("/signin", "/today", f"/households/{household}", "/static/board.css"):
        headers = client.get(path).headers
        assert headers["x-frame-options"] == "DENY" and headers["referrer-policy"] == "no-referrer"
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        assert (headers.get("cache-control") == "no-store") == (not path.startswith("/static/"))


def test_spent_links_and_ended_sessions_are_forgotten_after_a_day(scene: Scene) -> None:
    client = scene.signed_in(scene.world.coordinator)
    client.post("/signout", data={"csrf": scene.csrf(client)})
    scene.link(scene.world.coordinator)  # never used
    scene.clock.advance(timedelta(days=1, minutes=11))
    scene.link(scene.world.gate_captain)  # issuing a link forgets what is over
    assert scene.read(lambda s: s.scalar(select(func.count()).select_from(WebLink))) == 1
    assert scene.read(lambda s: s.scalar(select(func.count()).select_from(WebSession))) == 0


def test_a_coordinator_reassigns_a_held_place(scene: Scene) -> None:
    from coord.models import AssignmentState
    from coord.services.people.access import Actor
    from coord.services.work import claim

    with scene.factory() as session, session.begin():
        volunteer = session.get_one(Person, scene.world.volunteers[0].id)
        claim(session=session, actor=Actor(volunteer, "test"), task_id=scene.gate_task, now=scene.clock.now())
    client = scene.signed_in(scene.world.coordinator)
    response = client.post(
        f"/tasks/{scene.gate_task}/reassign",
        data={"from": "Volunteer 1", "to": "Volunteer 2", "csrf": scene.csrf(client)},
    )
    assert response.status_code == 200 and "given to Volunteer 2" in response.text
    held = scene.read(
        lambda s: dict(
            s.execute(
                select(Assignment.person_id, Assignment.state).where(Assignment.task_id == scene.gate_task)
            ).all()
        )
    )
    assert held == {
        scene.world.volunteers[0].id: AssignmentState.REASSIGNED,
        scene.world.volunteers[1].id: AssignmentState.CLAIMED,
    }


def test_several_board_instances_share_sessions_and_live_state(scene: Scene) -> None:
    from starlette.testclient import TestClient

    from coord.web import create_app

    # Given a second instance of the board over the same database (behind one load balancer)
    board = create_app(scene.settings, factory=scene.factory, clock=scene.clock)
    other = TestClient(board, base_url=scene.settings.web_address)
    first = scene.signed_in(scene.world.coordinator)
    # When the browser signed in on the first is answered by the second
    other.cookies.update(first.cookies)
    # Then it is signed in there too, sees the same newest event, and its changes pass the same CSRF rule
    assert other.get("/today", follow_redirects=False).status_code == 200
    assert other.get("/live").json() == first.get("/live").json()
    csrf = scene.csrf(first)
    given = other.post(f"/tasks/{scene.gate_task}/assign", data={"person": "Volunteer 1", "csrf": csrf})
    assert given.status_code == 200
    assert first.get("/live").json()["last"] > 0 and _holders(scene, scene.gate_task) == 1

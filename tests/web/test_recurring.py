"""The board's Recurring work page over HTTP, on SQLite and PostgreSQL: the templates with their week, next
times and today's tasks; a captain's view; a coordinator or the team's captain stopping a template (CSRF;
another team's captain refused)."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from coord.models import (
    Community,
    Event,
    Membership,
    Person,
    Place,
    PlaceKind,
    Task,
    Team,
    TeamRole,
    Template,
    WatchColour,
)
from coord.services.recurring.materialisation import materialise
from coord.services.recurring.templates import create_template
from tests.factories import NOW, SYSTEM
from tests.web.conftest import Scene


@pytest.fixture
def more(scene: Scene) -> dict[str, int]:
    """Besides the supply team's disinfection (daily 08:00, 16:00, 20:00 at every building): a gate-team
    temperature round on weekdays at 09:00 at the first gate, and office calls (no team) on Saturdays."""
    with scene.factory() as session, session.begin():
        gate_team = session.get_one(Team, scene.world.gate_team.id)
        community = session.get_one(Community, scene.world.community.id)
        gate = session.scalars(
            select(Place)
            .where(Place.community_id == community.id, Place.kind == PlaceKind.GATE)
            .order_by(Place.id)
        ).first()
        assert gate is not None
        rounds = create_template(
            session=session,
            actor=SYSTEM,
            community=community,
            name="Gate temperature round",
            kind="gate_shift",
            title="Temperatures at {place}",
            rrule="FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;BYHOUR=9;BYMINUTE=0",
            starts_on=date(2026, 3, 1),
            team=gate_team,
            duration_minutes=30,
            capacity=2,
            place=gate,
            now=NOW,
        )
        calls = create_template(
            session=session,
            actor=SYSTEM,
            community=community,
            name="Saturday calls",
            kind="outreach",
            title="Call round {date}",
            rrule="FREQ=WEEKLY;BYDAY=SA;BYHOUR=10;BYMINUTE=30",
            starts_on=date(2026, 3, 1),
            due_minutes=120,
            now=NOW,
        )
        return {"rounds": rounds.id, "calls": calls.id, "gate": gate.id}


def _disinfection(scene: Scene) -> int:
    found = scene.read(lambda s: s.scalar(select(Template.id).where(Template.name == "Disinfection")))
    assert found is not None
    return int(found)


def _section(page: str, template_id: int) -> str:
    found = re.search(rf'<section[^>]*id="template-{template_id}".*?</section>', page, re.S)
    assert found is not None, f"template #{template_id} is not on the page"
    return found.group(0)


def _tasks_of(scene: Scene, template_id: int) -> int:
    return int(scene.read(lambda s: s.scalar(select(func.count()).where(Task.template_id == template_id))))


def _active(scene: Scene, template_id: int) -> bool:
    return bool(scene.read(lambda s: s.get_one(Template, template_id).active))


def test_a_coordinator_sees_every_template_with_its_week_next_times_and_todays_tasks(
    scene: Scene, more: dict[str, int]
) -> None:
    client = scene.signed_in(scene.world.coordinator)
    assert 'href="/recurring"' in client.get("/today").text  # linked in the navigation
    response = client.get("/recurring")
    assert response.status_code == 200
    page = response.text
    # NOW is Monday 2026-03-02 14:00 in Asia/Shanghai
    disinfection = _section(page, _disinfection(scene))
    assert "Disinfection" in disinfection and "Supplies" in disinfection
    assert "every day: 08:00, 16:00, 20:00" in disinfection
    assert "Every building" in disinfection
    assert (
        "Mon 2 Mar 16:00" in disinfection
        and "Mon 2 Mar 20:00" in disinfection
        and "Tue 3 Mar 08:00" in disinfection
    )
    assert "Mon 2 Mar 08:00" not in re.search(r'class="next">(.*?)</dd>', disinfection, re.S).group(1)  # type: ignore[union-attr]
    todays = scene.read(
        lambda s: list(
            s.scalars(
                select(Task.id).where(
                    Task.template_id == _disinfection(scene), Task.occurrence_key.like("2026-03-02T%")
                )
            )
        )
    )
    assert todays, "the scene made today's rounds"
    for task_id in todays:
        assert f"#{task_id} " in disinfection
    tomorrow = scene.read(
        lambda s: s.scalar(select(Task.id).where(Task.occurrence_key.like("2026-03-03T08:00/%")))
    )
    assert f"#{tomorrow} " not in disinfection  # only today's tasks are listed
    rounds = _section(page, more["rounds"])
    assert "Mon, Tue, Wed, Thu, Fri: 09:00" in rounds and "Gate duty" in rounds
    assert "Tue 3 Mar 09:00" in rounds and ">2<" in rounds  # two people per task
    assert "None today." in rounds  # none materialised
    calls = _section(page, more["calls"])
    assert "Sat: 10:30" in calls and "The office" in calls and "Sat 7 Mar 10:30" in calls
    assert page.count('action="/templates/') == 3  # a coordinator may stop each


def test_a_captain_sees_their_teams_templates_only_and_may_stop_them(
    scene: Scene, more: dict[str, int]
) -> None:
    page = scene.signed_in(scene.world.supply_captain).get("/recurring")
    assert page.status_code == 200
    assert f'id="template-{_disinfection(scene)}"' in page.text
    assert "Gate temperature round" not in page.text and "Saturday calls" not in page.text
    assert page.text.count('action="/templates/') == 1  # their team's, as the recurring service allows
    gate = scene.signed_in(scene.world.gate_captain).get("/recurring").text
    assert "Gate temperature round" in gate and "Disinfection" not in gate


def test_strangers_and_volunteers_get_the_sign_in_page(scene: Scene) -> None:
    response = scene.client().get("/recurring", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/signin"
    # a captain made a volunteer again: the board no longer opens for them
    client = scene.signed_in(scene.world.gate_captain)
    with scene.factory() as session, session.begin():
        membership = session.scalar(
            select(Membership).where(Membership.person_id == scene.world.gate_captain.id)
        )
        assert membership is not None
        membership.role = TeamRole.VOLUNTEER
    assert client.get("/recurring", follow_redirects=False).status_code == 303
    template_id = _disinfection(scene)
    response = scene.client().post(
        f"/templates/{template_id}/deactivate", data={"csrf": "x"}, follow_redirects=False
    )
    assert response.status_code == 303 and _active(scene, template_id)


def test_a_coordinator_stops_a_template_and_it_makes_no_more_tasks(scene: Scene) -> None:
    template_id = _disinfection(scene)
    client = scene.signed_in(scene.world.coordinator)
    response = client.post(f"/templates/{template_id}/deactivate", data={"csrf": scene.csrf(client)})
    assert response.status_code == 200
    assert "Disinfection makes no more tasks; what it made stays." in response.text
    assert not _active(scene, template_id)
    section = _section(response.text, template_id)
    assert "stopped" in section and "It makes no more tasks." in section and "/deactivate" not in section
    before = _tasks_of(scene, template_id)
    with scene.factory() as session, session.begin():
        template = session.get_one(Template, template_id)
        made = materialise(session=session, template=template, now=NOW, days=7)
    assert made == 0 and _tasks_of(scene, template_id) == before
    events = scene.read(
        lambda s: s.scalar(select(func.count()).where(Event.action == "template_deactivated"))
    )
    assert events == 1
    # stopping it again changes nothing more
    again = client.post(f"/templates/{template_id}/deactivate", data={"csrf": scene.csrf(client)})
    assert again.status_code == 200 and not _active(scene, template_id)


@pytest.mark.parametrize("sent", [None, "", "forged"])
def test_stopping_without_the_csrf_token_is_refused_and_changes_nothing(
    scene: Scene, sent: str | None
) -> None:
    template_id = _disinfection(scene)
    client = scene.signed_in(scene.world.coordinator)
    data = {"csrf": sent} if sent is not None else {}
    response = client.post(f"/templates/{template_id}/deactivate", data=data)
    assert response.status_code == 403
    assert _active(scene, template_id)


def test_a_captain_stops_their_teams_template_and_not_another_teams(
    scene: Scene, more: dict[str, int]
) -> None:
    """The recurring service's rule, as from the CLI: a captain leads their own team's recurring work only."""
    gate_round = more["rounds"]
    client = scene.signed_in(scene.world.supply_captain)
    before = _tasks_of(scene, gate_round)
    response = client.post(f"/templates/{gate_round}/deactivate", data={"csrf": scene.csrf(client)})
    assert response.status_code == 403 and _active(scene, gate_round)
    with scene.factory() as session, session.begin():
        made = materialise(
            session=session,
            template=session.get_one(Template, gate_round),
            now=NOW + timedelta(days=2),
            days=1,
        )
    assert made > 0 and _tasks_of(scene, gate_round) == before + made
    own = _disinfection(scene)
    response = client.post(f"/templates/{own}/deactivate", data={"csrf": scene.csrf(client)})
    assert response.status_code == 200 and not _active(scene, own)


def test_an_unknown_template_is_told_and_nothing_changes(scene: Scene) -> None:
    client = scene.signed_in(scene.world.coordinator)
    response = client.post("/templates/99999/deactivate", data={"csrf": scene.csrf(client)})
    assert response.status_code == 409 and "There is no template #99999." in response.text
    assert _active(scene, _disinfection(scene))


def test_the_page_in_chinese(scene: Scene, more: dict[str, int]) -> None:
    with scene.factory() as session, session.begin():
        session.get_one(Person, scene.world.coordinator.id).language = "zh"
    client = scene.signed_in(scene.world.coordinator)
    page = client.get("/recurring").text
    assert 'lang="zh-CN"' in page and "例行工作" in page
    assert "每天：08:00、16:00、20:00" in page and "周一、周二、周三、周四、周五：09:00" in page
    assert "每个楼栋" in page and "社区办公室" in page and "停止生成任务" in page
    assert "every day" not in page and "Stop making tasks" not in page and "Every building" not in page
    response = client.post(f"/templates/{more['calls']}/deactivate", data={"csrf": scene.csrf(client)})
    assert "“Saturday calls”不再生成新任务，已生成的任务保留。" in response.text
    assert not _active(scene, more["calls"])


def test_households_by_colour_and_a_rule_edited_into_nonsense(scene: Scene) -> None:
    disinfection = _disinfection(scene)
    with scene.factory() as session, session.begin():
        community = session.get_one(Community, scene.world.community.id)
        calls = create_template(
            session=session,
            actor=SYSTEM,
            community=community,
            name="Blue calls",
            kind="outreach",
            title="Call a household in {place}",
            rrule="FREQ=DAILY;BYHOUR=11;BYMINUTE=0",
            starts_on=date(2026, 3, 1),
            until=date(2026, 3, 3),
            household_colour=WatchColour.BLUE,
            team=session.get_one(Team, scene.world.supply_team.id),
            now=NOW,
        )
        broken = session.get_one(Template, disinfection)
        broken.rrule = "FREQ=SOMETIMES"  # edited by hand: materialisation skips it, the page says so
        calls_id = calls.id
    page = scene.signed_in(scene.world.supply_captain).get("/recurring")
    assert page.status_code == 200
    blue = _section(page.text, calls_id)
    assert "Households on the blue list" in blue
    assert "every day: 11:00" not in blue and "Mon, Tue: 11:00" in blue  # until 3 March: two days left
    assert "Tue 3 Mar 11:00" in blue and "Wed 4 Mar 11:00" not in blue
    assert "The repeat rule is not valid: it makes nothing." in _section(page.text, disinfection)

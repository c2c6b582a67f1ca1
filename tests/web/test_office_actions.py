"""The board's door posters per building and team roles, over HTTP on SQLite and PostgreSQL: each needs
its session's CSRF token; roles are a coordinator's (a captain is refused); bad input changes nothing."""

from __future__ import annotations

import io
import re
from typing import Any

import segno
from openpyxl import load_workbook
from sqlalchemy import select

from coord.models import BuildingCode, Event, Membership, Team, TeamRole
from coord.web.office import XLSX
from tests.web.conftest import Scene


def codes(scene: Scene) -> dict[int, str]:
    return dict(
        scene.read(lambda s: s.execute(select(BuildingCode.building_id, BuildingCode.code)).tuples().all())
    )


def role_changes(scene: Scene) -> list[tuple[int | None, str, dict[str, Any]]]:
    """The board's role changes: member_added events made through the web (world building is the system's)."""
    return scene.read(
        lambda s: (
            s.execute(
                select(Event.actor_id, Event.channel, Event.data).where(
                    Event.action == "member_added", Event.channel == "web"
                )
            )
            .tuples()
            .all()
        )
    )


def role_of(scene: Scene, team_id: int, person_id: int) -> TeamRole:
    return scene.read(
        lambda s: s.scalar(
            select(Membership.role).where(Membership.team_id == team_id, Membership.person_id == person_id)
        )
    )


# Door posters --------------------------------------------------------------------------------------


def test_the_teams_page_offers_door_posters(scene: Scene) -> None:
    text = scene.signed_in(scene.world.coordinator).get("/teams").text
    assert 'action="/buildings/posters"' in text and "Door posters for residents" in text
    assert all(f'<option value="{b.id}">{b.name}</option>' in text for b in scene.world.buildings)


def test_a_coordinator_prints_every_buildings_door_poster(scene: Scene) -> None:
    client = scene.signed_in(scene.world.coordinator)
    page = client.post("/buildings/posters", data={"csrf": scene.csrf(client), "bot": "@ykc_bot"})
    assert page.status_code == 200
    made = codes(scene)
    assert set(made) == {b.id for b in scene.world.buildings}
    for building in scene.world.buildings:
        link = f"https://t.me/ykc_bot?start={made[building.id]}"
        assert link in page.text and building.name in page.text
        # the QR code is the link's (segno is deterministic)
        assert str(segno.make(link, error="m").svg_inline(scale=8, dark="#000", light="#fff")) in page.text
    assert page.text.count('class="poster-sheet building"') == 3
    # asked again: the same codes (printed doors stay valid)
    client.post("/buildings/posters", data={"csrf": scene.csrf(client)})
    assert codes(scene) == made


def test_one_buildings_poster_and_a_captain_may_print_it(scene: Scene) -> None:
    client = scene.signed_in(scene.world.gate_captain)
    building = scene.world.buildings[1]
    page = client.post("/buildings/posters", data={"csrf": scene.csrf(client), "building": str(building.id)})
    assert page.status_code == 200 and page.text.count('class="poster-sheet building"') == 1
    assert set(codes(scene)) == {building.id}
    assert f"https://t.me/coord_bot?start={codes(scene)[building.id]}" in page.text


def test_posters_without_csrf_or_with_bad_input_make_nothing(scene: Scene) -> None:
    client = scene.signed_in(scene.world.coordinator)
    assert client.post("/buildings/posters", data={"csrf": "wrong"}).status_code == 403
    bad_bot = client.post("/buildings/posters", data={"csrf": scene.csrf(client), "bot": "x y;<b>"})
    assert bad_bot.status_code == 409 and "5 to 32 letters" in bad_bot.text and "<b>" not in bad_bot.text
    for building in ("abc", "999999", str(scene.world.north_gate.id)):
        refused = client.post("/buildings/posters", data={"csrf": scene.csrf(client), "building": building})
        assert refused.status_code == 409 and "There is no building" in refused.text
    assert codes(scene) == {}


# Team roles ----------------------------------------------------------------------------------------


def test_a_coordinator_makes_a_volunteer_captain_and_back(scene: Scene) -> None:
    client = scene.signed_in(scene.world.coordinator)
    team, person = scene.world.gate_team, scene.world.volunteers[0]
    path = f"/teams/{team.id}/members/{person.id}/role"
    assert f'action="{path}"' in client.get("/teams").text
    page = client.post(path, data={"csrf": scene.csrf(client), "role": "captain"})
    assert page.status_code == 200 and "Volunteer 1 is now a captain of Gate duty." in page.text
    assert role_of(scene, team.id, person.id) == TeamRole.CAPTAIN
    changes = role_changes(scene)
    assert [(actor, data["role"]) for actor, _, data in changes] == [(scene.world.coordinator.id, "captain")]
    # the new captain can now sign in to the board and sees their team
    assert scene.signed_in(person).get("/teams").status_code == 200
    page = client.post(path, data={"csrf": scene.csrf(client), "role": "volunteer"})
    assert page.status_code == 200 and "is now a volunteer of Gate duty" in page.text
    assert role_of(scene, team.id, person.id) == TeamRole.VOLUNTEER


def test_a_captain_cannot_change_roles(scene: Scene) -> None:
    client = scene.signed_in(scene.world.gate_captain)
    team, person = scene.world.gate_team, scene.world.volunteers[0]
    assert "/role" not in client.get("/teams").text  # no button
    path = f"/teams/{team.id}/members/{person.id}/role"
    refused = client.post(path, data={"csrf": scene.csrf(client), "role": "captain"})
    assert refused.status_code == 409 and "Only a coordinator" in refused.text
    demote = f"/teams/{team.id}/members/{scene.world.gate_captain.id}/role"
    assert client.post(demote, data={"csrf": scene.csrf(client), "role": "volunteer"}).status_code == 409
    assert role_of(scene, team.id, person.id) == TeamRole.VOLUNTEER
    assert role_of(scene, team.id, scene.world.gate_captain.id) == TeamRole.CAPTAIN
    assert role_changes(scene) == []


def test_role_changes_without_csrf_or_with_bad_input_change_nothing(scene: Scene) -> None:
    client = scene.signed_in(scene.world.coordinator)
    team, person = scene.world.gate_team, scene.world.volunteers[0]
    path = f"/teams/{team.id}/members/{person.id}/role"
    assert client.post(path, data={"role": "captain"}).status_code == 403
    assert client.post(path, data={"csrf": "x", "role": "captain"}).status_code == 403
    bad = client.post(path, data={"csrf": scene.csrf(client), "role": "coordinator"})
    assert bad.status_code == 409 and "volunteer or captain" in bad.text
    # someone not in the team, another team's number, a number of nobody
    helper = scene.world.supply_volunteers[0]
    other = client.post(
        f"/teams/{team.id}/members/{helper.id}/role", data={"csrf": scene.csrf(client), "role": "captain"}
    )
    assert other.status_code == 409 and re.search(r"Helper 1 is not in team Gate duty", other.text)
    nobody = client.post(
        f"/teams/{team.id}/members/99999/role", data={"csrf": scene.csrf(client), "role": "captain"}
    )
    assert nobody.status_code == 409
    assert role_of(scene, team.id, person.id) == TeamRole.VOLUNTEER
    assert role_of(scene, scene.world.supply_team.id, helper.id) == TeamRole.VOLUNTEER
    assert role_changes(scene) == []


# Reports -------------------------------------------------------------------------------------------


def test_the_report_downloads_as_xlsx_with_formula_looking_text_kept_as_text(scene: Scene) -> None:
    with scene.factory() as session, session.begin():
        session.get_one(Team, scene.world.supply_team.id).name = '=HYPERLINK("http://x","y")'
    client = scene.signed_in(scene.world.coordinator)
    assert 'href="/report.xlsx"' in client.get("/report").text
    response = client.get("/report.xlsx")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(XLSX)
    assert "daily-summary.xlsx" in response.headers["content-disposition"]
    book = load_workbook(io.BytesIO(response.content))
    cells = [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]
    named = [cell for cell in cells if cell.value == '=HYPERLINK("http://x","y")']
    assert named and all(cell.data_type == "s" for cell in named)  # text, never a formula
    assert len(book.worksheets) == 2
    assert scene.signed_in(scene.world.gate_captain).get("/report.xlsx").status_code == 403
    assert scene.client().get("/report.xlsx", follow_redirects=False).status_code == 303

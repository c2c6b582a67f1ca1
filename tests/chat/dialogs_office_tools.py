"""Dialog tables of the office tools (issue 15 §7): work made in chat names a household, whose address and
phone reach only whoever claims it; a household is named in a direct chat only, and one that several fit is
answered with the choices, nothing made.

The scene's households: Building 1-2-301 (Wang Lan, 13800000001) and Building 2-1-502 (Li Ming, 13800000002).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from coord.models import TeamRole
from coord.services.people.people import add_member, add_person
from tests.chat.dialog import Dialog, Step
from tests.chat.scene import Scene
from tests.factories import SYSTEM, World

WANG = ("Wang Lan", "13800000001")

ONE_LINE_HOUSEHOLD = Dialog(
    "a one-line task names a household: only its holder gets the address, and ambiguity lists the choices",
    (
        Step(
            "captain",
            say="/new delivery household=1-2-301 Rice",
            where="group",
            en=("private", "direct chat", "Nothing was created"),
            zh=("隐私", "私聊", "没有创建任何任务"),
            never=(*WANG, "2-301"),
        ),
        Step(
            "supply_captain",
            say="new delivery due=18:00 household=nobody-9-999 Rice",
            en=("No household matches", "12-2-301", "Nothing was created"),
            zh=("没有找到", "12-2-301", "没有创建任何任务"),
        ),
        Step(
            "supply_captain",
            say="new delivery due=18:00 household=13800000 Rice",
            en=(
                "fits 2 households",
                "Nothing was created",
                "Building 1-2-301 Wang Lan +8613800000001",
                "Building 2-1-502 Li Ming +8613800000002",
            ),
            zh=("对应 2 户", "没有创建任务", "Building 1-2-301 Wang Lan +8613800000001"),
        ),
        Step("supply_captain", say="tasks", never=("Rice for Wang",)),
        Step(
            "supply_captain",
            say="new delivery due=18:00 household=Building_1-2-301 Rice for Wang",
            en=(
                "Task created",
                "Rice for Wang",
                "is for household Building 1-2-301",
                "only whoever claims it",
            ),
            zh=("任务已创建", "Rice for Wang", "是给住户 Building 1-2-301 的", "只有认领的人"),
            keep=r"#(?P<rice>\d+) (?:is for household|是给住户)",
        ),
        Step(
            "helper",
            say="/claim {rice}",
            where="group",
            never=WANG,
            direct=WANG,
        ),
    ),
)

GUIDED_HOUSEHOLD = Dialog(
    "the guided flow asks which household a delivery is for, by name or phone, with choices when several fit",
    (
        Step("supply_captain", say="new", en=("what kind of work",), zh=("是哪类工作",)),
        Step("supply_captain", press="v:delivery", en=("short title",), zh=("简短标题",)),
        Step("supply_captain", say="Medicine", en=("By when",), zh=("最晚什么时候",)),
        Step("supply_captain", say="18:00", en=("How many people",), zh=("需要几个人",)),
        Step("supply_captain", say="1", en=("urgent",), zh=("紧急吗",)),
        Step("supply_captain", say="yes", en=("Which household",), zh=("哪一户",)),
        Step(
            "supply_captain",
            say="Nobody At All",
            en=("No household matches", "Which household"),
            zh=("没有找到", "哪一户"),
        ),
        Step(
            "supply_captain",
            say="13800000",
            en=("fits 2 households", "Press one", "Li Ming +8613800000002"),
            zh=("对应 2 户", "请按其中一户", "Li Ming +8613800000002"),
        ),
        Step(
            "supply_captain",
            say="Li Ming",
            en=("Task created", "Medicine", "is for household Building 2-1-502"),
            zh=("任务已创建", "是给住户 Building 2-1-502 的"),
        ),
        # a gate shift is for no household: no such question
        Step("captain", say="new", en=("what kind of work",), zh=("是哪类工作",)),
        Step("captain", press="v:gate_shift", en=("short title",), zh=("简短标题",)),
        Step("captain", say="Side gate", en=("When is the shift",), zh=("值班时间",)),
        Step("captain", say="20:00-23:00", en=("How many people",), zh=("需要几个人",)),
        Step("captain", say="2", en=("urgent",), zh=("紧急吗",)),
        Step("captain", say="no", en=("Task created",), zh=("任务已创建",), never=("Which household",)),
    ),
)

PARTY_SECRETARY = Dialog(
    "a coordinator names the party secretary, who gets red households' follow-up; others are refused",
    (
        Step(
            "coordinator",
            say="secretary",
            en=("No party secretary is named", "every coordinator", "secretary NAME"),
            zh=("还没有指定社区书记", "每位社区负责人", "书记 姓名"),
        ),
        Step("captain", say="secretary Captain Chen", en=("Only a coordinator",), zh=("只有社区负责人",)),
        Step(
            "coordinator",
            say="secretary Volunteer 1",
            en=("Volunteer 1 is not a coordinator",),
            zh=("Volunteer 1不是本社区的社区负责人",),
        ),
        Step(
            "coordinator",
            say="secretary Nobody Here",
            en=("no person “Nobody Here”",),
            zh=("没有“Nobody Here”",),
        ),
        Step("coordinator", say="secretary", en=("No party secretary is named",), zh=("还没有指定社区书记",)),
        Step(
            "coordinator",
            say="书记 Secretary Zhou",
            en=("The party secretary is Secretary Zhou", "red household"),
            zh=("社区书记是Secretary Zhou", "红色户"),
        ),
        Step(
            "coordinator",
            say="secretary -",
            en=("No party secretary is named",),
            zh=("还没有指定社区书记",),
        ),
    ),
)

PLACES_AND_GRIDS = Dialog(
    "a coordinator lists, renames and removes places and areas, and names a grid's leader and three roles",
    (
        Step(
            "coordinator",
            say="places",
            en=(
                "Places (4)",
                "North Gate: gate, Zone 1",
                "Building 1: building, Grid 1-1; tasks 1, households 1",
            ),
            zh=(
                "地点（共 4 处）",
                "North Gate：卡口，Zone 1",
                "Building 1：楼栋，Grid 1-1；任务 1 个，住户 1 户",
            ),
        ),
        Step(
            "coordinator",
            say="片区列表",
            en=("Zones and grids (2)", "Zone 1: zone", "Grid 1-1: grid; places 3", "grid leader nobody"),
            zh=("片区和网格（共 2 个）", "Zone 1：片区", "Grid 1-1：网格；地点 3 处", "网格长：无人"),
        ),
        Step(
            "captain", say="places", en=("Only a coordinator",), zh=("只有社区负责人",), never=("Building 1",)
        ),
        Step("captain", say="remove Building 3", en=("Only a coordinator",), zh=("只有社区负责人",)),
        Step(
            "coordinator",
            say="rename Building 3 = Building 3A",
            en=("Renamed “Building 3” to “Building 3A”.",),
            zh=("已把“Building 3”改名为“Building 3A”。",),
        ),
        Step("coordinator", say="rename Building 1 = Building 2", en=("exists already",), zh=("本社区已有",)),
        Step("coordinator", say="rename Building 1", en=("For example: rename",), zh=("例如：改名",)),
        Step(
            "coordinator",
            say="remove Building 1",
            en=("still used by", "households (1)", "Nothing was changed"),
            zh=("仍被", "1 户住户", "没有做任何改动"),
        ),
        Step(
            "coordinator",
            say="删除 Castle",
            en=("no place, zone or grid called “Castle”",),
            zh=("没有叫“Castle”的",),
        ),
        Step(
            "coordinator",
            say="remove Building 3A",
            en=("Removed Building 3A.",),
            zh=("已删除 Building 3A。",),
        ),
        Step("coordinator", say="places", en=("Places (3)",), zh=("地点（共 3 处）",), never=("Building 3",)),
        Step(
            "coordinator",
            say="grid Grid 1-1 leader=Volunteer_1 medic=Helper_1",
            en=("Grid Grid 1-1:", "grid leader Volunteer 1", "medic Helper 1", "buyer nobody"),
            zh=("Grid 1-1的一长三员 —— ", "网格长：Volunteer 1", "测温员：Helper 1", "采购员：无人"),
        ),
        Step("coordinator", say="grid Zone 1 leader=Volunteer_1", en=("is a zone",), zh=("是片区",)),
        Step("coordinator", say="grid Grid 1-1 chief=Volunteer_1", en=("not “chief”",), zh=("没有“chief”",)),
        Step(
            "coordinator",
            say="网格 Grid 1-1 测温员=- 采购员=Helper_2",
            en=("medic nobody", "buyer Helper 2"),
            zh=("测温员：无人", "采购员：Helper 2"),
        ),
    ),
)


def ten_more_at_the_gate(session: Session, world: World, scene: Scene) -> None:
    """The gate team ten people larger (Extra 01 … Extra 10), for a picker of more than one page."""
    for n in range(1, 11):
        person = add_person(session=session, actor=SYSTEM, community=world.community, name=f"Extra {n:02}")
        add_member(
            session=session, actor=SYSTEM, team=world.gate_team, person=person, role=TeamRole.VOLUNTEER
        )


# On a gate team ten people larger: the reassign picker pages through the whole team, eight at a time.
REASSIGN_PAGES = Dialog(
    "the reassign picker pages through the whole team",
    (
        Step(
            "captain",
            say="reassign {gate}",
            en=("has a free slot", "Captain Chen", "Extra 07", "More ▶"),
            zh=("还有空名额", "Captain Chen", "Extra 07", "下一页 ▶"),
            never=("Extra 08", "Volunteer 4"),
            buttons=("rp:{gate}:0:2",),
        ),
        Step(
            "captain",
            press="rp:{gate}:0:2",
            en=("has a free slot", "Extra 08", "Extra 10", "Volunteer 4", "◀ Back"),
            zh=("还有空名额", "Extra 08", "Volunteer 4", "◀ 上一页"),
            never=("Extra 07", "More ▶", "下一页"),
            buttons=("rp:{gate}:0:1", "ra:{gate}:{volunteer}:0"),
        ),
        # back and forth (each press shows another page: Telegram edits the message, and an edit that
        # changes nothing is no reply)
        Step("captain", press="rp:{gate}:0:1", en=("Extra 01",), zh=("Extra 01",), never=("Volunteer 1",)),
        Step("captain", press="rp:{gate}:0:2", en=("Volunteer 1",), zh=("Volunteer 1",), never=("Extra 01",)),
        Step(
            "captain", press="ra:{gate}:{volunteer}:0", en=("now goes to Volunteer 1",), zh=("Volunteer 1",)
        ),
    ),
    setup=ten_more_at_the_gate,
)

OFFICE_TOOL_DIALOGS = (
    ONE_LINE_HOUSEHOLD,
    GUIDED_HOUSEHOLD,
    PARTY_SECRETARY,
    PLACES_AND_GRIDS,
    REASSIGN_PAGES,
)

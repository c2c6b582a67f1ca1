"""Dialog tables of shift discipline (不得无故脱岗): done only after the check-in and the start, a captain's
record for someone without a phone, two at one gate, and a volunteer who is not well.

The scene's gate shift ``{gate}`` runs 16:00–20:00 (Shanghai); the dialogs begin at 14:00.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from tests.chat.dialog import Dialog, Step
from tests.chat.scene import Scene
from tests.factories import NOW, World, gate_shift

DONE_AFTER_THE_START = Dialog(
    "done on a shift waits for the check-in and the start",
    (
        Step("volunteer", say="claim {gate}", en=("You have task",), zh=("你已认领",)),
        Step(
            "volunteer",
            say="done {gate}",
            en=("starts at 16:00", "Check in at your post first", "after the start"),
            zh=("16:00 开始", "请先到岗签到", "开始后再报完成"),
        ),
        Step("volunteer", press="i:{gate}", after=110, en=("Checked in",), zh=("坚守岗位",)),
        Step(
            "volunteer",
            say="done {gate}",
            en=("starts at 16:00", "reported done only after the start"),
            zh=("16:00 开始", "开始之后才能报完成"),
        ),
        Step(
            "volunteer",
            say="完成 {gate} 检查人数=30",
            en=("reported done only after the start",),
            zh=("开始之后才能报完成",),
        ),
        Step(
            "volunteer",
            say="done {gate} people_checked=30",
            after=15,
            en=("is done", "people checked: 30"),
            zh=("已完成", "检查人数：30"),
        ),
    ),
)

TWO_AT_ONE_GATE = Dialog(
    "two at one gate: one finishes early, the other keeps their place",
    (
        Step("volunteer", say="claim {gate}", en=("You have task",), zh=("你已认领",)),
        Step("volunteer2", say="claim {gate}", en=("You have task",), zh=("你已认领",)),
        Step("volunteer", say="checkin {gate}", after=120, en=("Checked in",), zh=("签到",)),
        Step("volunteer2", say="checkin {gate}", en=("Checked in",), zh=("签到",)),
        Step(
            "volunteer",
            say="done {gate} people_checked=12",
            after=60,
            en=("is done", "people checked: 12"),
            zh=("已完成", "检查人数：12"),
        ),
        Step(
            "captain",
            say="board",
            en=("North gate afternoon", "0 of 2 free", "Volunteer 1: done", "Volunteer 2: checked in"),
            zh=("North gate afternoon", "Volunteer 1：已完成", "Volunteer 2：已签到"),
            never=("Unfilled soon", "即将开始仍缺人"),
        ),
        Step(
            "volunteer2",
            say="my",
            en=("North gate afternoon", "checked in"),
            zh=("North gate afternoon", "已签到"),
        ),
        Step(
            "volunteer2",
            say="done {gate} people_checked=20",
            after=60,
            en=("is done", "people checked: 20"),
            zh=("已完成", "检查人数：20"),
        ),
        Step("captain", say="board", en=("no live tasks",), zh=("暂无进行中的任务",)),
    ),
)

DONE_FOR_SOMEONE = Dialog(
    "a captain records a shift done for a volunteer without a phone, with the reason",
    (
        Step("volunteer2", say="claim {gate}", en=("You have task",), zh=("你已认领",)),
        Step(
            "volunteer",
            say="donefor {gate} {volunteer2}",
            en=("Only the team's captain or a coordinator",),
            zh=("只有本队队长或社区负责人",),
        ),
        Step(
            "captain",
            say="donefor {gate}",
            en=("Whose part of task #{gate}",),
            zh=("要替谁代报任务 #{gate}",),
            buttons=("df:{gate}:{volunteer2}",),
        ),
        Step(
            "captain",
            press="df:{gate}:{volunteer2}",
            en=("reported done only after the start",),
            zh=("开始之后才能报完成",),
        ),
        Step(
            "captain",
            press="df:{gate}:{volunteer2}",
            after=180,
            en=("Why do you record task #{gate} done for Volunteer 2",),
            zh=("为什么要替Volunteer 2代报任务 #{gate} 完成",),
        ),
        Step("captain", say="-", en=("Why do you record",), zh=("为什么要替",)),
        Step("captain", say="no phone at the post", en=("how many people checked",), zh=("检查人数是多少",)),
        Step("captain", say="stop", en=("Nothing was changed",), zh=("已停止",)),
        Step(
            "volunteer2",
            say="my",
            en=("North gate afternoon", "claimed"),
            zh=("North gate afternoon", "已认领"),
        ),
        Step(
            "captain",
            say="代报 {gate} {volunteer2} 检查人数=30",
            en=("Why do you record",),
            zh=("为什么要替",),
        ),
        Step(
            "captain",
            say="no phone at the post; the paper list shows 30",
            en=("is recorded done for Volunteer 2", "the paper list shows 30", "people checked: 30"),
            zh=("已为Volunteer 2代报任务 #{gate} 完成", "the paper list shows 30", "检查人数：30"),
        ),
        Step("volunteer2", say="my", en=("You hold no tasks",), zh=("你现在没有认领任务",)),
        Step("captain", say="board", en=("no live tasks",), zh=("暂无进行中的任务",)),
    ),
)

NOT_WELL = Dialog(
    "a volunteer who is not well: the captain is told, the board and the picker mark them",
    (
        Step("volunteer", say="claim {gate}", en=("You have task",), zh=("你已认领",)),
        Step(
            "volunteer",
            say="health no",
            en=("Please rest today", "Your captain has been told", "North gate afternoon"),
            zh=("今天请好好休息", "已立即告诉队长", "North gate afternoon"),
        ),
        Step(
            "volunteer",
            say="claim {delivery}",
            en=("You declared yourself unwell today", "health yes"),
            zh=("你今天申报了身体不适", "健康 是"),
        ),
        Step(
            "volunteer",
            say="/claim {delivery}",
            where="group",
            en=("Volunteer 1, I have answered you in our direct chat",),
            zh=("Volunteer 1，我已在私聊里回复你",),
            never=("unwell", "身体不适"),
        ),
        Step(
            "captain",
            say="board",
            where="group",
            en=("Board of Gate duty", "Volunteer 1: claimed"),
            zh=("Gate duty看板", "Volunteer 1：已认领"),
            never=("unwell", "身体不适"),
        ),
        Step(
            "captain",
            say="board",
            en=("Volunteer 1: claimed · unwell today, needs someone else",),
            zh=("Volunteer 1：已认领 · 今日身体不适，需另派人",),
            buttons=("r:{gate}",),
        ),
        Step(
            "captain",
            press="r:{gate}",
            en=("Fill the open place, or replace someone?", "Replace Volunteer 1 · unwell today"),
            zh=("现由Volunteer 1负责", "替换Volunteer 1 · 今日身体不适"),
            buttons=("rf:{gate}:{volunteer}",),
        ),
        Step(
            "captain",
            press="rf:{gate}:{volunteer}",
            en=("held by Volunteer 1, who declared themselves unwell today",),
            zh=("但Volunteer 1今天申报了身体不适",),
            buttons=("ra:{gate}:{volunteer2}:{volunteer}",),
            never=("⚠",),
        ),
        Step("volunteer2", say="health no", en=("Please rest today",), zh=("今天请好好休息",)),
        Step(
            "captain",
            press="rf:{gate}:{volunteer}",
            en=("Volunteer 2 · unwell today", "⚠"),
            zh=("Volunteer 2 · 今日身体不适", "⚠"),
        ),
        Step(
            "captain",
            press="ra:{gate}:{captain}:{volunteer}",
            en=("now goes to Captain Chen",),
            zh=("已改派给Captain Chen",),
        ),
        Step("volunteer", say="my", en=("You hold no tasks",), zh=("你现在没有认领任务",)),
    ),
)


def two_shifts_tomorrow(session: Session, world: World, scene: Scene) -> None:
    """``{north}`` 16:00–20:00 and ``{south}`` 17:00–21:00 tomorrow (Tuesday 3 March), overlapping."""
    north = gate_shift(session, world, capacity=1, hours_from_now=26, title="North gate tomorrow")
    south = gate_shift(session, world, capacity=1, hours_from_now=27, title="South gate tomorrow")
    scene.values.update(north=str(north.id), south=str(south.id))


# A clash on another day names its date as every reply does: Tue 3 Mar, 3月3日周二 (not 03-03).
CLASH_ON_ANOTHER_DAY = Dialog(
    "a clash tomorrow names the day the way the rest of the replies do",
    (
        Step("volunteer", say="claim {north}", en=("You have task",), zh=("你已认领",)),
        Step(
            "volunteer",
            say="claim {south}",
            en=("You hold task #{north} “North gate tomorrow” Tue 3 Mar 16:00–20:00 then",),
            zh=("这个时段你已有任务 #{north}“North gate tomorrow”（3月3日周二 16:00–20:00）",),
            never=("03-03",),
        ),
        Step(
            "captain",
            say="reassign {south}",
            en=("has a free slot",),
            zh=("还有空名额",),
            buttons=("ra:{south}:{volunteer}:0",),
        ),
        Step(
            "captain",
            press="ra:{south}:{volunteer}:0",
            en=("Volunteer 1 holds task #{north} “North gate tomorrow” Tue 3 Mar 16:00–20:00 then",),
            zh=("这个时段Volunteer 1已有任务 #{north}“North gate tomorrow”（3月3日周二 16:00–20:00）",),
            never=("03-03",),
        ),
    ),
    setup=two_shifts_tomorrow,
)


def with_overlapping_shift(session: Session, world: World, scene: Scene) -> None:
    """``{gate2}``: the South gate, 17:00–21:00, for one, overlapping the scene's 16:00–20:00 ``{gate}``."""
    south = gate_shift(session, world, capacity=1, hours_from_now=3, title="South gate evening")
    assert south.starts_at == NOW + timedelta(hours=3)
    scene.values["gate2"] = str(south.id)


# On a scene with a second shift overlapping ``{gate}`` (``with_overlapping_shift``).
ONE_PLACE_AT_A_TIME = Dialog(
    "one person, one place at a time: a claim and a reassignment are refused, naming the shift held",
    (
        Step("volunteer", say="claim {gate}", en=("You have task",), zh=("你已认领",)),
        Step(
            "volunteer",
            say="claim {gate2}",
            en=("You hold task #{gate} “North gate afternoon” 16:00–20:00 then", "Give that one back first"),
            zh=("这个时段你已有任务 #{gate}“North gate afternoon”（16:00–20:00）", "请先退领那个任务"),
        ),
        Step("volunteer2", say="claim {gate2}", en=("You have task",), zh=("你已认领",)),
        Step(
            "captain",
            say="reassign {gate2}",
            en=("held by Volunteer 2",),
            zh=("现在由Volunteer 2负责",),
            buttons=("ra:{gate2}:{volunteer}:{volunteer2}",),
        ),
        Step(
            "captain",
            press="ra:{gate2}:{volunteer}:{volunteer2}",
            en=(
                "Volunteer 1 holds task #{gate} “North gate afternoon” 16:00–20:00 then",
                "Choose someone else",
            ),
            zh=("这个时段Volunteer 1已有任务 #{gate}“North gate afternoon”（16:00–20:00）", "请另选他人"),
        ),
        Step("volunteer", say="release {gate} my mother is ill", en=("given back",), zh=("你已退领",)),
        Step(
            "captain",
            press="ra:{gate2}:{volunteer}:{volunteer2}",
            en=("now goes to Volunteer 1",),
            zh=("已改派给Volunteer 1",),
        ),
        Step("volunteer2", say="claim {gate}", en=("You have task",), zh=("你已认领",)),
    ),
    setup=with_overlapping_shift,
)

SHIFT_DIALOGS: tuple[Dialog, ...] = (
    DONE_AFTER_THE_START,
    TWO_AT_ONE_GATE,
    DONE_FOR_SOMEONE,
    NOT_WELL,
    CLASH_ON_ANOTHER_DAY,
    ONE_PLACE_AT_A_TIME,
)

"""Dialog tables of the four-colour watch list (issue 15 §2, §3): a captain sets colours with reasons and
names who follows a household up; the named person gets the day's call, and what the household needs
becomes work; a fever turns it red; the list is read in a direct chat only, never in a group.

The scene's households: Building 1-2-301 (Wang Lan, 13800000001, elderly, alone, not on the list) and
Building 2-1-502 (Li Ming, 13800000002, blue, quarantined until 10 March: day 6 of 14 on 2 March).
"""

from __future__ import annotations

from tests.chat.dialog import Dialog, Step

SECRETS = ("Li Ming", "13800000002", "Wang Lan", "13800000001", "502", "301")

COLOURS_AND_NEEDS = Dialog(
    "a captain keeps the watch list: the named person gets the call, and needs become work",
    (
        Step(
            "supply_captain",
            say="help",
            en=("watch — the four-colour watch list",),
            zh=("四色 —— 四色标示名单",),
        ),
        Step(
            "supply_captain",
            say="watch",
            en=("Watch list of", "blue: 1", "in home quarantine"),
            zh=("四色名单", "蓝色：1 户", "居家隔离"),
            buttons=("w:red", "w:blue"),
        ),
        Step(
            "supply_captain",
            press="w:blue",
            en=(
                "Households marked blue (1)",
                "Building 2-1-502 Li Ming +8613800000002",
                "day 6 of 14",
                "no call yet",
            ),
            zh=("蓝色住户（1 户）", "Li Ming +8613800000002", "隔离第 6 天（共 14 天）", "还没有通话"),
        ),
        Step(
            "supply_captain",
            say="household 13800000002",
            en=(
                "Household Building 2-1-502: Li Ming +8613800000002",
                "Quarantine day 6 of 14",
                "nobody named yet",
            ),
            zh=("住户 Building 2-1-502：Li Ming +8613800000002", "居家隔离第 6 天（共 14 天）", "尚未指定"),
        ),
        Step(
            "supply_captain",
            say="responsible Building 1-2-301 Helper 1",
            en=("Noted", "responsible: Helper 1", "Not on the watch list"),
            zh=("已记下", "责任人：Helper 1", "不在四色名单上"),
        ),
        Step(
            "supply_captain",
            say="colour Building 1-2-301 yellow back from Wuhan, being traced",
            en=("is yellow now", "back from Wuhan", "a tracing call a day", "Check-in call, Building 1"),
            zh=("已标为黄色", "back from Wuhan", "专人每天追踪一次", "Check-in call, Building 1"),
            keep=r"#(?P<call>\d+) (?:check-in call|电话询问)",
        ),
        Step("helper", say="my", en=("#{call}", "Check-in call, Building 1"), zh=("#{call}",)),
        Step(
            "helper",
            say="done {call} reached=yes temperature=36.6 needs=rice, cooking oil and heart pills",
            en=(
                "is done",
                "temperature (°C): 36.6",
                "needs: rice, cooking oil and heart pills",
                "Passed on as urgent task #",
                "Medicine for a household, Building 1",
                "Passed on as task #",
            ),
            zh=("已完成", "体温（°C）：36.6", "需要：rice, cooking oil and heart pills", "已转为紧急任务 #"),
        ),
        Step(
            "supply_captain",
            say="household Wang",
            en=("Colour: yellow", "last call", "36.6 °C", "needs: rice", "Supplies for a household"),
            zh=("颜色：黄色", "上次通话", "体温 36.6 °C", "需要：rice"),
        ),
    ),
)

FEVER = Dialog(
    "a call finds a fever: the household turns red and its leads follow it up in person",
    (
        Step("supply_captain", say="责任人 Building 2-1-502 Helper 1", en=("Noted",), zh=("已记下",)),
        Step(
            "supply_captain",
            say="医生 Building 2-1-502 Volunteer 2",
            en=("doctor or medic: Volunteer 2",),
            zh=("医生：Volunteer 2",),
        ),
        Step(
            "supply_captain",
            say="标色 Building 2-1-502 蓝 已核实，居家隔离",
            en=("is blue now", "Quarantine day 6 of 14", "Check-in call, Building 2"),
            zh=("已标为蓝色", "居家隔离第 6 天", "每天电话询问一次"),
            keep=r"#(?P<call>\d+) (?:check-in call|电话询问)",
        ),
        Step("helper", say="done {call}", en=("reached?",), zh=("接通",)),
        Step("helper", say="yes", en=("temperature",), zh=("体温",)),
        Step("helper", say="38.1", en=("symptoms",), zh=("症状",)),
        Step("helper", say="no", en=("what does the household need",), zh=("家里缺什么",), buttons=("v:-",)),
        Step(
            "helper", press="v:-", en=("is done", "temperature (°C): 38.1"), zh=("已完成", "体温（°C）：38.1")
        ),
        Step(
            "coordinator",
            say="watch red",
            en=("Households marked red (1)", "Building 2-1-502", "38.1 °C"),
            zh=("红色住户（1 户）", "体温 38.1 °C"),
        ),
        Step(
            "coordinator",
            say="household Building 2-1-502",
            en=(
                "Colour: red",
                "a fever of 38.1 °C on call #{call}",
                "Follow-up in person, Building 2",
                "URGENT",
            ),
            zh=("颜色：红色", "Follow-up in person, Building 2"),
        ),
        Step(
            "coordinator",
            say="my",
            en=("Follow-up in person, Building 2",),
            zh=("Follow-up in person, Building 2",),
        ),
    ),
)

PRIVATE = Dialog(
    "the watch list is private: never in a group, only for leads; bad input changes nothing",
    (
        Step("supply_captain", say="watch blue", where="group", silent=True),
        Step(
            "supply_captain",
            say="/watch blue",
            where="group",
            en=("ask me in a direct chat",),
            zh=("请私聊我查询",),
            never=SECRETS,
        ),
        Step(
            "captain",
            say="/household 13800000002",
            where="group",
            en=("direct chat",),
            zh=("私聊",),
            never=SECRETS,
        ),
        Step(
            "captain",
            say="/colour Building 2-1-502 red just a test",
            where="group",
            en=("Nothing was shown or changed",),
            zh=("没有显示或更改任何内容",),
            never=SECRETS,
        ),
        Step("volunteer", say="watch", en=("Only a captain or a coordinator",), zh=("只有队长或社区负责人",)),
        Step(
            "volunteer",
            say="household 13800000002",
            en=("Only a captain or a coordinator",),
            zh=("四色名单",),
        ),
        Step(
            "volunteer",
            say="colour Building 2-1-502 red x",
            en=("Only a captain or a coordinator",),
            zh=("只有队长或社区负责人",),
        ),
        Step(
            "volunteer",
            say="responsible Building 2-1-502 Volunteer 1",
            en=("Only a captain or a coordinator",),
            zh=("只有队长或社区负责人",),
        ),
        Step(
            "captain", say="colour Building 2-1-502 purple", en=("which colour and why",), zh=("标什么颜色",)
        ),
        Step("captain", say="colour Building 2-1-502 red", en=("say why",), zh=("请说明为什么",)),
        Step("captain", say="colour 9-9-999 red moved", en=("There is no household",), zh=("没有住户",)),
        Step("captain", say="household nobody-here", en=("No household matches",), zh=("没有找到",)),
        Step(
            "captain", say="responsible Building 2-1-502", en=("Which household and who",), zh=("由谁负责",)
        ),
        Step(
            "captain",
            say="household Building 2-1-502",
            en=("Colour: blue", "nobody named yet"),
            zh=("颜色：蓝色",),
        ),
    ),
)

WATCH_DIALOGS: tuple[Dialog, ...] = (COLOURS_AND_NEEDS, FEVER, PRIVATE)

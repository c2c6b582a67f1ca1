"""Dialog tables of records in chat: a captain enters a past day's work from paper, step by step and in one
line (refused for a future day, a done time before the check-in, over 24 hours, someone of another team);
checks a member in and corrects hours, each with a reason; a coordinator reads the upward report."""

from __future__ import annotations

from tests.chat.dialog import Dialog, Step

PAST_TASK = r"#(?P<past>\d+)"

PAST_WORK = Dialog(
    "a captain enters a past day's gate duty from paper, guided, then in one line; bad records are refused",
    (
        Step("captain", say="past", en=("Which kind of work was it?",), zh=("是哪一类工作？",)),
        Step("captain", say="gate", en=("Which day was it done?",), zh=("是哪一天做的？",)),
        Step("captain", say="2026-02-20", en=("Who did it?",), zh=("是谁做的？",)),
        Step("captain", say="Volunteer 1、Volunteer 2", en=("When?",), zh=("什么时间？",)),
        Step(
            "captain", say="08:00-12:00", en=("The figures", "people checked"), zh=("请填写数据", "检查人数")
        ),
        Step(
            "captain",
            say="people_checked=80 health_codes=60",
            en=(
                "Entered afterwards: task #",
                "gate duty on 2026-02-20",
                "Volunteer 1, Volunteer 2",
                "8 hours in all",
            ),
            zh=("已补录：任务 #", "2026-02-20 卡口值守", "Volunteer 1、Volunteer 2", "共 8 小时"),
            keep=PAST_TASK,
        ),
        Step(
            "coordinator",
            say="upward 2026-02-20",
            en=(
                "Report to the street office",
                "(day 1)",
                "people checked at the gates: 80 today, 80 since the start",
            ),
            zh=("上报街道", "（第 1 天）", "卡口检查人数：今日 80，累计 80", "查验健康码：今日 60"),
        ),
        Step(
            "captain",
            say="past gate 2026-03-05 3h Volunteer 1 people_checked=1",
            en=("is in the future",),
            zh=("还没到",),
        ),
        Step(
            "captain",
            say="past gate 2026-02-21 08:00-07:00 Volunteer 1 people_checked=1",
            en=("is before the check-in",),
            zh=("早于签到时间",),
        ),
        Step(
            "captain",
            say="补录 防控巡查 2026-02-21 25小时 Volunteer 1 发现问题数=0",
            en=("a day has at most 24",),
            zh=("一天最多 24 小时",),
        ),
        Step(
            "captain",
            say="past gate 2026-02-21 2h Helper 1 people_checked=3",
            en=("A captain records work for their own team",),
            zh=("队长只能为本队队员补录",),
        ),
        Step("volunteer", say="past", en=("Only a captain or a coordinator",), zh=("只有队长或社区负责人",)),
        Step("captain", say="upward", en=("Only a coordinator",), zh=("只有社区负责人",)),
        Step(
            "captain",
            say="hours {past} Volunteer 1 2.5",
            en=("Why do Volunteer 1's hours for task #{past} change?",),
            zh=("为什么修改 Volunteer 1 在任务 #{past} 的服务时长？",),
        ),
        Step(
            "captain",
            say="the paper sheet says 2.5",
            en=("Volunteer 1's hours for task #{past}: 4 → 2.5.",),
            zh=("Volunteer 1 在任务 #{past} 的服务时长：4 → 2.5 小时。",),
        ),
    ),
)

CHECK_IN_FOR = Dialog(
    "a captain checks a member in for a shift, with a reason; not before the shift may be checked in",
    (
        Step("volunteer", say="claim {gate}", en=("You have task #{gate}",), zh=("任务 #{gate}",)),
        Step(
            "captain",
            say="checkinfor {gate} Volunteer 1",
            en=("Why do you check Volunteer 1 in for task #{gate}?",),
            zh=("为什么替 Volunteer 1 签到任务 #{gate}？",),
        ),
        Step("captain", say="too early", en=("a check-in cannot be earlier",), zh=("签到时间不能更早",)),
        Step(
            "captain", say="代签到 {gate} Volunteer 1", after=70, en=("Why do you check",), zh=("为什么替",)
        ),
        Step(
            "captain",
            say="no phone at the post; paper sign-in sheet",
            en=("Volunteer 1 is checked in for task #{gate}.",),
            zh=("已替 Volunteer 1 签到任务 #{gate}。",),
        ),
        Step(
            "volunteer",
            say="checkinfor {gate} Volunteer 2",
            en=("Only the team's captain",),
            zh=("只有本队队长",),
        ),
    ),
)

RECORD_DIALOGS = (PAST_WORK, CHECK_IN_FOR)

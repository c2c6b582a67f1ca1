"""Dialog tables of privacy (issue 19): a coordinator lists who read a household's private details, in a
direct chat only; a captain may not; nothing of it is said in a group.

The scene's households: Building 1-2-301 (Wang Lan) and Building 2-1-502 (Li Ming, blue).
"""

from __future__ import annotations

from tests.chat.dialog import Dialog, Step

SECRETS = ("Li Ming", "13800000002", "Wang Lan", "13800000001")

READS = Dialog(
    "a coordinator lists the reads of a household's details, in a direct chat only",
    (
        Step(
            "supply_captain",
            say="household 13800000002",
            en=("Household Building 2-1-502",),
            zh=("住户 Building 2-1-502",),
        ),
        Step(
            "coordinator",
            say="reads 2-1-502",
            en=(
                "Reads of household Building 2-1-502, newest first",
                "household card",
                "household search",
                "chat",
            ),
            zh=("住户 Building 2-1-502 的查看记录（最新在前）", "住户卡片", "住户搜索", "聊天"),
        ),
        Step(
            "supply_captain",
            say="reads 2-1-502",
            en=("Only a coordinator can do this.",),
            zh=("只有社区负责人可以这样做。",),
        ),
        Step(
            "coordinator",
            say="/reads 2-1-502",
            where="group",
            en=("ask me in a direct chat",),
            zh=("请私聊我查询",),
            never=SECRETS,
        ),
        Step(
            "coordinator",
            say="reads",
            en=("Whose reads? For example: reads 2-1-502",),
            zh=("查谁的查看记录？",),
        ),
    ),
)

PRIVACY_DIALOGS = (READS,)

"""Dialog tables of a team's group chat: linking a group to a team and unlinking it, in the group or with
a link code made in a direct chat; who may, and who is refused with nothing changed.

``new_group`` is a group the bot is in that is no team's chat when each dialog starts.
"""

from __future__ import annotations

from tests.chat.dialog import Dialog, Step

LEADS_EN, LEADS_ZH = ("Only the team's captain or a coordinator",), ("只有本队队长或社区负责人",)
#: The link code in the reply to "link" in a direct chat, kept for the steps said in the group.
LINK_CODE = r"[:：] ?(?P<link_code>[2-9A-Z]{8})\n"

CAPTAIN_LINKS = Dialog(
    "a captain links a new group to the team, a volunteer may not change it, the captain unlinks it",
    (
        Step(
            "captain",
            say="/link",
            where="new_group",
            en=("now the chat of team Gate duty", "task cards, alerts and announcements", "/unlink"),
            zh=("本群已绑定为Gate duty的队伍群", "任务卡片、预警和通知", "/unlink"),
        ),
        Step(
            "captain",
            say="/link",
            where="new_group",
            en=("already the chat of team Gate duty",),
            zh=("本群已经是Gate duty的队伍群",),
        ),
        Step("volunteer", say="/unlink", where="new_group", en=LEADS_EN, zh=LEADS_ZH),
        Step("volunteer", say="/link Supplies", where="new_group", en=LEADS_EN, zh=LEADS_ZH),
        Step("captain", say="/link Supplies", where="new_group", en=LEADS_EN, zh=LEADS_ZH),
        Step(
            "volunteer",
            say="/link",
            where="new_group",
            en=("already the chat of team Gate duty",),
            zh=("本群已经是Gate duty的队伍群",),
        ),
        Step(
            "captain",
            say="/unlink",
            where="new_group",
            en=("no longer the chat of team Gate duty", "stop coming here"),
            zh=("本群已不再是Gate duty的队伍群",),
        ),
        Step(
            "captain",
            say="/unlink",
            where="new_group",
            en=("not the chat of any team",),
            zh=("本群还没有绑定任何队伍",),
        ),
        Step("volunteer", say="/link", where="new_group", en=LEADS_EN, zh=LEADS_ZH),
        Step(
            "captain",
            say="绑定",
            where="new_group",
            en=("now the chat of team Gate duty",),
            zh=("本群已绑定为Gate duty的队伍群",),
        ),
        Step(
            "captain",
            say="解绑",
            where="new_group",
            en=("no longer the chat of team Gate duty",),
            zh=("本群已不再是Gate duty的队伍群",),
        ),
        Step("captain", say="thanks all, see you at the gate", where="new_group", silent=True),
    ),
)

COORDINATOR_LINKS = Dialog(
    "a coordinator links a group naming the team; another team's captain cannot take it over",
    (
        Step(
            "coordinator",
            say="/link",
            where="new_group",
            en=("Which team should this chat be for", "/link TEAM"),
            zh=("本群要绑定哪支队伍", "/link 队伍名"),
            buttons=("lk:{gate_team}",),
        ),
        Step(
            "coordinator",
            say="/link Atlantis",
            where="new_group",
            en=("There is no team “Atlantis”",),
            zh=("没有“Atlantis”这支队伍",),
        ),
        Step(
            "coordinator",
            say="/link Supplies",
            where="new_group",
            en=("now the chat of team Supplies",),
            zh=("本群已绑定为Supplies的队伍群",),
        ),
        Step(
            "captain",
            say="/link",
            where="new_group",
            en=("the chat of team Supplies; only its captain or a coordinator can change that",),
            zh=("本群是Supplies的队伍群，只有该队队长或社区负责人可以更改",),
        ),
        Step("captain", say="/unlink", where="new_group", en=LEADS_EN, zh=LEADS_ZH),
        Step(
            "coordinator",
            press="lk:{gate_team}",
            where="new_group",
            en=("now the chat of team Gate duty", "Until now it was the chat of team Supplies"),
            zh=("本群已绑定为Gate duty的队伍群", "此前本群是Supplies的队伍群"),
        ),
        Step("supply_captain", say="/unlink", where="new_group", en=LEADS_EN, zh=LEADS_ZH),
        Step(
            "captain",
            say="/unlink",
            where="new_group",
            en=("no longer the chat of team Gate duty",),
            zh=("本群已不再是Gate duty的队伍群",),
        ),
    ),
)

LINK_CODE_DIALOG = Dialog(
    "a captain makes a one-time link code in a direct chat and says it in the group",
    (
        Step("volunteer", say="link", en=LEADS_EN, zh=LEADS_ZH),
        Step(
            "captain",
            say="link",
            en=("Link code for the chat of team Gate duty", "It works once", "/link"),
            zh=("Gate duty队伍群的绑定码", "只能用一次", "/link"),
            keep=LINK_CODE,
        ),
        Step(
            "captain",
            say="/link {link_code}",
            where="new_group",
            en=("now the chat of team Gate duty",),
            zh=("本群已绑定为Gate duty的队伍群",),
        ),
        Step(
            "captain",
            say="/unlink",
            where="new_group",
            en=("no longer the chat of team Gate duty",),
            zh=("本群已不再是Gate duty的队伍群",),
        ),
        Step(
            "captain",
            say="/link {link_code}",
            where="new_group",
            en=("That link code is not known or has expired",),
            zh=("绑定码无效或已过期",),
        ),
        Step("captain", say="unlink", en=("in the group chat itself",), zh=("请在要解绑的群里",)),
        Step(
            "coordinator",
            say="link {gate_team}",
            en=("Link code for the chat of team Gate duty",),
            zh=("Gate duty队伍群的绑定码",),
            keep=LINK_CODE,
        ),
        Step(
            "coordinator",
            say="/link {link_code}",
            where="new_group",
            after=31,
            en=("That link code is not known or has expired",),
            zh=("绑定码无效或已过期",),
        ),
        Step(
            "coordinator",
            say="/unlink",
            where="new_group",
            en=("not the chat of any team",),
            zh=("本群还没有绑定任何队伍",),
        ),
    ),
)

TEAM_CHAT_DIALOGS: tuple[Dialog, ...] = (CAPTAIN_LINKS, COORDINATOR_LINKS, LINK_CODE_DIALOG)

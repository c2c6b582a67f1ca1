"""Dialog tables of the people tools: invites with uses and days, listed and revoked; a person's details
shown (the phone only in a direct chat, to whoever may change them), changed and deactivated; who may,
and who is refused with nothing changed."""

from __future__ import annotations

from tests.chat.dialog import Dialog, Step

LEADS_EN, LEADS_ZH = ("Only the team's captain or a coordinator",), ("只有本队队长或社区负责人",)
#: The code in the reply to an invite, kept for later steps.
NEW_CODE = r"[:：] ?(?P<new_code>[2-9A-Z]{8})\n"
PHONE = "13800001111"

INVITES = Dialog(
    "a captain makes an invite for five people and three days, lists and revokes it; no higher roles",
    (
        Step(
            "captain",
            say="invite volunteer uses=5 days=3",
            en=("Invite code for new volunteers in team Gate duty", "It works 5 times", "/start"),
            zh=("新志愿者", "Gate duty", "可用5次", "/start"),
            keep=NEW_CODE,
        ),
        Step(
            "captain",
            say="invites",
            en=("{new_code}: a volunteer in team Gate duty, 5 uses left", "{code}", "revoke CODE"),
            zh=("{new_code}：志愿者", "还可用5次", "{code}", "作废 邀请码"),
        ),
        Step("captain", say="/invites", where="group", en=(), zh=(), direct=("{new_code}",)),
        Step("volunteer", say="邀请码列表", en=LEADS_EN, zh=LEADS_ZH),
        Step("captain", say="invite captain Gate duty", en=("Only a coordinator",), zh=("只有社区负责人",)),
        Step("captain", say="invite coordinator", en=("Only a coordinator",), zh=("只有社区负责人",)),
        Step(
            "captain",
            say="invite volunteer uses=many",
            en=("“uses=” takes a whole number",),
            zh=("“uses=”后面要写整数",),
        ),
        Step(
            "captain",
            say="invite volunteer 天数=120",
            en=("between 1 and 90 days",),
            zh=("1到90天",),
        ),
        Step("volunteer", say="revoke {new_code}", en=("Only whoever may make",), zh=("只有有权发放",)),
        Step("captain", say="revoke {new_code}", en=("is revoked",), zh=("已作废",)),
        Step("captain", say="作废 {new_code}", en=("already used up or expired",), zh=("已用完或已过期",)),
        Step("stranger", say="/start {new_code}", en=("used up",), zh=("已用完",)),
        Step("captain", say="revoke", en=("Which invite?",), zh=("作废哪个邀请码",)),
        Step("coordinator", say="revoke NOPE2345", en=("There is no invite",), zh=("没有邀请码",)),
    ),
)

COORDINATOR_INVITES = Dialog(
    "a coordinator invites a captain for a day, sees every code, and must name the team for several uses",
    (
        Step(
            "coordinator",
            say="invite captain Supplies 次数=2 天数=1",
            en=("Invite code for new captains in team Supplies", "It works 2 times"),
            zh=("新队长", "可用2次"),
            keep=NEW_CODE,
        ),
        Step(
            "coordinator",
            say="invites",
            en=("{new_code}: a captain", "{code}"),
            zh=("{new_code}：队长", "{code}"),
        ),
        Step("captain", say="invites", en=("{code}",), zh=("{code}",)),
        Step("captain", say="revoke {new_code}", en=("Only whoever may make",), zh=("只有有权发放",)),
        Step(
            "coordinator",
            say="invite volunteer uses=3",
            en=("Name the team too",),
            zh=("请同时写明队伍",),
        ),
    ),
)

PERSON = Dialog(
    "a captain sees and changes a volunteer's details; the phone only in a direct chat, to its leads",
    (
        Step(
            "captain",
            say="person Volunteer 1",
            en=("Volunteer 1 (#{volunteer})", "Teams: Gate duty", "Skills: none", "Phone: —"),
            zh=("Volunteer 1（#{volunteer}）", "所在队伍：Gate duty", "电话：—"),
        ),
        Step(
            "captain",
            say=f"person Volunteer 1 phone={PHONE} skills=medic,driver",
            en=("Changed the phone number, the skills of Volunteer 1",),
            zh=("已修改Volunteer 1的电话、技能",),
        ),
        Step(
            "captain",
            say="/person Volunteer 1",
            where="group",
            en=("Skills: driver, medic",),
            zh=("技能：driver、medic",),
            never=(PHONE,),
        ),
        Step("captain", say="人员 Volunteer 1", en=(f"Phone: +86{PHONE}",), zh=(f"电话：+86{PHONE}",)),
        Step(
            "supply_captain",
            say="person Volunteer 1",
            en=("Skills: driver, medic",),
            zh=("技能：driver、medic",),
            never=(PHONE,),
        ),
        Step(
            "volunteer2",
            say="person Volunteer 1",
            en=("Only a captain or a coordinator can see",),
            zh=("只有队长或社区负责人可以查看",),
        ),
        Step(
            "captain",
            say="person Helper 1 phone=13900000000",
            en=("Only Helper 1's captain or a coordinator",),
            zh=("只有Helper 1所在队的队长或社区负责人",),
        ),
        Step(
            "captain",
            say="person Volunteer 1 phone=call-me",
            en=("is not a phone number",),
            zh=("不是有效的电话号码",),
        ),
        Step(
            "captain",
            say="person Volunteer 1 hobby=chess",
            en=("I do not know “hobby=”",),
            zh=("不认识“hobby=”",),
        ),
        Step(
            "captain", say="person Volunteer 1 language=fr", en=("en or zh",), zh=("en（英文）或 zh（中文）",)
        ),
        Step(
            "captain",
            say="person Nobody Here",
            en=("There is no person “Nobody”",),
            zh=("没有“Nobody”这个人",),
        ),
        Step("captain", say="person", en=("Whom?",), zh=("是哪位",)),
        Step(
            "coordinator",
            say="person Captain Liu 姓名=刘队长",
            en=("Changed the name of 刘队长",),
            zh=("已修改刘队长的姓名",),
        ),
        Step("captain", say=f"person Volunteer 1 phone={PHONE}", en=("Nothing changed",), zh=("没有变化",)),
    ),
)

DEACTIVATE = Dialog(
    "a captain deactivates a volunteer: the shift they held is free again and they are no longer answered",
    (
        Step("volunteer", say="claim {gate}", en=("#{gate}",), zh=("#{gate}",)),
        Step(
            "captain",
            say="deactivate Volunteer 1",
            en=("Please say why",),
            zh=("请说明停用Volunteer 1的原因",),
        ),
        Step(
            "volunteer2",
            say="deactivate Volunteer 1 gone",
            en=("Only Volunteer 1's captain or a coordinator",),
            zh=("只有Volunteer 1所在队的队长或社区负责人",),
        ),
        Step(
            "captain",
            say="deactivate Captain Chen tired",
            en=("Only Captain Chen's captain",),
            zh=("只有Captain Chen所在队",),
        ),
        Step(
            "captain",
            say="停用 Volunteer 1 moved away",
            en=("Volunteer 1 is deactivated (moved away)", "#{gate} “North gate afternoon”"),
            zh=("Volunteer 1已停用（moved away）", "#{gate}“North gate afternoon”"),
        ),
        Step("volunteer", say="my", en=("You are not registered yet",), zh=("你还没有登记",)),
        Step("captain", say="deactivate Volunteer 1 again", en=("already deactivated",), zh=("已经停用了",)),
        Step("coordinator", say="person {volunteer}", en=("Volunteer 1", ", deactivated"), zh=("，已停用",)),
        Step("volunteer2", say="claim {gate}", en=("#{gate}",), zh=("#{gate}",)),
    ),
)

PEOPLE_TOOL_DIALOGS = (INVITES, COORDINATOR_INVITES, PERSON, DEACTIVATE)

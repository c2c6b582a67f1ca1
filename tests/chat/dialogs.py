"""Dialog tables: who says or presses what, and what the reply must (or must not) contain, in two languages.

They are data, so the same tables can run through the chat layer directly (tests/chat/runner.py) and,
later, through the Telegram and Matrix adapters. Each table runs twice: once with every person reading
English, once with every person reading Chinese; ``en`` and ``zh`` hold the substrings expected in each.

``{gate}``, ``{delivery}``, ``{code}``, ``{old_code}``, ``{gate_team}`` and the cast's names in braces
(``{volunteer2}`` …, their person ids) are filled from the scene (tests/chat/scene.py).
"""

from __future__ import annotations

from tests.chat.dialog import Dialog, Step
from tests.chat.dialogs_conversation import CONVERSATION_DIALOGS
from tests.chat.dialogs_office_tools import OFFICE_TOOL_DIALOGS
from tests.chat.dialogs_people_tools import PEOPLE_TOOL_DIALOGS
from tests.chat.dialogs_privacy import PRIVACY_DIALOGS
from tests.chat.dialogs_records import RECORD_DIALOGS
from tests.chat.dialogs_requests import REQUEST_DIALOGS
from tests.chat.dialogs_shifts import SHIFT_DIALOGS
from tests.chat.dialogs_team_chats import TEAM_CHAT_DIALOGS
from tests.chat.dialogs_watch import WATCH_DIALOGS
from tests.chat.dialogs_web import WEB_DIALOGS

__all__ = ["DIALOGS", "Dialog", "Step"]


STRANGER = Dialog(
    "stranger joins with an invite code",
    (
        Step("stranger", say="hello", en=("not registered", "/start"), zh=("还没有登记", "邀请码")),
        Step("stranger", say="claim {gate}", en=("invite code",), zh=("邀请码",)),
        Step("stranger", say="good morning all", where="group", silent=True),
        Step("stranger", say="/start WRONG123", en=("not known",), zh=("邀请码不正确",)),
        Step("stranger", say="/start {old_code}", en=("expired",), zh=("已过期",)),
        Step(
            "stranger", say="/start {code}", en=("Welcome", "volunteer", "Gate duty"), zh=("欢迎你", "志愿者")
        ),
        Step("stranger", say="help", en=("What you can do", "claim 12"), zh=("你可以", "认领 12")),
        Step("stranger", say="tasks", en=("North gate afternoon",), zh=("North gate afternoon", "卡口值守")),
    ),
)

VOLUNTEER_SHIFT = Dialog(
    "volunteer claims a gate shift, checks in and reports it done step by step",
    (
        Step(
            "volunteer",
            say="help",
            en=("What you can do", "done 12"),
            zh=("你可以", "完成 12"),
            buttons=("p:1", "m"),
        ),
        Step(
            "volunteer",
            say="tasks",
            en=("Open tasks", "#{gate} gate duty"),
            zh=("可认领的任务", "卡口值守"),
            buttons=("c:{gate}",),
        ),
        Step(
            "volunteer",
            say="task {gate}",
            en=("North Gate", "2 of 2 free", "16:00–20:00"),
            zh=("地点：North Gate", "还剩 2 个"),
            buttons=("c:{gate}",),
        ),
        Step(
            "volunteer",
            press="c:{gate}",
            en=("You have task #{gate}", "checkin {gate}"),
            zh=("你已认领任务 #{gate}", "签到 {gate}"),
            buttons=("i:{gate}", "rl:{gate}"),
        ),
        Step("volunteer", say="my", en=("Your tasks", "claimed"), zh=("你的任务", "已认领")),
        Step(
            "volunteer", say="checkin {gate}", en=("check in when you are at the post",), zh=("到岗后再签到",)
        ),
        Step(
            "volunteer",
            press="i:{gate}",
            after=110,
            en=("Checked in",),
            zh=("坚守岗位",),
            buttons=("d:{gate}",),
        ),
        Step(
            "volunteer",
            say="done {gate}",
            after=10,  # the shift has begun: done is accepted only after the start
            en=("how many people checked",),
            zh=("检查人数是多少",),
            buttons=("s",),
        ),
        Step(
            "volunteer",
            say="lots",
            en=("must be a whole number", "how many people checked"),
            zh=("应填整数",),
        ),
        Step(
            "volunteer",
            say="30",
            en=("temperatures taken", "skip"),
            zh=("测温人数", "可以跳过"),
            buttons=("v:-",),
        ),
        Step("volunteer", say="28", en=("health codes verified",), zh=("查验健康码数",)),
        Step("volunteer", press="v:-", en=("turned away",), zh=("劝返人数",)),
        Step(
            "volunteer",
            say="2",
            en=("is done", "people checked: 30", "turned away: 2"),
            zh=("已完成", "检查人数：30", "劝返人数：2"),
        ),
        Step("volunteer", say="my", en=("You hold no tasks",), zh=("你现在没有认领任务",)),
    ),
)

VOLUNTEER_CHINESE = Dialog(
    "volunteer types Chinese commands",
    (
        Step("volunteer", say="认领 {gate}", en=("You have task #{gate}",), zh=("你已认领任务 #{gate}",)),
        Step("volunteer", say="我的", en=("Your tasks",), zh=("你的任务",)),
        Step("volunteer", say="签到{gate}", after=115, en=("Checked in",), zh=("签到",)),
        Step(
            "volunteer",
            say="完成 {gate} 检查人数=40 测温人数=40",
            after=5,  # after the start
            en=("is done", "people checked: 40"),
            zh=("已完成", "检查人数：40"),
        ),
        Step("volunteer", say="帮助", en=("What you can do",), zh=("你可以",)),
        Step("volunteer", say="规范", en=("Wear a mask",), zh=("志愿服务规范", "Wear a mask")),
    ),
)

PRIVACY_IN_GROUP = Dialog(
    "a delivery claimed in the group chat: the address and phone go only to the claimer, by direct message",
    (
        Step(
            "helper",
            say="task {delivery}",
            where="group",
            en=("Rice and vegetables", "Contactless"),
            zh=("Rice and vegetables",),
            never=("13800000001", "Wang Lan", "2-301", "Call before"),
        ),
        Step(
            "helper",
            say="/claim {delivery}",
            where="group",
            en=("Helper 1 has taken", "privately"),
            zh=("Helper 1认领了", "私信"),
            never=("13800000001", "Wang Lan", "Call before"),
            direct=("13800000001", "Wang Lan", "Call before you knock"),
        ),
        Step(
            "helper",
            say="task {delivery}",
            where="group",
            en=("0 of 1 free",),
            zh=("还剩 0 个",),
            never=("13800000001", "Wang Lan"),
            direct=("13800000001",),
        ),
        Step(
            "volunteer",
            say="task {delivery}",
            where="group",
            en=("Rice and vegetables",),
            zh=("Rice and vegetables",),
            never=("13800000001", "Wang Lan", "Call before"),
        ),
        Step(
            "volunteer",
            say="!claim {delivery}",
            where="group",
            en=("full",),
            zh=("已满员",),
            never=("13800000001",),
        ),
        Step("volunteer", say="thanks everyone", where="group", silent=True),
    ),
)

GIVING_BACK = Dialog(
    "volunteer gives a shift back, and later cannot complete one",
    (
        Step("volunteer", press="c:{gate}", en=("You have task",), zh=("你已认领",)),
        Step(
            "volunteer",
            press="rl:{gate}",
            en=("Why are you giving back",),
            zh=("为什么要退领",),
            buttons=("v:-", "s"),
        ),
        Step("volunteer", say="stop", en=("Stopped. Nothing was changed.",), zh=("已停止",)),
        Step("volunteer", say="my", en=("North gate afternoon",), zh=("North gate afternoon",)),
        Step("volunteer", say="release {gate} my mother is ill", en=("given back",), zh=("你已退领",)),
        Step("volunteer", say="claim {gate}", en=("You have task",), zh=("你已认领",)),
        Step("volunteer", say="cantdo {gate}", en=("What stops you",), zh=("是什么原因",)),
        Step("volunteer", press="v:-", en=("Please say in a few words",), zh=("请简单说明原因",)),
        Step("volunteer", say="my bicycle broke", en=("Your captain has been told",), zh=("已告诉队长",)),
        Step("volunteer", say="cantdo {gate} again", en=("already given back",), zh=("你已经退领了",)),
    ),
)

HEALTH = Dialog(
    "a community that asks for a health declaration before claiming",
    (
        Step(
            "volunteer",
            say="claim {gate}",
            en=("health declaration before claiming",),
            zh=("请先完成今天的健康申报",),
        ),
        Step("volunteer", say="health", en=("are you well",), zh=("身体正常吗",), buttons=("v:yes", "v:no")),
        Step("volunteer", press="v:yes", en=("temperature",), zh=("体温",)),
        Step("volunteer", say="46", en=("between 34 and 43",), zh=("34 到 43",)),
        Step("volunteer", say="36.6", en=("declaration for today is recorded",), zh=("今日健康申报已记录",)),
        Step("volunteer", say="claim {gate}", en=("You have task",), zh=("你已认领",)),
        Step("volunteer2", say="health no", en=("Please rest today",), zh=("今天请好好休息",)),
        Step("volunteer2", say="claim {gate}", en=("declared yourself unwell",), zh=("申报了身体不适",)),
        Step("volunteer2", say="health yes 36.4", en=("recorded",), zh=("已记录",)),
        Step("volunteer2", say="health maybe", en=("health yes",), zh=("健康 是",)),
    ),
    health_required=True,
)

EXPIRY = Dialog(
    "a guided question left alone expires with a note",
    (
        Step("volunteer", say="health", en=("are you well",), zh=("身体正常吗",)),
        Step(
            "volunteer", say="yes", after=20, en=("timed out", "did not understand"), zh=("已作废", "没看懂")
        ),
        Step("volunteer", press="v:yes", en=("no longer open",), zh=("已经结束",)),
    ),
)

CAPTAIN = Dialog(
    "captain creates work, watches the board, reassigns, marks a no-show, cancels, tells the team",
    (
        Step(
            "captain",
            say="help",
            en=("As a captain", "reassign 12"),
            zh=("队长可以", "改派 12"),
            buttons=("b",),
        ),
        Step(
            "captain",
            say="new",
            en=("what kind of work",),
            zh=("是哪类工作",),
            buttons=("v:gate_shift", "v:delivery"),
        ),
        Step("captain", press="v:gate_shift", en=("short title",), zh=("简短标题",)),
        Step("captain", say="South gate evening", en=("When is the shift",), zh=("值班时间",)),
        Step("captain", say="sometime", en=("could not read that time",), zh=("看不懂这个时间",)),
        Step("captain", say="20:00-23:00", en=("How many people",), zh=("需要几个人",), buttons=("v:2",)),
        Step("captain", press="v:2", en=("urgent",), zh=("紧急吗",)),
        Step(
            "captain",
            press="v:yes",
            en=("Task created", "South gate evening", "20:00–23:00", "URGENT"),
            zh=("任务已创建", "紧急"),
        ),
        Step(
            "captain",
            say="new delivery due=18:00 Medicine for Building 2",
            en=("Task created", "Medicine for Building 2", "before"),
            zh=("任务已创建", "前"),
        ),
        Step("volunteer", say="claim {gate}", en=("You have task",), zh=("你已认领",)),
        Step(
            "captain",
            say="board",
            en=("Board of Gate duty", "Volunteer 1: claimed", "South gate evening"),
            zh=("Gate duty看板", "Volunteer 1：已认领"),
        ),
        Step(
            "captain",
            say="reassign {gate}",
            en=("1 open of 2 places and is held by Volunteer 1", "Fill the open place, or replace someone?"),
            zh=("还空 1 个", "现由Volunteer 1负责"),
            buttons=("rf:{gate}:0", "rf:{gate}:{volunteer}"),
        ),
        Step(
            "captain",
            press="rf:{gate}:{volunteer}",
            en=("held by Volunteer 1",),
            zh=("现在由Volunteer 1负责",),
            buttons=("ra:{gate}:{volunteer2}:{volunteer}",),
        ),
        Step(
            "captain",
            press="ra:{gate}:{volunteer2}:{volunteer}",
            en=("now goes to Volunteer 2",),
            zh=("已改派给Volunteer 2",),
        ),
        Step("captain", say="noshow {gate} {volunteer2}", en=("has not started yet",), zh=("还没开始",)),
        Step(
            "captain",
            say="noshow {gate}",
            after=135,
            en=("Who did not come",),
            zh=("谁没有到岗",),
            buttons=("ns:{gate}:{volunteer2}",),
        ),
        Step(
            "captain",
            press="ns:{gate}:{volunteer2}",
            en=("Volunteer 2 is marked as a no-show",),
            zh=("已将Volunteer 2记为任务",),
        ),
        Step("captain", say="board", en=("No-shows today: Volunteer 2",), zh=("今日缺岗：Volunteer 2",)),
        Step("captain", say="cancel {gate} storm warning", en=("is cancelled",), zh=("已取消",)),
        Step(
            "captain",
            say="announce Masks on at every gate, please.",
            en=("Sent to Gate duty",),
            zh=("已发给Gate duty",),
        ),
        Step("captain", say="通知", en=("What should I tell the team",), zh=("要通知全队什么",)),
        Step(
            "captain",
            say="Meeting at 19:00 by the north gate",
            en=("Sent to Gate duty", "Meeting at 19:00"),
            zh=("已发给Gate duty",),
        ),
    ),
)

WORK_UNDER_WAY = Dialog(
    "work under way cannot be cancelled, and says so in words",
    (
        Step("volunteer", say="claim {gate}", en=("You have task",), zh=("你已认领",)),
        Step("volunteer", say="checkin {gate}", after=115, en=("Checked in",), zh=("签到",)),
        Step("volunteer", say="checkin {gate}", en=("already checked in",), zh=("你已在任务",)),
        Step(
            "captain",
            say="cancel {gate}",
            en=("is in progress and can no longer be cancelled",),
            zh=("任务 #{gate} 进行中，已不能取消",),
        ),
    ),
)

NOT_ALLOWED = Dialog(
    "a volunteer trying a lead's commands is told why not, and nothing changes",
    (
        Step(
            "volunteer",
            say="board",
            en=("Only the team's captain or a coordinator",),
            zh=("只有本队队长或社区负责人",),
        ),
        Step(
            "volunteer",
            say="cancel {gate}",
            en=("Only the team's captain or a coordinator",),
            zh=("只有本队队长或社区负责人",),
        ),
        Step(
            "volunteer",
            say="reassign {gate}",
            en=("Only the team's captain or a coordinator",),
            zh=("只有本队队长",),
        ),
        Step("volunteer", say="new", en=("Only the team's captain or a coordinator",), zh=("只有本队队长",)),
        Step("volunteer", say="today", en=("Only a coordinator",), zh=("只有社区负责人",)),
        Step("volunteer", say="teams", en=("Only a coordinator",), zh=("只有社区负责人",)),
        Step("volunteer", say="invite captain Gate duty", en=("Only a coordinator",), zh=("只有社区负责人",)),
        Step(
            "supply_captain",
            say="cancel {gate}",
            en=("Only the team's captain or a coordinator",),
            zh=("只有本队队长",),
        ),
        Step("volunteer", say="task {gate}", en=("2 of 2 free",), zh=("还剩 2 个",)),
    ),
)

COORDINATOR = Dialog(
    "coordinator looks at today's figures, escalations and teams, and creates invites",
    (
        Step(
            "helper", say="claim {delivery}", en=("You have task",), zh=("你已认领",), direct=("13800000001",)
        ),
        Step(
            "helper",
            say="done {delivery} households=1 items=12",
            en=("is done", "households served: 1", "items: 12"),
            zh=("已完成", "服务户数：1", "物品件数：12"),
        ),
        Step("coordinator", say="help", en=("As a coordinator", "today"), zh=("社区负责人可以", "今日")),
        Step(
            "coordinator",
            say="today",
            en=(
                "today so far",
                "doorstep delivery: households served 1, items 12",
                "Tasks done (each task once): 1; people's completions (each person's part): 1",
            ),
            zh=("今日数据", "送货上门：服务户数 1、物品件数 12", "完成任务（每项计一次）：1 项；完成人次"),
        ),
        Step("coordinator", say="escalations", en=("No escalations are open",), zh=("没有预警",)),
        Step(
            "coordinator",
            say="teams",
            en=("Gate duty: 5 members, captain Captain Chen",),
            zh=("Gate duty：5 人，队长 Captain Chen",),
            buttons=("b:{gate_team}",),
        ),
        Step("coordinator", press="b:{gate_team}", en=("Board of Gate duty",), zh=("Gate duty看板",)),
        Step(
            "coordinator",
            say="invite volunteer",
            en=("which team",),
            zh=("哪支队伍",),
            buttons=("iv:v:{gate_team}",),
        ),
        Step(
            "coordinator",
            press="iv:v:{gate_team}",
            en=("Invite code for a new volunteer", "/start"),
            zh=("新志愿者", "/start"),
        ),
        Step(
            "coordinator",
            say="invite coordinator",
            en=("Invite code for a new coordinator",),
            zh=("新社区负责人",),
        ),
        Step("coordinator", say="invite", en=("Which role",), zh=("邀请什么角色",)),
        Step("coordinator", say="/invite volunteer", where="group", en=(), zh=(), direct=("/start",)),
    ),
)

LANGUAGE = Dialog(
    "switching language is remembered",
    (
        Step(
            "volunteer", say="language", en=("Which language",), zh=("请选择语言",), buttons=("l:en", "l:zh")
        ),
        Step("volunteer", press="l:zh", en=("简体中文回复",), zh=("简体中文回复",)),
        Step("volunteer", say="tasks", en=("可认领的任务",), zh=("可认领的任务",)),
        Step("volunteer", say="language english", en=("in English",), zh=("in English",)),
        Step("volunteer", say="my", en=("You hold no tasks",), zh=("You hold no tasks",)),
        Step("volunteer", say="language klingon", en=("Which language",), zh=("Which language",)),
    ),
)

BAD_INPUT = Dialog(
    "malformed input gets a helpful reply",
    (
        Step("volunteer", say="claim", en=("Which task", "claim 12"), zh=("是哪个任务", "认领 12")),
        Step("volunteer", say="claim twelve", en=("Which task",), zh=("是哪个任务",)),
        Step(
            "volunteer",
            say="claim 99999999",
            en=("There is no task #99999999",),
            zh=("没有 #99999999 号任务",),
        ),
        Step("volunteer", say="/claim@coord_bot {gate}", en=("You have task",), zh=("你已认领",)),
        Step("volunteer", say="claim {gate}", en=("You already have task",), zh=("你已经认领过了",)),
        Step(
            "volunteer", say="done {gate} bogus=1", en=("Check in at your post first",), zh=("请先到岗签到",)
        ),
        Step(
            "volunteer",
            say="abracadabra",
            en=("did not understand “abracadabra”",),
            zh=("没看懂“abracadabra”",),
        ),
        Step("volunteer", press="zz:9", en=("button no longer works",), zh=("按钮已失效",)),
        Step("volunteer", press="v:1", en=("no longer open",), zh=("已经结束",)),
        Step("volunteer", say="stop", en=("nothing to stop",), zh=("没有需要停止",)),
        Step(
            "volunteer",
            say="tasks Atlantis",
            en=("no zone or grid called “Atlantis”",),
            zh=("没有叫“Atlantis”的片区或网格",),
        ),
        Step(
            "volunteer", say="tasks Zone 1 today", en=("North gate afternoon",), zh=("North gate afternoon",)
        ),
        Step("volunteer", say="tasks patrol", en=("No open tasks",), zh=("暂时没有可认领的任务",)),
        Step("volunteer", say="", en=("only read text",), zh=("只能读懂文字",)),
        Step("helper", say="claim {delivery}", en=("You have task",), zh=("你已认领",)),
        Step(
            "helper",
            say="done {delivery} bogus=1 households=2",
            en=("does not record “bogus”",),
            zh=("不记录“bogus”",),
        ),
        Step(
            "helper", say="done {delivery} households=-3", en=("between 0 and 100000",), zh=("0 到 100000",)
        ),
    ),
)

DIALOGS: tuple[Dialog, ...] = (
    STRANGER,
    VOLUNTEER_SHIFT,
    VOLUNTEER_CHINESE,
    PRIVACY_IN_GROUP,
    GIVING_BACK,
    HEALTH,
    EXPIRY,
    CAPTAIN,
    WORK_UNDER_WAY,
    NOT_ALLOWED,
    COORDINATOR,
    LANGUAGE,
    BAD_INPUT,
)

# Each topic's tables live in a module of their own (tests/chat/dialogs_<topic>.py, importing Step and Dialog
# from tests/chat/dialog.py) and join here, one line each.
TOPICS: tuple[Dialog, ...] = (
    *TEAM_CHAT_DIALOGS,
    *CONVERSATION_DIALOGS,
    *SHIFT_DIALOGS,
    *WATCH_DIALOGS,
    *OFFICE_TOOL_DIALOGS,
    *PEOPLE_TOOL_DIALOGS,
    *REQUEST_DIALOGS,
    *RECORD_DIALOGS,
    *PRIVACY_DIALOGS,
    *WEB_DIALOGS,
)

DIALOGS = (*DIALOGS, *TOPICS)

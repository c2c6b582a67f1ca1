"""Dialog tables of the conversation (issue 15 §6): a pending question never swallows a command, and free text
keeps what was typed; and of what a new captain meets first (§8): a shift in one line, with a place."""

from __future__ import annotations

from tests.chat.dialog import Dialog, Step

SET_ASIDE = ("earlier question is cancelled",)
SET_ASIDE_ZH = ("刚才的问题已取消",)

A_COMMAND_IS_NOT_AN_ANSWER = Dialog(
    "a command sent while a question waits is run; the question is dropped, saying so",
    (
        Step("volunteer", say="claim {gate}", en=("You have task",), zh=("你已认领",)),
        Step("volunteer", say="cantdo {gate}", en=("What stops you",), zh=("是什么原因",)),
        # "help" is not the reason: it is answered, and the question is dropped
        Step("volunteer", say="help", en=(*SET_ASIDE, "What you can do"), zh=(*SET_ASIDE_ZH, "你可以")),
        # nothing was reported: the task is still held
        Step("volunteer", say="my", en=("Your tasks", "claimed"), zh=("你的任务", "已认领")),
        Step("volunteer", say="cantdo {gate}", en=("What stops you",), zh=("是什么原因",)),
        # a second "cantdo" with its own reason is that command, not the first question's reason
        Step(
            "volunteer",
            say="cantdo {gate} 自行车坏了！",
            en=(*SET_ASIDE, "Your captain has been told"),
            zh=(*SET_ASIDE_ZH, "已告诉队长"),
        ),
        Step("captain", say="new", en=("what kind of work",), zh=("是哪类工作",)),
        Step("captain", say="board", en=(*SET_ASIDE, "Board of Gate duty"), zh=(*SET_ASIDE_ZH, "看板")),
        # a number after a door's word (or a record for a member) makes it a command too, never an answer
        Step("captain", say="new", en=("what kind of work",), zh=("是哪类工作",)),
        Step(
            "captain",
            say="delivered 999",
            en=(*SET_ASIDE, "There is no request #999"),
            zh=(*SET_ASIDE_ZH, "#999"),
        ),
        # the question is gone: a kind typed now is not an answer to it
        Step("captain", say="delivery", en=("did not understand",), zh=("没看懂",)),
    ),
)

SHORT_ANSWERS_STAY_ANSWERS = Dialog(
    "short answers that are also command words (健康, skip) still answer the question",
    (
        Step("volunteer", say="health", en=("are you well",), zh=("身体正常吗",)),
        Step("volunteer", say="健康", en=("temperature",), zh=("体温",)),
        Step("volunteer", say="３６．６", en=("recorded",), zh=("已记录",)),
        Step("volunteer", say="claim {gate}", en=("You have task",), zh=("你已认领",)),
        Step("volunteer", say="release {gate}", en=("Why are you giving back",), zh=("为什么要退领",)),
        Step("volunteer", say="跳过", en=("given back",), zh=("你已退领",)),
    ),
)

FREE_TEXT_AS_TYPED = Dialog(
    "titles and announcements keep their full-width punctuation; numbers and options are read folded",
    (
        Step(
            "captain",
            say="new delivery due=１８：００ 药品（急用），送到３栋！",
            en=("Task created", "药品（急用），送到３栋！"),
            zh=("任务已创建", "药品（急用），送到３栋！"),
        ),
        Step("captain", say="new", en=("what kind of work",), zh=("是哪类工作",)),
        Step("captain", press="v:gate_shift", en=("short title",), zh=("简短标题",)),
        Step("captain", say="北门（晚班）！", en=("When is the shift",), zh=("值班时间",)),
        Step("captain", say="２０：００－２３：００", en=("How many people",), zh=("需要几个人",)),
        Step("captain", say="２", en=("urgent",), zh=("紧急吗",)),
        Step(
            "captain",
            press="v:no",
            en=("Task created", "北门（晚班）！"),
            zh=("任务已创建", "北门（晚班）！"),
        ),
        Step(
            "captain",
            say="announce 明早８点在北门集合，请戴好口罩！",
            en=("Sent to Gate duty", "明早８点在北门集合，请戴好口罩！"),
            zh=("明早８点在北门集合，请戴好口罩！",),
        ),
        Step("captain", say="通知", en=("What should I tell the team",), zh=("要通知全队什么",)),
        Step(
            "captain",
            say="大家辛苦了！（晚上见）",
            en=("大家辛苦了！（晚上见）",),
            zh=("大家辛苦了！（晚上见）",),
        ),
        Step("volunteer", say="认领　{gate}", en=("You have task",), zh=("你已认领",)),
    ),
)

A_SHIFT_IN_ONE_LINE = Dialog(
    "a captain posts a shift in one line, with a place; work without a place asks where it is (issue 15 §8)",
    (
        Step(
            "captain",
            say="new gate_shift at=15:00 for=2h cap=3 place=North_Gate South gate afternoon",
            en=("Task created", "South gate afternoon", "15:00–17:00", "3 of 3 free"),
            zh=("任务已创建", "South gate afternoon", "还剩 3/3 个名额"),
            never=("Where is task",),
        ),
        Step(
            "captain",
            say="新任务 卡口 时间=18:00 时长=90分钟 人数=2 地点=north_gate 北门夜班",
            en=("Task created", "北门夜班", "18:00–19:30"),
            zh=("任务已创建", "北门夜班", "18:00–19:30"),
        ),
        Step(
            "captain",
            say="new gate at=15:00 South gate",
            en=("Shift work needs a start and an end", "for=2h"),
            zh=("值班需要开始和结束时间", "时长=2小时"),
        ),
        Step(
            "captain", say="new gate at=15:00 for=forever South gate", en=("A shift lasts",), zh=("值班时长",)
        ),
        # an unknown kind is answered with the kinds there are, in the reader's words
        Step(
            "captain",
            say="new castle at=15:00 Moat",
            en=("Unknown kind of work “castle”", "gate_shift"),
            zh=("没有“castle”这类工作", "卡口值守、"),
        ),
        Step(
            "captain",
            say="new delivery due=18:00 Medicine for Building 2",
            en=("Task created", "Where is task #", "place"),
            zh=("任务已创建", "在哪里", "地点"),
        ),
        Step(
            "captain",
            say="place {gate} north gate",
            en=("is at North Gate now",),
            zh=("地点已设为North Gate",),
        ),
        Step("captain", say="place {gate} Atlantis", en=("no place called",), zh=("没有叫“Atlantis”的地点",)),
        # zones by their number as well as by name
        Step("volunteer", say="tasks zone 1", en=("North gate afternoon",), zh=("North gate afternoon",)),
        Step("volunteer", say="任务 片区1", en=("North gate afternoon",), zh=("North gate afternoon",)),
    ),
)

CONVERSATION_DIALOGS: tuple[Dialog, ...] = (
    A_COMMAND_IS_NOT_AN_ANSWER,
    SHORT_ANSWERS_STAY_ANSWERS,
    FREE_TEXT_AS_TYPED,
    A_SHIFT_IN_ONE_LINE,
)

"""The words people type: command names in English and Chinese, and short answers (yes, no, skip, stop)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Verb:
    """A command: every spelling of it, lower case, and whether answering it only reads (changes no work)."""

    words: tuple[str, ...]
    reads_only: bool = False


#: Every command by its name. Chinese words are matched also without a space before the argument ("认领12").
COMMANDS: dict[str, Verb] = {
    "start": Verb(("start", "开始")),
    "help": Verb(("help", "menu", "?", "帮助", "菜单", "说明"), reads_only=True),
    "language": Verb(("language", "lang", "语言", "切换语言"), reads_only=True),
    "standard": Verb(("standard", "rules", "服务规范", "规范"), reads_only=True),
    "tasks": Verb(("tasks", "list", "open", "任务", "任务列表", "任务清单"), reads_only=True),
    "task": Verb(("task", "card", "show", "任务详情", "详情"), reads_only=True),
    "claim": Verb(("claim", "take", "认领", "领取", "接单")),
    "my": Verb(("my", "mine", "mytasks", "我的", "我的任务"), reads_only=True),
    "checkin": Verb(("checkin", "check-in", "check_in", "arrived", "签到", "到岗")),
    "done": Verb(("done", "finish", "finished", "完成", "已完成")),
    "release": Verb(("release", "giveback", "退领", "放弃", "退出任务")),
    "decline": Verb(("decline", "推辞", "婉拒")),
    "cantdo": Verb(("cantdo", "can't", "cant", "cannot", "无法完成", "完成不了", "做不了")),
    "health": Verb(("health", "healthy", "健康", "健康申报", "健康打卡")),
    "board": Verb(("board", "roster", "看板", "值班表", "排班表"), reads_only=True),
    "new": Verb(("new", "newtask", "create", "新任务", "发布任务", "发布", "新建")),
    "reassign": Verb(("reassign", "assign", "改派", "指派", "派给")),
    "noshow": Verb(("noshow", "no-show", "no_show", "缺岗", "未到岗", "脱岗")),
    "donefor": Verb(("donefor", "done-for", "recordfor", "代报", "代报完成", "代为完成")),
    "checkinfor": Verb(("checkinfor", "checkin-for", "check-in-for", "代签到", "代为签到")),
    "past": Verb(("past", "backfill", "补录", "补登", "补录工作")),
    "hours": Verb(("hours", "改时长", "服务时长", "修改时长")),
    "cancel": Verb(("cancel", "取消")),
    "place": Verb(("place", "where", "地点", "位置")),
    "announce": Verb(("announce", "broadcast", "通知", "群发", "公告")),
    "today": Verb(("today", "figures", "今日", "今天", "今日数据", "数据"), reads_only=True),
    "escalations": Verb(("escalations", "alerts", "升级", "预警", "告警"), reads_only=True),
    "upward": Verb(("upward", "上报", "上报数据", "报街道"), reads_only=True),
    "teams": Verb(("teams", "队伍", "团队", "各队"), reads_only=True),
    "invite": Verb(("invite", "邀请", "邀请码")),
    "invites": Verb(("invites", "邀请码列表", "查看邀请码"), reads_only=True),
    "revoke": Verb(("revoke", "作废", "作废邀请码", "撤销邀请码")),
    "person": Verb(("person", "人员", "队员信息", "人员信息")),
    "deactivate": Verb(("deactivate", "停用", "停用人员")),
    "watch": Verb(("watch", "watchlist", "四色", "四色名单", "观察名单", "重点户"), reads_only=True),
    "household": Verb(("household", "households", "住户", "查户", "住户查询"), reads_only=True),
    "reads": Verb(("reads", "查看记录", "查阅记录", "读取记录"), reads_only=True),
    "colour": Verb(("colour", "color", "标色", "颜色", "改色")),
    "responsible": Verb(("responsible", "责任人", "专人")),
    "medic": Verb(("medic", "doctor", "医生", "医护")),
    "link": Verb(("link", "绑定", "绑定群", "关联群")),
    "unlink": Verb(("unlink", "解绑", "解除绑定", "取消绑定")),
    "secretary": Verb(("secretary", "partysecretary", "书记", "党支部书记", "社区书记")),
    "places": Verb(("places", "地点列表", "场所列表", "楼栋列表"), reads_only=True),
    "areas": Verb(("areas", "zones", "grids", "片区列表", "网格列表", "片区网格"), reads_only=True),
    "rename": Verb(("rename", "改名", "重命名")),
    "remove": Verb(("remove", "delete", "删除", "移除")),
    "grid": Verb(("grid", "网格", "网格角色", "一长三员")),
    "web": Verb(("web", "weblink", "网页", "网页版", "登录网页", "看板链接")),
    # Residents' requests (coord/chat/residents.py, coord/chat/orders.py)
    "order": Verb(("order", "点单", "下单", "订购")),
    "requests": Verb(("requests", "orders", "订单", "我的订单", "点单记录"), reads_only=True),
    "received": Verb(("received", "gotit", "收到", "已收到")),
    "problem": Verb(("problem", "issue", "问题", "反馈问题")),
    "withdraw": Verb(("withdraw", "撤单", "取消订单")),
    "home": Verb(("home", "住址", "门牌", "门牌号")),
    "phone": Verb(("phone", "手机", "手机号")),
    "delivered": Verb(("delivered", "送达", "已送达")),
    "notathome": Verb(("notathome", "nobody", "不在家", "无人应门")),
    "refused": Verb(("refused", "拒收")),
    "residents": Verb(("residents", "待确认", "待确认住户"), reads_only=True),
    "confirm": Verb(("confirm", "确认", "确认住户")),
    "keep": Verb(("keep", "保留")),
    "doorcode": Verb(("doorcode", "楼栋码", "门码", "住户码")),
    "closeorders": Verb(("closeorders", "cutoff", "截单", "截止点单")),
    "stop": Verb(("stop", "quit", "exit", "停止", "退出", "算了")),
}

#: Spelling → command name.
ALIASES: dict[str, str] = {word: name for name, verb in COMMANDS.items() for word in verb.words}

#: Chinese spellings, longest first, for matching a command glued to its argument.
CHINESE_PREFIXES: tuple[str, ...] = tuple(
    sorted((w for w in ALIASES if not w.isascii()), key=len, reverse=True)
)

SKIP_WORDS = frozenset({"skip", "-", "—", "none", "跳过", "无", "没有", "不填"})
YES_WORDS = frozenset(
    {"yes", "y", "ok", "okay", "well", "fine", "1", "是", "好", "好的", "对", "正常", "健康", "有"}
)
NO_WORDS = frozenset(
    {"no", "n", "not", "unwell", "sick", "0", "否", "不", "不是", "不好", "不适", "异常", "没有"}
)

TODAY_WORDS = frozenset({"today", "今天", "今日"})
NOW_WORDS = frozenset({"now", "soon", "现在", "马上", "近期"})
TOMORROW_WORDS = frozenset({"tomorrow", "明天", "明日"})
URGENT_WORDS = frozenset({"urgent", "紧急", "加急", "急"})
PAGE_WORDS = frozenset({"page", "p", "页", "第"})

LANGUAGE_WORDS: dict[str, str] = {
    "en": "en",
    "english": "en",
    "英文": "en",
    "英语": "en",
    "zh": "zh",
    "cn": "zh",
    "zh-cn": "zh",
    "zh_cn": "zh",
    "zh-hans": "zh",
    "chinese": "zh",
    "中文": "zh",
    "简体中文": "zh",
    "汉语": "zh",
}

ROLE_WORDS: dict[str, str] = {
    "volunteer": "volunteer",
    "v": "volunteer",
    "志愿者": "volunteer",
    "captain": "captain",
    "c": "captain",
    "队长": "captain",
    "组长": "captain",
    "网格长": "captain",
    "coordinator": "coordinator",
    "coord": "coordinator",
    "协调员": "coordinator",
    "书记": "coordinator",
    "负责人": "coordinator",
    "社区负责人": "coordinator",
}

#: Words for the kinds of work (coord.kinds), as people say them.
KIND_WORDS: dict[str, str] = {
    "delivery": "delivery",
    "deliver": "delivery",
    "送货": "delivery",
    "送货上门": "delivery",
    "送菜": "delivery",
    "配送": "delivery",
    "purchase": "purchase",
    "medicine": "purchase",
    "buy": "purchase",
    "代买": "purchase",
    "代购": "purchase",
    "买药": "purchase",
    "团购": "purchase",
    "代购代买药": "purchase",
    "gate_shift": "gate_shift",
    "gate": "gate_shift",
    "卡口": "gate_shift",
    "卡口值守": "gate_shift",
    "门岗": "gate_shift",
    "值守": "gate_shift",
    "disinfection": "disinfection",
    "disinfect": "disinfection",
    "消杀": "disinfection",
    "消毒": "disinfection",
    "patrol": "patrol",
    "巡查": "patrol",
    "巡逻": "patrol",
    "防控巡查": "patrol",
    "screening": "screening",
    "排查": "screening",
    "入户排查": "screening",
    "checkin_call": "checkin_call",
    "call": "checkin_call",
    "电话": "checkin_call",
    "电话询问": "checkin_call",
    "回访": "checkin_call",
    "outreach": "outreach",
    "flyers": "outreach",
    "宣传": "outreach",
    "发传单": "outreach",
    "宣传发放": "outreach",
    "follow_up": "follow_up",
    "跟进": "follow_up",
}

#: The four colours of the watch list (四色标示法), as people say them.
COLOUR_WORDS: dict[str, str] = {
    **{word: "red" for word in ("red", "红", "红色", "红码")},
    **{word: "yellow" for word in ("yellow", "黄", "黄色", "黄码")},
    **{word: "blue" for word in ("blue", "蓝", "蓝色", "蓝码")},
    **{word: "green" for word in ("green", "绿", "绿色", "绿码")},
}

"""Dialog tables of residents' requests (issue 16): a resident (the scene's stranger) joins with the code on
the building's door, names the home, confirms it with the phone on file, orders, follows the order and
confirms it or reports a problem; a desk volunteer orders for a neighbour without a phone; a captain closes
the orders, a buyer buys the totals and a runner marks the doors; a captain sees every open request and keeps
a possible duplicate. Bad input changes nothing.

The scene's households: Building 1-2-301 (Wang Lan, 13800000001) and Building 2-1-502 (Li Ming, 13800000002).
"""

from __future__ import annotations

from tests.chat.dialog import Dialog, Step

CODE = r"(?<![A-Za-z0-9])(?P<door>[2-9A-HJKMNP-Z]{8})(?![A-Za-z0-9])"
TOO_LONG = "order " + "rice 1 bag, " * 100

RESIDENT_ORDERS = Dialog(
    "a resident joins with the building's code, orders, is told, confirms and reports a problem",
    (
        Step(
            "supply_captain",
            say="doorcode Building 1",
            en=("Code of Building 1",),
            zh=("Building 1 的住户码",),
            keep=CODE,
        ),
        Step("stranger", say="/start ZZZZ2222", en=("not known",), zh=("不正确",)),
        Step(
            "stranger",
            say="/start {door}",
            en=("Welcome to Building 1", "unit and room"),
            zh=("欢迎来到 Building 1", "几单元几号房"),
        ),
        Step("stranger", say="9 999", en=("has no unit 9 room 999",), zh=("没有 9 单元 999 室",)),
        Step(
            "stranger",
            say="2 301",
            en=("Your home: Building 1-2-301", "phone"),
            zh=("你的住址：Building 1-2-301",),
        ),
        Step("stranger", say="order rice 2 bags", en=("not confirmed yet",), zh=("尚未确认",)),
        Step("stranger", say="phone 13900000000", en=("not the number",), zh=("不是社区登记",)),
        Step("stranger", say="phone 138 0000 0001", en=("confirmed",), zh=("已确认",)),
        Step(
            "stranger",
            say="help",
            en=("order rice 1 bag", "received 12"),
            zh=("点单", "收到 12"),
            never=("claim", "认领"),
        ),
        Step("stranger", say="tasks", en=("That is for volunteers",), zh=("志愿者",), never=("North gate",)),
        Step("stranger", say="order", en=("What do you need?",), zh=("需要什么",)),
        Step("stranger", say=TOO_LONG, en=("too long",), zh=("太长",)),
        Step(
            "stranger",
            say="order rice 2 bags, eggs 10",
            en=("is received", "Orders close at 20:00"),
            zh=("已收到", "20:00 截单"),
            keep=r"#(?P<req>\d+)",
        ),
        Step(
            "stranger",
            say="order insulin 1 box",
            en=("is urgent", "buy it now"),
            zh=("加急",),
            keep=r"#(?P<med>\d+)",
        ),
        Step("stranger", say="requests", en=("#{req}", "accepted", "#{med}"), zh=("#{req}", "已受理")),
        Step(
            "helper",
            say="order Li Ming milk 2",
            # At the desk, naming a household by its contact shows its building, not its address.
            en=("For Building 2:", "is received"),
            zh=("为 Building 2 点单", "已收到"),
            never=("1-502",),
            keep=r"#(?P<other>\d+)",
        ),
        Step(
            "stranger",
            say="received {other}",
            en=("There is no request #{other} of yours",),
            zh=("没有你的",),
        ),
        Step(
            "stranger",
            say="problem {other} wrong",
            en=("There is no request #{other} of yours",),
            zh=("没有你的",),
            never=("Li Ming", "1-502"),
        ),
        Step("stranger", say="received {med}", en=("has not been left",), zh=("还没有送到",)),
        Step(
            "helper",
            say="requests",
            en=("#{other} Building 2 ", "desk"),
            zh=("#{other} Building 2 ", "线下"),
            never=("#{req} ", "1-502"),
        ),
        Step(
            "helper",
            say="requests",
            where="group",
            en=("direct chat",),
            zh=("私聊",),
            never=("1-502", "2-301", "Li Ming"),
        ),
        Step(
            "supply_captain",
            say="requests",
            en=("#{req} Building 1-2-301", "#{other} Building 2-1-502"),
            zh=("#{req} Building 1-2-301",),
        ),
        Step(
            "supply_captain",
            say="order Building 1-2-301 eggs 5, rice",
            en=("looks like request #{req}",),
            zh=("与还没送到的订单 #{req}",),
            keep=r"#(?P<dup>\d+)",
        ),
        Step("helper", say="keep {dup}", en=("Only a captain",), zh=("只有队长",)),
        Step("supply_captain", say="keep {dup}", en=("is kept",), zh=("已保留",)),
        Step("helper", say="delivered {med}", en=("Only whoever holds",), zh=("只有",)),
        Step(
            "helper",
            say="tasks",
            en=("Medicine for a household, Building 1",),
            zh=("Medicine for a household",),
            keep=r"#(?P<medtask>\d+)[^\n#]*Medicine",
        ),
        Step("helper", say="claim {medtask}", en=("You have task #{medtask}",), zh=("你已认领",)),
        Step(
            "helper", say="delivered {med}", en=("left at your door", "household is told"), zh=("已通知住户",)
        ),
        Step("stranger", say="received {med}", en=("noted as received",), zh=("已记为收到",)),
        Step("stranger", say="problem {med} one box is missing", en=("captain is told",), zh=("已告诉队长",)),
        Step("helper", say="residents", en=("No resident is waiting",), zh=("没有",)),
    ),
)

GROUP_BUY = Dialog(
    "a captain closes the orders: a buyer buys the totals, a runner carries them door to door",
    (
        Step(
            "supply_captain", say="doorcode Building 1", en=("Code of Building 1",), zh=("住户码",), keep=CODE
        ),
        Step("stranger", say="/start {door}", en=("unit and room",), zh=("几单元几号房",)),
        Step("stranger", say="2 301", en=("Building 1-2-301",), zh=("Building 1-2-301",)),
        Step("stranger", say="phone 13800000001", en=("confirmed",), zh=("已确认",)),
        Step(
            "stranger",
            say="order rice 2 bags, eggs 10",
            en=("is received",),
            zh=("已收到",),
            keep=r"#(?P<mine>\d+)",
        ),
        Step(
            "helper",
            say="order Li Ming flour 1 bag",
            en=("For Building 2:",),
            zh=("为 Building 2 点单",),
            never=("1-502",),
            keep=r"#(?P<theirs>\d+)",
        ),
        Step("helper", say="closeorders", en=("Only a captain",), zh=("只有队长",)),
        Step(
            "supply_captain",
            say="closeorders",
            where="group",
            en=("direct chat",),
            zh=("私聊",),
            never=("2-301", "1-502"),
        ),
        Step(
            "supply_captain",
            say="closeorders",
            en=("Orders are closed: 2 runs", "Building 1: buy #", "; doors: 1"),
            zh=("已截单：共 2 趟", "Building 1：采购任务 #"),
            keep=r"Building 1\D+(?P<buy>\d+)\D+(?P<run>\d+)",
        ),
        Step("supply_captain", say="closeorders", en=("closed already",), zh=("已经截单",)),
        Step(
            "volunteer",
            say="task {buy}",
            en=("Group buy for Building 1: 1 household", "rice 2 bag", "eggs ×10"),
            zh=("Group buy for Building 1", "rice 2 bag"),
            never=("2-301", "Wang Lan", "13800000001"),
        ),
        Step("volunteer", say="claim {buy}", en=("You have task #{buy}",), zh=("你已认领任务 #{buy}",)),
        Step(
            "helper",
            say="claim {run}",
            en=("You have task #{run}",),
            zh=("你已认领任务 #{run}",),
            direct=("#{mine} Building 1-2-301: rice 2 bag, eggs ×10",),
        ),
        Step("stranger", say="requests", en=("#{mine}", "on the way"), zh=("#{mine}", "正在配送")),
        Step("stranger", say="withdraw {mine}", en=("already under way",), zh=("已在处理中",)),
        Step("helper", say="notathome {mine}", en=("nobody at home, comes again",), zh=("家中无人",)),
        Step("stranger", say="requests", en=("nobody at home",), zh=("家中无人",)),
        Step("helper", say="delivered {mine}", en=("no door to mark",), zh=("无需标记",)),
        Step(
            "supply_captain",
            say="requests",
            en=("#{mine} Building 1-2-301", "nobody at home"),
            zh=("家中无人",),
        ),
    ),
)

REQUEST_DIALOGS = (RESIDENT_ORDERS, GROUP_BUY)

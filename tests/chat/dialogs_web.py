"""Dialog tables of ``web`` (网页), the board's sign-in link: only in a direct chat, only for captains and
coordinators, and only once a board runs (the scene has none: the link itself is tested in
tests/chat/test_web_link.py and tests/web/)."""

from __future__ import annotations

from tests.chat.dialog import Dialog, Step

WEB_LINK = Dialog(
    "asking for the board's sign-in link: a volunteer, in a group, before the board runs",
    (
        Step(
            "volunteer",
            say="/web",
            en=("The board is for captains and coordinators.",),
            zh=("看板只对队长和协调员开放。",),
        ),
        Step(
            "captain",
            say="/web",
            where="group",
            en=("in our direct chat, not in a group",),
            zh=("请在和我的私聊里索要",),
            never=("/signin/",),
        ),
        Step("captain", say="网页", en=("not running yet",), zh=("网页看板还没有启动",), never=("/signin/",)),
        Step("coordinator", say="web", en=("not running yet",), zh=("网页看板还没有启动",)),
    ),
)

WEB_DIALOGS = (WEB_LINK,)

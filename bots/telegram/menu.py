"""The command menu Telegram shows beside the text box (``setMyCommands``), in English and Chinese."""

from __future__ import annotations

from telegram import Bot, BotCommand

from bots.telegram.patience import patiently
from coord.i18n import N_, translate

COMMANDS = (
    ("tasks", N_("Open work you can claim")),
    ("my", N_("The tasks you hold")),
    ("claim", N_("Take a task: /claim 12")),
    ("checkin", N_("You are at your post: /checkin 12")),
    ("done", N_("Report a task done: /done 12")),
    ("release", N_("Give a task back: /release 12 reason")),
    ("health", N_("Today's health declaration")),
    ("board", N_("Your team's board (captains)")),
    ("new", N_("Create a task (captains)")),
    ("today", N_("Today's figures (coordinators)")),
    ("link", N_("Make this group your team's chat (captains)")),
    ("web", N_("A sign-in link to the web board (captains, coordinators)")),
    ("language", N_("English or 简体中文")),
    ("help", N_("What you can do")),
    ("stop", N_("Leave a question I am asking")),
)


def menu(language: str) -> list[BotCommand]:
    return [BotCommand(name, translate(description, language)) for name, description in COMMANDS]


async def set_menus(bot: Bot) -> None:
    """The menu in English for everyone, and in Chinese for people whose Telegram speaks Chinese."""
    await patiently(lambda: bot.set_my_commands(menu("en")), what="setMyCommands")
    await patiently(lambda: bot.set_my_commands(menu("zh"), language_code="zh"), what="setMyCommands")

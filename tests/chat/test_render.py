"""Rendering replies in the reader's language and timezone, and reading the times people type."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from coord.chat import Button, Joined, Moment, Phrase, Reply, render_buttons, render_text
from coord.chat.when import parse_when
from coord.errors import InvalidInput
from coord.i18n import N_

NOW = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)  # 14:00 in Shanghai


def test_moments_are_shown_in_the_community_timezone() -> None:
    at = datetime(2026, 3, 2, 8, 30, tzinfo=UTC)
    assert render_text(Reply("{t}", {"t": Moment(at, "Asia/Shanghai")})) == "Mon 2 Mar 16:30"
    assert render_text(Reply("{t}", {"t": Moment(at, "Asia/Shanghai")}, language="zh")) == "3月2日周一 16:30"
    assert render_text(Reply("{t}", {"t": Moment(at, "Europe/London", with_date=False)})) == "08:30"


def test_nested_phrases_lists_and_numbers() -> None:
    reply = Reply(
        "Task #{task_id}: {title}\n{lines}",
        {
            "task_id": 7,
            "title": "{not a placeholder}",
            "lines": (
                Phrase(N_("When: {when}"), {"when": Phrase(N_("any time"))}),
                Phrase("{figure}: {value}", {"figure": Phrase("litres"), "value": 2.0}),
            ),
        },
        language="zh",
    )
    assert render_text(reply) == "任务 #7：{not a placeholder}\n时间：时间不限\n消毒液升数：2"
    assert render_text(reply, "en") == "Task #7: {not a placeholder}\nWhen: any time\nlitres: 2"
    assert render_text(Reply("{x}", {"x": Joined(("a", "b"))}), "zh") == "a、b"
    assert render_text(Reply("{x}", {"x": Joined(("a", "b"))}), "en") == "a, b"
    assert render_text(Reply("{x}", {"x": 36.6})) == "36.6"
    assert render_text(Reply("{x}", {"x": True}), "zh") == "是"


def test_button_labels_are_translated() -> None:
    reply = Reply(
        "x",
        buttons=((Button(N_("Claim #{task_id}"), "c:3", {"task_id": 3}), Button("English", "l:en")),),
        language="zh",
    )
    assert render_buttons(reply) == [[("认领 #3", "c:3"), ("English", "l:en")]]
    assert reply.payloads == ["c:3", "l:en"]


@pytest.mark.parametrize(
    ("text", "shift", "expected"),
    [
        ("08:00-12:00", True, ("2026-03-02T00:00", "2026-03-02T04:00", None)),
        ("8-12", True, ("2026-03-02T00:00", "2026-03-02T04:00", None)),
        ("明天 8点-12点半", True, ("2026-03-03T00:00", "2026-03-03T04:30", None)),
        ("tomorrow 22:00-06:00", True, ("2026-03-03T14:00", "2026-03-03T22:00", None)),
        ("2026-03-05 09:30-11:00", True, ("2026-03-05T01:30", "2026-03-05T03:00", None)),
        ("3月5日 18:00", False, (None, None, "2026-03-05T10:00")),
        ("3/5 18:00", False, (None, None, "2026-03-05T10:00")),
        ("18:00", False, (None, None, "2026-03-02T10:00")),
        ("今天 18：30", False, (None, None, "2026-03-02T10:30")),
    ],
)
def test_reading_times(text: str, shift: bool, expected: tuple[str | None, ...]) -> None:
    when = parse_when(text, now=NOW, zone="Asia/Shanghai", shift=shift)
    shown = tuple(
        v.strftime("%Y-%m-%dT%H:%M") if v else None for v in (when.starts_at, when.ends_at, when.due_at)
    )
    assert shown == expected
    assert all(
        v is None or v.utcoffset() == timedelta(0) for v in (when.starts_at, when.ends_at, when.due_at)
    )


@pytest.mark.parametrize(
    ("text", "shift"),
    [
        ("", False),
        ("soon", False),
        ("25:00", False),
        ("18:00", True),
        ("2026-02-30 08:00", False),
        ("8-", True),
        ("13月1日 8:00", False),
    ],
)
def test_unreadable_times_are_refused_with_an_example(text: str, shift: bool) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_when(text, now=NOW, zone="Asia/Shanghai", shift=shift)
    assert "08:00-12:00" in str(refused.value)


def test_a_notification_names_its_moments_in_the_readers_language() -> None:
    """An alert or a shift's end is stored with its moments (``moment_param``), and each reader sees them as
    the chat writes them: another day with its date, today's as the time alone."""
    from coord.i18n import MOMENTS, moment_param, shown_moments

    now = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)  # Monday 14:00 in Shanghai
    params = {
        "end": moment_param(datetime(2026, 3, 3, 8, 0, tzinfo=UTC), "Asia/Shanghai", now),
        "start": moment_param(datetime(2026, 3, 2, 10, 0, tzinfo=UTC), "Asia/Shanghai", now),
        "due": moment_param(None, "Asia/Shanghai", now),
        MOMENTS: ["end", "start", "due"],
    }
    assert shown_moments(params, "zh") == {"end": "3月3日周二 16:00", "start": "18:00", "due": "—"}
    assert shown_moments(params, "en") == {"end": "Tue 3 Mar 16:00", "start": "18:00", "due": "—"}


def test_an_error_of_the_core_names_its_moments_in_the_readers_language() -> None:
    """A refusal made in a service (done before the start of tomorrow's shift) carries its start as a moment:
    the CLI (``CoordError.render``) and the chat (``error_params``) both write it in the reader's language."""
    from coord.chat.context import error_params
    from coord.chat.render import render_phrase
    from coord.errors import InvalidTransition
    from coord.i18n import MOMENTS, moment_param

    now = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)
    start = moment_param(datetime(2026, 3, 3, 8, 0, tzinfo=UTC), "Asia/Shanghai", now)
    msgid = "Task #{task_id} starts at {start}; it can be reported done only after the start."
    err = InvalidTransition(msgid, task_id=5, start=start, **{MOMENTS: ["start"]})
    assert "starts at Tue 3 Mar 16:00;" in str(err) and "3月3日周二 16:00" in err.render("zh")
    assert "3月3日周二 16:00" in render_phrase(err.msgid, error_params(err, "zh"), "zh")

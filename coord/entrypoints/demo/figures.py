"""What the simulated volunteers type: command words in their language, and the figures of work done.

The figures follow the articles' scale: a gate checks a few hundred people in a four-hour shift, a
disinfection round covers one building floor by floor, a check-in call reaches the household (or not)
and takes a temperature; two people sharing a task report their own share, so totals add up.
"""

from __future__ import annotations

import random
import unicodedata
from datetime import timedelta

from coord.entrypoints.demo.work import Job
from coord.i18n import translate
from coord.kinds import get_kind

#: The command words a volunteer types (the chat layer's own spellings, coord/chat/words.py).
WORDS = {
    "en": {"claim": "claim", "checkin": "checkin", "done": "done", "reassign": "reassign", "today": "today"},
    "zh": {"claim": "认领", "checkin": "签到", "done": "完成", "reassign": "改派", "today": "今日"},
}
#: Gate traffic per person and shift, by the shift's starting hour (local): mornings and evenings are busy.
GATE_TRAFFIC = {6: (150, 230), 10: (90, 150), 14: (80, 130), 18: (140, 220)}


def command(language: str, name: str, *args: object) -> str:
    """``claim 12`` in English, ``认领 12`` in Chinese."""
    return " ".join([WORDS.get(language, WORDS["en"])[name], *(str(a) for a in args)])


def figures(job: Job, rng: random.Random, *, hour: int, symptoms: bool = False) -> dict[str, object]:
    """What one holder of ``job`` reports when it is done."""
    share = max(job.capacity, 1)
    if job.kind == "gate_shift":
        low, high = GATE_TRAFFIC.get(hour, (80, 160))
        checked = rng.randint(low, high)
        return {
            "people_checked": checked,
            "temperatures": checked,
            "health_codes": checked - rng.randint(0, 6),
            "turned_away": rng.randint(0, 4),
        }
    if job.kind == "disinfection":
        floors = job.floors or 18
        return {
            "buildings": 1,
            "floors": floors,
            "households": floors * max(job.units, 1) * 2,
            "litres": round(floors * 0.4 + rng.uniform(1, 3), 1),
        }
    if job.kind in ("checkin_call", "follow_up"):  # a daily call, or a red household seen in person
        if symptoms:
            return {"reached": True, "temperature": 38.3, "symptoms": True}
        if rng.random() < 0.08:
            return {"reached": False}
        return {"reached": True, "temperature": round(rng.uniform(36.1, 37.0), 1), "symptoms": False}
    if job.kind == "delivery":
        if job.household:
            return {"households": 1, "items": rng.randint(3, 8)}
        return {"households": rng.randint(60, 90) // share, "items": rng.randint(90, 140) // share}
    if job.kind == "purchase":
        if job.household:
            return {"orders": 1, "households": 1}
        return {"orders": 120 // share, "households": 120 // share}
    if job.kind == "screening":
        floors = job.floors or 18
        return {"households_visited": floors * max(job.units, 1) * 2, "people_registered": rng.randint(2, 7)}
    if job.kind == "patrol":
        return {"issues_found": rng.randint(0, 3)}
    return {"flyers": rng.randint(80, 200), "households": rng.randint(60, 120)}


def done_text(job: Job, values: dict[str, object], language: str) -> str:
    """``done 12 people_checked=180 …``, or in Chinese with the figures' Chinese names."""
    kind = get_kind(job.kind)
    parts = []
    for name, value in values.items():
        figure = kind.figure(name)
        label = _chinese_name(figure.label) if figure and language == "zh" else name
        if isinstance(value, bool):
            value = ("是" if value else "否") if language == "zh" else ("yes" if value else "no")
        parts.append(f"{label}={value}")
    return command(language, "done", job.id, *parts)


def _chinese_name(label: str) -> str:
    """The figure's Chinese name as typed, if the chat layer knows it after normalising what was typed
    (NFKC turns "（°C）" into "(°c)", which its figure names do not list); else its English name."""
    chinese = translate(label, "zh").replace(" ", "")
    return chinese if unicodedata.normalize("NFKC", chinese) == chinese else label.split(" ")[0]


def time_needed(job: Job, rng: random.Random) -> timedelta:
    """How long a volunteer takes for deadline work, from claiming it to reporting it done."""
    minutes = {
        "checkin_call": (10, 25),
        "follow_up": (30, 60),
        "delivery": (30, 70) if job.household else (90, 150),
        "purchase": (45, 60) if job.household else (80, 110),
        "screening": (150, 210),
    }.get(job.kind, (40, 90))
    return timedelta(minutes=rng.randint(*minutes))

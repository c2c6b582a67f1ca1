"""What a household asks for: free-text lines with quantities, read into (item, unit, quantity).

``rice 2 bags``, ``2 x milk``, ``eggs×10``, ``大米 2袋``, ``降压药一盒`` — one item a line (or split by
commas and 、). Medicine makes a request urgent; rice, flour, oil and water count as heavy items carried up.
"""

from __future__ import annotations

import re

from coord.errors import InvalidInput
from coord.i18n import N_
from coord.services.watch.calls import MEDICINE_WORDS

MAX_TEXT = 1000  # characters of an order, all lines together
MAX_LINES = 20
MAX_LINE = 80
MAX_QUANTITY = 99
HEAVY_WORDS = ("rice", "flour", "oil", "water", "米", "面", "油", "水")
_LINES = re.compile(r"[\n;；,，、]+")
_CHINESE_NUMBERS = {
    "一": 1,
    "两": 2,
    "二": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
    "十": 10,
}
_NUMBER = r"(\d{1,3}|[一两二三四五六七八九十])"
_UNIT = r"(bags?|bottles?|boxes?|packs?|kg|jin|袋|瓶|盒|包|斤|公斤|桶|个|箱|份|支|板|颗|只)?"
_LEADING = re.compile(rf"^{_NUMBER}\s*(?:x|×|\*)?\s*{_UNIT}\s+(.+)$", re.IGNORECASE)
_TRAILING = re.compile(rf"^(.+?)\s*(?:x|×|\*)?\s*{_NUMBER}\s*{_UNIT}$", re.IGNORECASE)

_SINGULAR = {"bags": "bag", "bottles": "bottle", "boxes": "box", "packs": "pack"}

Item = tuple[str, str, int]  # (name, unit, quantity)


def read_items(text: str) -> list[Item]:
    """The items of an order; an empty order, one too long, or a quantity out of range is refused."""
    if len(text) > MAX_TEXT:
        raise InvalidInput(
            N_("That order is too long ({length} characters). Keep it under {most}, one item a line."),
            length=len(text),
            most=MAX_TEXT,
        )
    lines = [" ".join(line.split()).strip(" .。") for line in _LINES.split(text)]
    lines = [line for line in lines if line]
    if not lines:
        raise InvalidInput(N_("What do you need? Write the items, for example: rice 1 bag, eggs 10, milk 2."))
    if len(lines) > MAX_LINES:
        raise InvalidInput(N_("At most {most} items in one order, please."), most=MAX_LINES)
    items = [_item(line) for line in lines]
    merged: dict[tuple[str, str], int] = {}
    for name, unit, quantity in items:
        merged[(name, unit)] = merged.get((name, unit), 0) + quantity
    return [(name, unit, quantity) for (name, unit), quantity in merged.items()]


def _item(line: str) -> Item:
    if len(line) > MAX_LINE:
        raise InvalidInput(N_("One item is too long: “{item}…”. One item a line, please."), item=line[:30])
    for pattern, number_at, unit_at, name_at in ((_TRAILING, 2, 3, 1), (_LEADING, 1, 2, 3)):
        found = pattern.match(line)
        if found and found.group(name_at).strip():
            quantity = _number(found.group(number_at))
            if not 1 <= quantity <= MAX_QUANTITY:
                raise InvalidInput(
                    N_("“{item}”: a quantity from 1 to {most}, please."), item=line[:30], most=MAX_QUANTITY
                )
            unit = (found.group(unit_at) or "").lower()
            return (found.group(name_at).strip(), _SINGULAR.get(unit, unit), quantity)
    return (line, "", 1)


def _number(text: str) -> int:
    return int(text) if text.isdigit() else _CHINESE_NUMBERS[text]


def items_key(items: list[Item]) -> str:
    """The item names, normalised and sorted: two orders of the same things have the same key."""
    return "|".join(sorted({name.lower() for name, _unit, _quantity in items}))[:500]


def is_medicine(items: list[Item]) -> bool:
    return any(word in name.lower() for name, _u, _q in items for word in MEDICINE_WORDS)


def heavy_count(items: list[Item]) -> int:
    """How many heavy items (rice, flour, oil, water) an order carries up."""
    return sum(q for name, _u, q in items if any(word in name.lower() for word in HEAVY_WORDS))


def items_text(items: list[list[object]] | list[Item], language: str | None) -> str:
    """``rice 2 bags, eggs 10`` (English) or ``大米 2袋、鸡蛋 10`` (Chinese)."""
    parts = []
    for name, unit, quantity in items:
        if unit:
            parts.append(f"{name} {quantity}{unit}" if language == "zh" else f"{name} {quantity} {unit}")
        else:
            parts.append(f"{name} ×{quantity}" if quantity != 1 else str(name))
    return ("、" if language == "zh" else ", ").join(parts)

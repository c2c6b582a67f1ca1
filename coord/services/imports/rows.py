"""Reading an import file: CSV rows, their columns and values, and every problem with its line number.

Each kind of file has a ``Schema``: a converter for every column, the columns that must be there, and a small
table of header aliases (Chinese, or other English spellings). Headers are matched without regard to case,
spaces or hyphens ("Contact name" is ``contact_name``). Values:
- yes/no columns take yes/no/true/false/1/0/是/否; an empty cell is "no";
- dates are YYYY-MM-DD (YYYY/M/D is accepted too); phone numbers are digits, with + ( ) - or spaces, read
  in the community's region (``phone_region``, CN by default) and kept in E.164 (``normalise_phones``);
- skills are separated by ``;``, ``；`` or ``、``;
- place kinds, watch colours and roles take English or Chinese words.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any, TextIO

from coord.errors import ImportFailed, InvalidInput
from coord.i18n import N_, normalise_language, translate
from coord.models import PlaceKind, WatchColour
from coord.services.people.phones import e164

MAX_PROBLEMS = 50


class ProblemText(str):
    """A problem's English text that keeps its message id, so a channel can show it in its reader's language.

    It is a ``str`` so that ``ImportFailed.problems`` stays a list of (line, text) pairs.
    """

    msgid: str
    params: dict[str, Any]

    def __new__(cls, msgid: str, /, **params: Any) -> ProblemText:
        text = super().__new__(cls, translate(msgid, "en", **params))
        text.msgid, text.params = msgid, params
        return text

    def render(self, language: str | None) -> str:
        return translate(self.msgid, language, **self.params)


class Problems:
    """Collects (line, message) pairs; the error raised lists the first MAX_PROBLEMS by line."""

    def __init__(self) -> None:
        self.items: list[tuple[int, str]] = []

    @property
    def count(self) -> int:
        return len(self.items)

    def add(self, line: int, msgid: str, /, **params: Any) -> None:
        self.items.append((line, ProblemText(msgid, **params)))

    def raise_if_any(self) -> None:
        if self.items:
            shown = sorted(self.items, key=lambda item: item[0])[:MAX_PROBLEMS]
            raise ImportFailed(
                N_("The file has {count} problem; nothing was imported."),
                problems=shown,
                count=self.count,
                shown=len(shown),
            )


# ---- values --------------------------------------------------------------------------------------------

Converter = Callable[[str], Any]


def _text(limit: int, *, required: bool = False) -> Converter:
    def convert(value: str) -> str:
        if required and not value:
            raise InvalidInput(N_("{column}: this cell cannot be empty."))
        if len(value) > limit:
            raise InvalidInput(N_("{column}: too long (at most {limit} characters)."), limit=limit)
        return value

    return convert


def _choice(table: dict[str, Any], hint: str, default: Any = None) -> Converter:
    def convert(value: str) -> Any:
        if not value:
            return default
        key = re.sub(r"[\s\-]+", "_", value.lower())
        if key not in table:
            raise InvalidInput(
                N_("{column}: unknown value “{value}”; use {choices}."), value=value, choices=hint
            )
        return table[key]

    return convert


def _count(value: str) -> int | None:
    if not value:
        return None
    if not re.fullmatch(r"[0-9]{1,4}", value) or not 0 < int(value) <= 1000:
        raise InvalidInput(N_("{column}: “{value}” is not a whole number from 1 to 1000."), value=value)
    return int(value)


def _date(value: str) -> date | None:
    match = re.fullmatch(r"(\d{4})[-/](\d{1,2})[-/](\d{1,2})", value)
    if not value:
        return None
    try:
        if match is None:
            raise ValueError(value)
        return date(*(int(part) for part in match.groups()))
    except ValueError:
        raise InvalidInput(N_("{column}: “{value}” is not a date like 2022-03-14."), value=value) from None


def _phone(value: str) -> str:
    if value and not re.fullmatch(r"\+?[0-9][0-9 ()\-]{2,38}", value):
        raise InvalidInput(N_("{column}: “{value}” is not a phone number (digits only)."), value=value)
    return value


def normalise_phones(rows: list[Row], region: str, problems: Problems) -> None:
    """Write every row's phone in E.164, read in ``region`` (the community's); a number that is not a
    possible one is a problem of its row."""
    for row in rows:
        raw = row.values.get("phone")
        if not row.ok or not raw:
            continue
        try:
            row.values["phone"] = e164(raw, region)
        except InvalidInput:
            row.ok = False
            problems.add(row.line, NOT_POSSIBLE_PHONE, value=raw)


NOT_POSSIBLE_PHONE = N_(
    "“{value}” is not a possible phone number; write a foreign one with its country code (+49 …)."
)


def _skills(value: str) -> list[str]:
    skills = {s.strip().lower() for s in re.split(r"[;；、]", value) if s.strip()}
    if any(len(skill) > 40 for skill in skills):
        raise InvalidInput(N_("{column}: a skill is longer than 40 characters."))
    return sorted(skills)


def _language(value: str) -> str:
    if not value or value.lower() in {"en", "english", "英文", "英语"}:
        return "en" if value else ""
    if normalise_language(value) == "zh":
        return "zh"
    raise InvalidInput(N_("{column}: unknown language “{value}”; use en or zh."), value=value)


BOOLEANS = {
    "yes": True,
    "true": True,
    "1": True,
    "是": True,
    "no": False,
    "false": False,
    "0": False,
    "否": False,
}
_boolean = _choice(BOOLEANS, "yes or no (是/否)", default=False)
PLACE_KINDS = {k.value: k for k in PlaceKind} | {
    "楼栋": PlaceKind.BUILDING,
    "卡口": PlaceKind.GATE,
    "门岗": PlaceKind.GATE,
    "分发点": PlaceKind.DEPOT,
    "快递点": PlaceKind.DROP_POINT,
    "预定点": PlaceKind.DESK,
}
COLOURS = {c.value: c for c in WatchColour} | {
    "红": WatchColour.RED,
    "黄": WatchColour.YELLOW,
    "蓝": WatchColour.BLUE,
    "绿": WatchColour.GREEN,
    "红色": WatchColour.RED,
    "黄色": WatchColour.YELLOW,
    "蓝色": WatchColour.BLUE,
    "绿色": WatchColour.GREEN,
}
ROLES = {"volunteer": "volunteer", "captain": "captain", "coordinator": "coordinator"} | {
    "志愿者": "volunteer",
    "队长": "captain",
    "组长": "captain",
    "协调员": "coordinator",
}


@dataclass(frozen=True)
class Schema:
    """The columns of one kind of file: a converter for each, which must be there, and Chinese aliases."""

    columns: dict[str, Converter]
    required: tuple[str, ...]
    aliases: dict[str, str]


PLACES = Schema(
    columns={
        "name": _text(120, required=True),
        "kind": _choice(PLACE_KINDS, "building, gate, depot, drop_point or desk", PlaceKind.BUILDING),
        "zone": _text(120),
        "grid": _text(120),
        "floors": _count,
        "units": _count,
    },
    required=("name",),
    aliases={
        "名称": "name",
        "地点": "name",
        "楼号": "name",
        "楼栋": "name",
        "类型": "kind",
        "片区": "zone",
        "所属片区": "zone",
        "网格": "grid",
        "所属网格": "grid",
        "楼层": "floors",
        "层数": "floors",
        "单元": "units",
        "单元数": "units",
    },
)
HOUSEHOLDS = Schema(
    columns={
        "building": _text(120, required=True),
        "unit": _text(20),
        "room": _text(20, required=True),
        "contact_name": _text(120),
        "phone": _phone,
        "elderly": _boolean,
        "lives_alone": _boolean,
        "disabled": _boolean,
        "watch_colour": _choice(COLOURS, "red, yellow, blue or green (红/黄/蓝/绿)"),
        "quarantine_until": _date,
        "notes": _text(2000),
    },
    required=("building", "room"),
    aliases={
        "楼栋": "building",
        "楼号": "building",
        "楼栋号": "building",
        "单元": "unit",
        "单元号": "unit",
        "房号": "room",
        "门牌号": "room",
        "房间号": "room",
        "联系人": "contact_name",
        "户主": "contact_name",
        "姓名": "contact_name",
        "电话": "phone",
        "手机号": "phone",
        "手机": "phone",
        "联系电话": "phone",
        "老人": "elderly",
        "独居": "lives_alone",
        "残疾": "disabled",
        "颜色": "watch_colour",
        "watch_color": "watch_colour",
        "隔离至": "quarantine_until",
        "备注": "notes",
    },
)
PEOPLE = Schema(
    columns={
        "name": _text(120, required=True),
        "phone": _phone,
        "language": _language,
        "skills": _skills,
        "team": _text(120),
        "role": _choice(ROLES, "volunteer, captain or coordinator", "volunteer"),
    },
    required=("name",),
    aliases={
        "姓名": "name",
        "电话": "phone",
        "手机号": "phone",
        "手机": "phone",
        "联系电话": "phone",
        "语言": "language",
        "技能": "skills",
        "队伍": "team",
        "小组": "team",
        "角色": "role",
    },
)


def accepted(schema: Schema) -> str:
    """Every column with the other headers it is known by: ``name/名称/地点, kind/类型, …``."""
    return ", ".join(
        "/".join([column, *(alias for alias, name in schema.aliases.items() if name == column)])
        for column in schema.columns
    )


# ---- reading -------------------------------------------------------------------------------------------


@dataclass
class Row:
    """One data row: its line, its converted cells, and the existing record it names (if any)."""

    line: int
    values: dict[str, Any]
    ok: bool = True  # every cell converted
    target: Any = None


def _records(source: TextIO, problems: Problems) -> Iterator[tuple[int, list[str]]]:
    """Each CSV record with the line it starts on; a decoding or CSV error ends the file as a problem."""
    reader = csv.reader(source)
    start = 1
    try:
        for fields in reader:
            if any(field.strip() for field in fields):
                yield start, [field.strip() for field in fields]
            start = reader.line_num + 1
    except UnicodeDecodeError as error:
        line = reader.line_num + 1
        if isinstance(error.object, bytes | bytearray):
            line += bytes(error.object[: error.start]).count(b"\n")
        problems.add(
            line, N_("This line is not UTF-8 text: save the file as “CSV UTF-8” and import it again.")
        )
    except csv.Error as error:
        problems.add(
            max(start, reader.line_num), N_("This line is not valid CSV: {reason}."), reason=str(error)
        )


def _header(line: int, fields: list[str], schema: Schema, problems: Problems) -> list[str]:
    names: list[str] = []
    for number, label in enumerate(fields, start=1):
        key = re.sub(r"[\s\-]+", "_", label.lstrip("\ufeff").strip().lower())
        name = schema.aliases.get(key, key)
        if not label:
            problems.add(line, N_("Column {number} has no name: name it or delete it."), number=number)
        elif name not in schema.columns:
            known = accepted(schema)
            problems.add(
                line, N_("Unknown column “{column}”; the columns are: {known}."), column=label, known=known
            )
        elif name in names:
            problems.add(line, N_("The column “{column}” appears twice."), column=label)
        names.append(name)
    for name in schema.required:
        if name not in names:
            chinese = [alias for alias, n in schema.aliases.items() if n == name and not alias.isascii()]
            problems.add(line, N_("The column “{column}” is missing."), column=" / ".join([name, *chinese]))
    return names


def read_rows(source: TextIO, schema: Schema, problems: Problems) -> list[Row]:
    """The data rows, converted; every problem is added to ``problems``."""
    records = _records(source, problems)
    first = next(records, None)
    if first is None:
        if not problems.count:
            problems.add(1, N_("The file is empty."))
        return []
    header_line, labels = first
    names = _header(header_line, labels, schema, problems)
    if problems.count:
        return []
    rows = []
    for line, fields in records:
        if len(fields) != len(names):
            problems.add(
                line,
                N_("This row has {found} fields; the header has {expected}."),
                found=len(fields),
                expected=len(names),
            )
            continue
        before = problems.count
        values = _convert(line, dict(zip(names, fields, strict=True)), labels, schema, problems)
        rows.append(Row(line, values, ok=problems.count == before))
    if not rows and not problems.count:
        problems.add(header_line, N_("The file has a header but no rows."))
    return rows


def _convert(
    line: int, cells: dict[str, str], labels: list[str], schema: Schema, problems: Problems
) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for (name, text), label in zip(cells.items(), labels, strict=True):
        try:
            values[name] = schema.columns[name](text)
        except InvalidInput as error:
            problems.add(line, error.msgid, column=label, **error.params)
    return values


def report_repeats(rows: list[Row], key: Callable[[Row], Any], problems: Problems) -> None:
    """Report every row whose key an earlier row of the file already had."""
    seen: dict[Any, int] = {}
    for row in rows:
        k = key(row) if row.ok else None
        if k is None:
            continue
        if k in seen:
            problems.add(row.line, N_("This row repeats line {first}."), first=seen[k])
        else:
            seen[k] = row.line

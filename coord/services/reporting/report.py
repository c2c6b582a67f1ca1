"""Rendering a daily summary: text in the reader's language, a PNG chart, CSV and XLSX exports.

Everything here reads the figures computed by ``coord.services.reporting.summary`` (stored JSON), never the
live tables, so the report a coordinator reads at 20:00 and the one exported a week later agree.
"""

from __future__ import annotations

import functools
import io
import logging
import warnings
from datetime import date, datetime
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from coord.clock import utcnow
from coord.errors import InvalidInput, NotFound
from coord.i18n import N_, translate
from coord.kinds import kind_named
from coord.models import Community
from coord.services.reporting.cells import csv_text, xlsx_bytes
from coord.services.reporting.summary import NO_TEAM, stored_summary

log = logging.getLogger(__name__)

#: The second count of work, beside "tasks done" (each task once): each holder's part once.
COMPLETIONS = N_("people's completions")

FORMATS = ("text", "csv", "xlsx", "png")
FELL_THROUGH = (
    ("unfilled", N_("unfilled shifts")),
    ("no_shows", N_("no-shows")),
    ("overdue", N_("overdue")),
    ("escalated", N_("escalated")),
)


def render_report(
    session: Session,
    *,
    community: Community,
    day: date,
    format: str = "text",
    language: str | None = None,
    team_id: int | None = None,
    now: datetime | None = None,
) -> str | bytes:
    """The day's summary (as sent, or so far) in ``format``: text and CSV as str, XLSX and PNG as bytes."""
    if format not in FORMATS:
        raise InvalidInput(
            N_("Unknown report format “{value}”; use text, csv, xlsx or png."), value=format[:20]
        )
    figures = stored_summary(session, community, day, now=now or utcnow())
    if team_id is not None and str(team_id) not in figures["teams"]:
        raise NotFound(N_("There is no team “{ref}”."), ref=str(team_id))
    lang = language or community.language
    if format == "text":
        return summary_text(figures, lang, team_id=team_id)
    if format == "csv":
        return summary_csv(figures, lang)
    if format == "xlsx":
        return summary_xlsx(figures, lang)
    return summary_chart(figures, lang, team_id=team_id)


def _t(msgid: str, lang: str, **params: Any) -> str:
    return translate(msgid, lang, **params)


def _kind_label(kind: str, lang: str) -> str:
    known = kind_named(kind)  # a built-in kind, or one the community added
    return _t(known.label, lang) if known else kind


def _figure_label(kind: str, name: str, lang: str) -> str:
    known = kind_named(kind)
    figure = known.figure(name) if known else None
    return _t(figure.reported_as, lang) if figure else name


def _kind_lines(kinds: dict[str, Any], lang: str) -> list[str]:
    lines = []
    for kind in sorted(kinds):
        entry = kinds[kind]
        parts = [f"{_figure_label(kind, n, lang)} {v}" for n, v in entry["figures"].items()]
        done = _t(
            N_("{tasks} tasks done, {completions} completions"),
            lang,
            tasks=entry["done"],
            completions=entry.get("completions", entry["done"]),
        )
        colon, comma = ("：", "，") if lang == "zh" else (": ", ", ")
        lines.append(
            f"• {_kind_label(kind, lang)}{colon}{done}" + (" — " + comma.join(parts) if parts else "")
        )
    return lines


def _comma(lang: str) -> str:
    return "，" if lang == "zh" else ", "


def _team_name(figures: dict[str, Any], key: str, lang: str) -> str:
    return figures["teams"].get(key, {}).get("name") or _t(N_("no team"), lang)


def summary_text(figures: dict[str, Any], language: str, *, team_id: int | None = None) -> str:
    """The summary as a chat message; for a captain (``team_id``), their team's part and the totals."""
    lang = language
    zone = ZoneInfo(figures["timezone"])
    key = str(team_id) if team_id is not None else None
    scope = figures["teams"].get(key, {}) if key else figures["today"]
    title = figures["community"] + (f" · {_team_name(figures, key, lang)}" if key else "")
    start = datetime.fromisoformat(figures["period_start"]).astimezone(zone)
    end = datetime.fromisoformat(figures["as_of"]).astimezone(zone)
    lines = [
        _t(N_("Daily summary — {community}, {day}"), lang, community=title, day=figures["day"]),
        _t(
            N_("From {start} to {end}."),
            lang,
            start=start.strftime("%m-%d %H:%M"),
            end=end.strftime("%m-%d %H:%M"),
        ),
        _t(
            N_(
                "Tasks done (each task once): {done}; people's completions (each person's part): "
                "{completions}; hours served: {hours}."
            ),
            lang,
            done=scope.get("done", 0),
            completions=scope.get("completions", scope.get("done", 0)),
            hours=scope.get("hours", 0),
        ),
        *_kind_lines(scope.get("kinds", {}), lang),
    ]
    if key is None:
        teams = [(k, t) for k, t in figures["teams"].items() if t["done"] or t["hours"] or k != NO_TEAM]
        if teams:
            lines.append(_t(N_("By team:"), lang))
            lines += [
                "• "
                + _t(
                    N_("{team}: {done} tasks done, {completions} completions, {hours} hours"),
                    lang,
                    team=_team_name(figures, k, lang),
                    done=t["done"],
                    completions=t.get("completions", t["done"]),
                    hours=t["hours"],
                )
                for k, t in sorted(teams, key=lambda item: _team_name(figures, item[0], lang))
            ]
    lines += _fell_through_lines(figures, scope, key, lang)
    if figures.get("dead_messages"):
        lines.append(
            _t(N_("Messages that could not be delivered: {count}."), lang, count=figures["dead_messages"])
        )
    if key is None:  # residents' requests (coord.services.requests), for coordinators
        from coord.services.requests.reports import summary_lines

        lines += summary_lines(figures.get("requests"), lang)
    totals = figures["totals"]
    lines.append(
        _t(
            N_(
                "Since the start (day {days}): tasks done {done}, people's completions {completions}, "
                "hours served {hours}."
            ),
            lang,
            days=figures.get("days_running", 0),
            done=totals["done"],
            completions=totals.get("completions", totals["done"]),
            hours=totals["hours"],
        )
    )
    fell = _comma(lang).join(f"{_t(label, lang)} {totals.get(what, 0)}" for what, label in FELL_THROUGH)
    lines.append(_t(N_("Fell through since the start: {counts}."), lang, counts=fell))
    lines += _kind_lines(totals["kinds"], lang)
    return "\n".join(lines)


def _fell_through_lines(
    figures: dict[str, Any], scope: dict[str, Any], key: str | None, lang: str
) -> list[str]:
    counts = _comma(lang).join(f"{_t(label, lang)} {scope.get(what, 0)}" for what, label in FELL_THROUGH)
    lines = [_t(N_("Fell through: {counts}."), lang, counts=counts)]
    for what, label in FELL_THROUGH:
        items = [i for i in figures.get("lists", {}).get(what, []) if key is None or i["team"] == key]
        if items:
            named = "; ".join(f"#{i['task_id']} {i['title']}" for i in items)
            lines.append(f"  – {_t(label, lang)}: {named}")
    return lines


def summary_rows(figures: dict[str, Any], language: str) -> list[list[Any]]:
    """One row per figure: scope, team, kind, figure, today, since the start (for CSV and XLSX)."""
    lang = language
    header = [
        _t(w, lang)
        for w in (N_("scope"), N_("team"), N_("kind"), N_("figure"), N_("today"), N_("since the start"))
    ]
    rows: list[list[Any]] = [header]
    today, totals = figures["today"], figures["totals"]
    everything = _t(N_("community"), lang)
    for kind in sorted(set(today["kinds"]) | set(totals["kinds"])):
        now_k, all_k = today["kinds"].get(kind, {}), totals["kinds"].get(kind, {})
        label = _kind_label(kind, lang)
        rows.append(
            [everything, "", label, _t(N_("tasks done"), lang), now_k.get("done", 0), all_k.get("done", 0)]
        )
        rows.append(
            [
                everything,
                "",
                label,
                _t(COMPLETIONS, lang),
                now_k.get("completions", 0),
                all_k.get("completions", 0),
            ]
        )
        for name in sorted(set(now_k.get("figures", {})) | set(all_k.get("figures", {}))):
            rows.append(
                [
                    everything,
                    "",
                    label,
                    _figure_label(kind, name, lang),
                    now_k.get("figures", {}).get(name, 0),
                    all_k.get("figures", {}).get(name, 0),
                ]
            )
    rows.append([everything, "", "", _t(N_("tasks done"), lang), today["done"], totals["done"]])
    rows.append(
        [
            everything,
            "",
            "",
            _t(COMPLETIONS, lang),
            today.get("completions", 0),
            totals.get("completions", 0),
        ]
    )
    rows.append([everything, "", "", _t(N_("hours served"), lang), today["hours"], totals["hours"]])
    for what, label in FELL_THROUGH:
        rows.append([everything, "", "", _t(label, lang), today.get(what, 0), totals.get(what, "")])
    team_scope = _t(N_("team"), lang)
    for key, team in sorted(figures["teams"].items(), key=lambda item: int(item[0])):
        name = _team_name(figures, key, lang)
        rows.append([team_scope, name, "", _t(N_("tasks done"), lang), team["done"], ""])
        rows.append([team_scope, name, "", _t(COMPLETIONS, lang), team.get("completions", 0), ""])
        rows.append([team_scope, name, "", _t(N_("hours served"), lang), team["hours"], ""])
        for kind, entry in sorted(team["kinds"].items()):
            for fig, value in entry["figures"].items():
                rows.append(
                    [team_scope, name, _kind_label(kind, lang), _figure_label(kind, fig, lang), value, ""]
                )
        for what, label in FELL_THROUGH:
            rows.append([team_scope, name, "", _t(label, lang), team.get(what, 0), ""])
    return rows


def summary_csv(figures: dict[str, Any], language: str) -> str:
    return csv_text(summary_rows(figures, language))


def summary_xlsx(figures: dict[str, Any], language: str) -> bytes:
    fell: list[list[Any]] = [
        [_t(N_("what"), language), "#", _t(N_("task"), language), _t(N_("team"), language)]
    ]
    for what, label in FELL_THROUGH:
        for item in figures.get("lists", {}).get(what, []):
            fell.append(
                [
                    _t(label, language),
                    item["task_id"],
                    item["title"],
                    _team_name(figures, item["team"], language),
                ]
            )
    return xlsx_bytes(
        [(figures["day"], summary_rows(figures, language)), (_t(N_("Fell through"), language), fell)]
    )


#: The Chinese font shipped with coord (coord/fonts: Noto Sans SC cut to GB 2312, SIL Open Font License).
BUNDLED_CJK_FONT = "NotoSansSC-Regular-GB2312.otf"
BUNDLED_CJK_FAMILY = "Noto Sans SC"
CJK_FONT_NAMES = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "SimHei",
    "Microsoft YaHei",
    "PingFang SC",
)


@functools.cache
def _cjk_fonts() -> list[str]:
    """Fonts with Chinese glyphs, coord's own (a subset) after any full one matplotlib knows of, so a
    character outside the subset falls back to a font of this machine that has it."""
    from matplotlib import font_manager

    bundled = resources.files("coord") / "fonts" / BUNDLED_CJK_FONT
    try:
        with resources.as_file(bundled) as path:
            font_manager.fontManager.addfont(str(path))
    except (OSError, RuntimeError):  # pragma: no cover - a broken install
        log.warning("coord's Chinese font is missing (%s): reinstall coord", BUNDLED_CJK_FONT)
    names = {f.name for f in font_manager.fontManager.ttflist}
    found = sorted((n for n in CJK_FONT_NAMES if n in names), key=lambda n: n == BUNDLED_CJK_FAMILY)
    if not found:  # pragma: no cover - a broken install
        log.warning("no Chinese font found: charts show Chinese names in English")
    return found


def summary_chart(figures: dict[str, Any], language: str, *, team_id: int | None = None) -> bytes:
    """A PNG: tasks done per kind today, and hours per team (or, for a team, what fell through)."""
    import matplotlib

    matplotlib.use("Agg")
    cjk = _cjk_fonts()
    lang = language if language == "en" or cjk else "en"
    fonts = [*cjk, "DejaVu Sans"]
    style: Any = {"font.family": "sans-serif", "font.sans-serif": fonts}
    with matplotlib.rc_context(style), warnings.catch_warnings():
        if not cjk:  # names in Chinese cannot be drawn; that was logged once above
            warnings.filterwarnings("ignore", message="Glyph .* missing from font")
        return _draw_chart(figures, lang, team_id)


def _draw_chart(figures: dict[str, Any], lang: str, team_id: int | None) -> bytes:
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    key = str(team_id) if team_id is not None else None
    scope = figures["teams"].get(key, {}) if key else figures["today"]
    figure = Figure(figsize=(9, 4), dpi=100)
    left, right = figure.subplots(1, 2)
    kinds = sorted(scope.get("kinds", {}))
    left.bar(
        [_kind_label(k, lang) for k in kinds], [scope["kinds"][k]["done"] for k in kinds], color="#2b6cb0"
    )
    left.set_title(_t(N_("Tasks done today"), lang))
    if not kinds:
        nothing = _t(N_("nothing done yet"), lang)
        left.text(0.5, 0.5, nothing, ha="center", va="center", transform=left.transAxes)
        left.set_xticks([])
        left.set_yticks([])
    if key is None:
        teams = sorted(
            (t["name"] or _t(N_("no team"), lang), t["hours"])
            for t in figures["teams"].values()
            if t["name"] or t["hours"]
        )
        right.bar([n for n, _ in teams], [h for _, h in teams], color="#38a169")
        right.set_title(_t(N_("Hours served today"), lang))
    else:
        right.bar(
            [_t(label, lang) for _, label in FELL_THROUGH],
            [scope.get(w, 0) for w, _ in FELL_THROUGH],
            color="#c53030",
        )
        right.set_title(_t(N_("Fell through"), lang))
    for axes in (left, right):
        axes.yaxis.set_major_locator(MaxNLocator(integer=True))
        for label in axes.get_xticklabels():
            label.set_rotation(30)
            label.set_horizontalalignment("right")
    title = f"{figures['community']} · {figures['day']}"
    figure.suptitle(title, fontsize=11)
    figure.tight_layout()
    out = io.BytesIO()
    figure.savefig(out, format="png")
    return out.getvalue()

"""``coord kind``: a community's own kinds of work and their figures, added without code, both languages."""

from __future__ import annotations

from typing import Annotated

import typer

from coord.entrypoints.cli.community import CommunityOption
from coord.entrypoints.cli.runtime import command_run
from coord.errors import InvalidInput
from coord.i18n import N_
from coord.services.records.kinds import FigureSpec, add_kind, community_kinds

kind_app = typer.Typer(help="Kinds of work a community adds, with their figures.", no_args_is_help=True)

FIGURE_HELP = (
    "NAME=English label/中文标签[:int|float|bool][:required], e.g. "
    "'parcels=parcels/包裹数:int:required' or 'weight=weight (jin)/重量（斤）:float'; repeat."
)


@kind_app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="What people type for it, e.g. 物资搬运.")],
    label_en: Annotated[str, typer.Option("--en", help="Its name in English, e.g. 'supply hauling'.")],
    label_zh: Annotated[str, typer.Option("--zh", help="Its name in Chinese, e.g. 物资搬运.")],
    figure: Annotated[list[str], typer.Option("--figure", help=FIGURE_HELP)],
    shift: Annotated[bool, typer.Option("--shift", help="A time window at a post, not a deadline.")] = False,
    community: CommunityOption = None,
) -> None:
    """Add a kind of work and the figures its done work records; reports show it like the others."""
    with command_run() as run:
        place = run.community(community)
        kind = add_kind(
            session=run.session,
            actor=run.actor,
            community=place,
            name=name,
            label_en=label_en,
            label_zh=label_zh,
            figures=[_figure(text) for text in figure],
            shift=shift,
            now=run.now,
        )
        run.out.line(
            N_("Added the kind of work {name} ({code}) with {count} figure."),
            name=kind.name,
            code=kind.code,
            count=len(kind.figures),
        )


@kind_app.command("list")
def list_kinds(community: CommunityOption = None) -> None:
    """The kinds of work the community added, with their figures."""
    with command_run() as run:
        place = run.community(community)
        rows = run.out.table(N_("name"), N_("code"), N_("English name"), N_("Chinese name"), N_("figures"))
        for kind in community_kinds(run.session, place.id):
            figures = ", ".join(
                f"{f['name']} ({f['label_zh']}{'*' if f.get('required') else ''})" for f in kind.figures
            )
            rows.add(kind.name, kind.code, kind.label_en, kind.label_zh, figures)
        if not rows.count:
            run.out.line(N_("The community has added no kinds of work: coord kind add NAME …"))


def _figure(text: str) -> FigureSpec:
    name, equals, rest = text.replace("＝", "=").partition("=")
    parts = rest.split(":")
    labels = parts[0].split("/") if parts else []
    if not equals or len(labels) != 2:
        raise InvalidInput(
            N_("Give a figure as NAME=English label/中文标签, for example parcels=parcels/包裹数.")
        )
    kind = parts[1].strip().lower() if len(parts) > 1 and parts[1].strip() else "int"
    required = len(parts) > 2 and parts[2].strip().lower() in ("required", "必填")
    return FigureSpec(name.strip(), labels[0], labels[1], type=kind, required=required)

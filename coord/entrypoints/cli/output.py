"""What a command prints, gathered while it works and shown only once its transaction has committed."""

from __future__ import annotations

from typing import Any

from rich import box
from rich.console import Console, RenderableType
from rich.table import Table
from rich.text import Text

from coord.i18n import translate, translate_plural


class Output:
    """Lines and tables in the CLI's language. Data is never read as rich markup."""

    def __init__(self, language: str) -> None:
        self.language = language
        self._items: list[RenderableType] = []

    def t(self, msgid: str, **params: Any) -> str:
        return translate(msgid, self.language, **params)

    def line(self, msgid: str, **params: Any) -> None:
        """A message: ``msgid`` translated, with ``params`` filled in."""
        self._items.append(Text(self.t(msgid, **params)))

    def plural(self, singular: str, plural: str, n: int, **params: Any) -> None:
        """A message whose English has a singular and a plural, the form chosen by ``n``."""
        self._items.append(Text(translate_plural(singular, plural, n, self.language, **params)))

    def plain(self, text: str) -> None:
        """Data as it is (a code, a name)."""
        self._items.append(Text(text))

    def table(self, *headers: str, title: str | None = None) -> Rows:
        """A table whose column headers are message ids."""
        table = Table(
            *(self.t(h) for h in headers),
            title=self.t(title) if title else None,
            box=box.SIMPLE_HEAD,
            title_justify="left",
        )
        self._items.append(table)
        return Rows(table)

    def fields(self, pairs: list[tuple[str, object]]) -> None:
        """A two-column list of labelled values (labels are message ids); empty values are left out."""
        table = Table(show_header=False, box=None, padding=(0, 2, 0, 0))
        table.add_column(style="bold")
        table.add_column()
        for label, value in pairs:
            if value not in (None, ""):
                table.add_row(Text(self.t(label)), Text(str(value)))
        self._items.append(table)

    def flush(self) -> None:
        console = Console(highlight=False, soft_wrap=False)
        for item in self._items:
            if isinstance(item, Table) and item.columns and item.show_header and not item.row_count:
                continue  # an empty list is said in words instead
            console.print(item)
        self._items.clear()


class Rows:
    def __init__(self, table: Table) -> None:
        self.table = table
        self.count = 0

    def add(self, *values: object) -> None:
        self.table.add_row(*(Text("" if v is None else str(v)) for v in values))
        self.count += 1

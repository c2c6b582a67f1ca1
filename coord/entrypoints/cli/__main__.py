"""``python -m coord.entrypoints.cli``: the same as the ``coord`` command."""

from coord.entrypoints.cli import main

main()

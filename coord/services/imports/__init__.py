"""Imports: CSV files of places, households and people, every row checked first, then all written or none.

Modules: ``rows`` (reading and checking a file), ``job`` (one import and its report), and one per kind of
file: ``places``, ``households``, ``people`` and ``work_done`` (completed work from paper records).
"""

from coord.services.imports.households import import_households
from coord.services.imports.job import ImportReport
from coord.services.imports.people import import_people
from coord.services.imports.places import import_places
from coord.services.imports.work_done import import_work_done

__all__ = ["ImportReport", "import_households", "import_people", "import_places", "import_work_done"]

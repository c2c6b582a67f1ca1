"""Privacy (issue 19): the record of every read of private details (``reads``) and retention, the purge of
private details a set time after the work closes (``retention``)."""

from coord.services.privacy.reads import (
    DIRECT_MESSAGE,
    EXPORT,
    ReadLine,
    reads_by_person,
    reads_of_household,
    record_read,
)
from coord.services.privacy.retention import (
    DEFAULT_RETENTION_DAYS,
    RETENTION,
    keep_household,
    plan_purges,
    purge_private_details,
)

__all__ = [
    "DEFAULT_RETENTION_DAYS",
    "DIRECT_MESSAGE",
    "EXPORT",
    "RETENTION",
    "ReadLine",
    "keep_household",
    "plan_purges",
    "purge_private_details",
    "reads_by_person",
    "reads_of_household",
    "record_read",
]

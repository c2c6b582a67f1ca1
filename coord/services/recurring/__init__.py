"""Recurring work: templates (an RFC 5545 rule times a set of targets) materialised into tasks.

Modules: ``templates`` (create and deactivate), ``materialisation`` (occurrences into tasks) and ``rules``
(repeat rules, parsed strictly).
"""

from coord.services.recurring.materialisation import materialise, materialise_all
from coord.services.recurring.templates import create_template, deactivate_template

__all__ = ["create_template", "deactivate_template", "materialise", "materialise_all"]

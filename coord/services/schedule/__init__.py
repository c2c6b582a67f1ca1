"""Schedule: the scheduler tick's work in the database, and the duties (summaries, materialising) it plans.

Modules: ``tick`` (plan duties, arm ladders, lease what is due) and ``duties`` (run one duty).
"""

from coord.services.schedule.duties import run_duty
from coord.services.schedule.tick import Dispatch, TickOptions, collect_due, plan_duties

__all__ = ["Dispatch", "TickOptions", "collect_due", "plan_duties", "run_duty"]

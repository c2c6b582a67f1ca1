"""``coord demo``: a day of the 万科嘉园 community on an accelerated clock, run by coord's real engine.

The seed builds the community; simulated people speak through the conversation layer; the scheduler tick
and the actors do the reminders, escalations, no-shows, auto-assignment and the daily summary; a live
feed shows it all and the day ends with the summary the coordinator received, and its chart.
"""

from coord.entrypoints.demo.day import DemoOptions, DemoResult, run_demo

__all__ = ["DemoOptions", "DemoResult", "run_demo"]

"""Reporting: each community's daily summary, computed once and stored, then sent and rendered from that.

Modules: ``summary`` (compute, store and send) and ``report`` (text, chart, CSV and XLSX).
"""

from coord.services.reporting.report import render_report, summary_text
from coord.services.reporting.summary import compute_summary, send_daily_summary

__all__ = ["compute_summary", "render_report", "send_daily_summary", "summary_text"]

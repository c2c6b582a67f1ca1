"""The use cases, grouped by concept: work, escalation, schedule, outbox, people, recurring, reporting and
imports.

Each takes the session keyword-only and the acting person; the caller owns the transaction. Services sit
below the chat layer and above the base (models, db, settings, clock, i18n): see ``[tool.importlinter]``.
"""

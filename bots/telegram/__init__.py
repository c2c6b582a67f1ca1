"""The Telegram adapter: python-telegram-bot in front of the conversation layer, and the gateway the
delivery actor sends notifications through.

- ``run_bot(settings, stop, *, store, clock=None)``: answers updates (long polling, or a webhook when
  ``COORD_TELEGRAM_WEBHOOK_URL`` is set) until ``stop`` is set;
- ``make_gateway(settings)``: sends (and edits) messages, photos and documents over the Bot API.

``COORD_TELEGRAM_BASE_URL`` points both at another Bot API server (a local one in the tests).
"""

from bots.telegram.bot import build_application, run_bot, serve
from bots.telegram.gateway import TelegramGateway, make_gateway

__all__ = ["TelegramGateway", "build_application", "make_gateway", "run_bot", "serve"]

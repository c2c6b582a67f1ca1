"""The Matrix bot (matrix-nio) and the Matrix gateway the delivery actor sends through.

``make_gateway(settings)`` and ``run_bot(settings, stop, *, store, clock=None)``, as every network
package offers (see ``bots``). Encrypted rooms are not supported.
"""

from __future__ import annotations

from bots.matrix.gateway import MatrixGateway
from bots.matrix.run import run_bot
from coord.services.outbox.gateways import Gateway
from coord.settings import Settings

__all__ = ["MatrixGateway", "make_gateway", "run_bot"]


def make_gateway(settings: Settings) -> Gateway:
    """The gateway that sends notifications to Matrix rooms as the bot account."""
    return MatrixGateway(settings)

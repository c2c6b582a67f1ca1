"""The bot's matrix-nio client: logged in once with the password, the device and token reused after."""

from __future__ import annotations

import logging

from nio import AsyncClient, AsyncClientConfig, LoginResponse, WhoamiResponse

from bots.matrix.memory import BotMemory, Credentials
from coord.settings import Settings

log = logging.getLogger(__name__)


class LoginFailed(RuntimeError):
    """The homeserver refused the bot's password or token."""


def client_config() -> AsyncClientConfig:
    # Encrypted rooms are not supported (matrix-nio's end-to-end encryption needs libolm).
    return AsyncClientConfig(encryption_enabled=False, store_sync_tokens=False, max_timeouts=3)


async def connect(settings: Settings, memory: BotMemory) -> AsyncClient:
    """A client with a valid access token: the configured one, the stored one, or a new login."""
    assert settings.matrix_homeserver and settings.matrix_user_id
    client = AsyncClient(settings.matrix_homeserver, settings.matrix_user_id, config=client_config())
    try:
        if settings.matrix_access_token is not None:
            await _use_token(client, settings.matrix_access_token.get_secret_value(), device_id="")
            return client
        stored = memory.credentials
        if stored is not None and stored.user_id == settings.matrix_user_id:
            if await _use_token(client, stored.access_token, stored.device_id, quiet=True):
                return client
            memory.forget_credentials()
        await _login(client, settings, memory)
        return client
    except BaseException:
        await client.close()
        raise


async def _use_token(client: AsyncClient, token: str, device_id: str, *, quiet: bool = False) -> bool:
    client.access_token = token
    answer = await client.whoami()
    if not isinstance(answer, WhoamiResponse):
        if quiet:
            log.info("the stored Matrix access token was refused; logging in again")
            return False
        raise LoginFailed(f"the Matrix access token was refused: {getattr(answer, 'message', answer)}")
    client.restore_login(answer.user_id, device_id or answer.device_id or "", token)
    return True


async def _login(client: AsyncClient, settings: Settings, memory: BotMemory) -> None:
    assert settings.matrix_password is not None
    answer = await client.login(settings.matrix_password.get_secret_value(), device_name="coord")
    if not isinstance(answer, LoginResponse):
        raise LoginFailed(f"the Matrix login failed: {getattr(answer, 'message', answer)}")
    memory.save_credentials(Credentials(answer.user_id, answer.device_id, answer.access_token))
    log.info("logged in to Matrix as %s (device %s)", answer.user_id, answer.device_id)

"""``coord health``: is this process's database (and Redis, when set) ready? For container health checks."""

from __future__ import annotations

from coord.entrypoints.cli.output import Output
from coord.entrypoints.cli.runtime import CliError, opened_engine, read_settings, require_schema
from coord.i18n import N_


class NotReady(CliError):
    exit_code = 1


def health() -> None:
    """Check the database (reachable, schema current) and Redis (if COORD_REDIS_URL is set); exit 1 if not."""
    settings = read_settings()
    out = Output(settings.language)
    with opened_engine(settings) as engine:
        require_schema(engine)
        out.line(N_("database: ready ({url})"), url=engine.url.render_as_string(hide_password=True))
    if settings.redis_url:
        import redis

        client = redis.Redis.from_url(settings.redis_url, socket_connect_timeout=3, socket_timeout=3)
        try:
            client.ping()
        except redis.RedisError as exc:
            raise NotReady(
                N_("Redis is not reachable at COORD_REDIS_URL: {reason}"), reason=str(exc)
            ) from None
        finally:
            client.close()
        out.line(N_("redis: ready"))
    out.flush()

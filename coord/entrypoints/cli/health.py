"""``coord health``: is this process's database (and Redis, when set) ready, is the outbox moving, does a
scheduler lead? For container health checks: exit 1 past the thresholds (``COORD_HEALTH_*``)."""

from __future__ import annotations

from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from coord.clock import utcnow
from coord.entrypoints.cli.output import Output
from coord.entrypoints.cli.runtime import CliError, opened_engine, read_settings, require_schema
from coord.i18n import N_
from coord.services.operations import outbox_backlog
from coord.settings import Settings
from workers.broker import NAMESPACE
from workers.leader import advisory_key


class NotReady(CliError):
    exit_code = 1


def health() -> None:
    """Check the database (reachable, schema current), Redis (if COORD_REDIS_URL is set), the outbox's backlog
    and the scheduler's lead; exit 1 if not ready or past a threshold."""
    settings = read_settings()
    out = Output(settings.language)
    with opened_engine(settings) as engine:
        require_schema(engine)
        out.line(N_("database: ready ({url})"), url=engine.url.render_as_string(hide_password=True))
        with Session(engine) as session:
            backlog = outbox_backlog(session, now=utcnow())
        leads = _scheduler_leads(settings, engine)
    if settings.redis_url:
        _check_redis(settings.redis_url)
        out.line(N_("redis: ready"))
    out.line(
        N_("outbox: {waiting} waiting, the oldest for {seconds} s; {dead} given up"),
        waiting=backlog.waiting,
        seconds=round(backlog.oldest_seconds),
        dead=backlog.dead,
    )
    if leads is None:
        out.line(N_("scheduler: runs inside coord run (embedded)"))
    else:
        out.line(N_("scheduler: one leads") if leads else N_("scheduler: none leads"))
    out.flush()
    if backlog.waiting > settings.health_max_backlog:
        raise NotReady(
            N_("{waiting} notifications wait, more than COORD_HEALTH_MAX_BACKLOG ({limit})."),
            waiting=backlog.waiting,
            limit=settings.health_max_backlog,
        )
    if backlog.oldest_seconds > settings.health_max_pending_seconds:
        raise NotReady(
            N_("A notification has waited {seconds} s, past COORD_HEALTH_MAX_PENDING_SECONDS ({limit})."),
            seconds=round(backlog.oldest_seconds),
            limit=round(settings.health_max_pending_seconds),
        )
    if settings.health_require_leader and leads is False:
        raise NotReady(N_("No scheduler leads, and COORD_HEALTH_REQUIRE_LEADER is set."))


def _scheduler_leads(settings: Settings, engine: Engine) -> bool | None:
    """Whether a scheduler holds the lead (workers.leader): its Redis key, or its PostgreSQL advisory lock;
    None in the embedded mode, where the lead is a lock inside ``coord run``."""
    if settings.redis_url:
        import redis

        client = redis.Redis.from_url(settings.redis_url, socket_connect_timeout=3, socket_timeout=3)
        try:
            return bool(client.exists(f"{NAMESPACE}:scheduler:leader"))
        except redis.RedisError:
            return False  # reported as Redis not reachable just after
        finally:
            client.close()
    if engine.dialect.name != "postgresql":
        return None
    key = advisory_key(f"{NAMESPACE}-scheduler")
    with engine.connect() as connection:
        held = connection.scalar(
            text(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 1 "
                "AND ((classid::bigint << 32) | objid::bigint) = :key"
            ),
            {"key": key},
        )
    return bool(held)


def _check_redis(url: str) -> None:
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=3, socket_timeout=3)
    try:
        client.ping()
    except redis.RedisError as exc:
        raise NotReady(N_("Redis is not reachable at COORD_REDIS_URL: {reason}"), reason=str(exc)) from None
    finally:
        client.close()

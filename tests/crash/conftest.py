"""The workers' fixtures (a committed deployment, Redis under a key prefix of its own) for crash tests."""

from tests.workers.conftest import deployment, prefix, redis_url

__all__ = ["deployment", "prefix", "redis_url"]

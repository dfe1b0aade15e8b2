"""A cache for hot reads: Redis when configured, in-process otherwise.

Keys live in namespaces (``stock:<store>``, ``catalog``) with a version number;
invalidating a namespace bumps its version, so every key of the old version is dead at
once without scanning. When Redis is unreachable the service keeps working without a
cache (every read goes to the database) and ``/health`` says the cache is down.
"""

from __future__ import annotations

import json
import time
from typing import Any, Protocol

from shared.logging import get_logger

log = get_logger(__name__)
DEFAULT_TTL_SECONDS = 300


class Cache(Protocol):
    kind: str

    async def get(self, namespace: str, key: str) -> Any | None: ...
    async def set(
        self, namespace: str, key: str, value: Any, ttl: int = DEFAULT_TTL_SECONDS
    ) -> None: ...
    async def invalidate(self, namespace: str) -> None: ...
    async def hit(self, bucket: str, window_seconds: int) -> int: ...
    async def hits(self, bucket: str) -> int: ...
    async def ping(self) -> bool: ...
    async def close(self) -> None: ...


class MemoryCache:
    """One process's cache (the embedded default)."""

    kind = "memory"

    def __init__(self) -> None:
        self._values: dict[str, tuple[float, Any]] = {}
        self._versions: dict[str, int] = {}
        self._counters: dict[str, tuple[float, int, int]] = {}  # started, window, count

    def _key(self, namespace: str, key: str) -> str:
        return f"{namespace}:{self._versions.get(namespace, 0)}:{key}"

    async def get(self, namespace: str, key: str) -> Any | None:
        entry = self._values.get(self._key(namespace, key))
        if entry is None or entry[0] < time.monotonic():
            return None
        return entry[1]

    async def set(
        self, namespace: str, key: str, value: Any, ttl: int = DEFAULT_TTL_SECONDS
    ) -> None:
        if len(self._values) > 10_000:
            self._values.clear()
        self._values[self._key(namespace, key)] = (time.monotonic() + ttl, value)

    async def invalidate(self, namespace: str) -> None:
        self._versions[namespace] = self._versions.get(namespace, 0) + 1

    async def hit(self, bucket: str, window_seconds: int) -> int:
        count = await self.hits(bucket) + 1
        started = self._counters.get(bucket, (time.monotonic(), window_seconds, 0))[0]
        if count == 1:
            started = time.monotonic()
        self._counters[bucket] = (started, window_seconds, count)
        return count

    async def hits(self, bucket: str) -> int:
        started, window, count = self._counters.get(bucket, (0.0, 0, 0))
        return count if time.monotonic() - started < window else 0

    async def ping(self) -> bool:
        return True

    async def close(self) -> None:
        self._values.clear()


PING_ATTEMPTS = 3


class RedisCache:
    """Redis shared by every process; any Redis error degrades to "no cache"."""

    kind = "redis"

    def __init__(self, url: str) -> None:
        import redis.asyncio as redis

        self._redis = redis.Redis.from_url(
            url, socket_connect_timeout=0.25, socket_timeout=0.25, decode_responses=True
        )
        self._errors = 0
        self._local_limits = (
            MemoryCache()
        )  # rate limits still hold, per process, when Redis is down

    async def _version(self, namespace: str) -> str:
        return await self._redis.get(f"mm:v:{namespace}") or "0"

    async def get(self, namespace: str, key: str) -> Any | None:
        try:
            version = await self._version(namespace)
            raw = await self._redis.get(f"mm:c:{namespace}:{version}:{key}")
        except Exception as error:
            self._down(error)
            return None
        return None if raw is None else json.loads(raw)

    async def set(
        self, namespace: str, key: str, value: Any, ttl: int = DEFAULT_TTL_SECONDS
    ) -> None:
        try:
            version = await self._version(namespace)
            await self._redis.set(f"mm:c:{namespace}:{version}:{key}", json.dumps(value), ex=ttl)
        except Exception as error:
            self._down(error)

    async def invalidate(self, namespace: str) -> None:
        try:
            await self._redis.incr(f"mm:v:{namespace}")
        except Exception as error:
            self._down(error)

    async def hit(self, bucket: str, window_seconds: int) -> int:
        key = f"mm:rl:{bucket}"
        try:
            async with self._redis.pipeline(transaction=True) as pipe:
                count, _ = await pipe.incr(key).expire(key, window_seconds, nx=True).execute()
            return int(count)
        except Exception as error:
            self._down(error)
            return await self._local_limits.hit(bucket, window_seconds)

    async def hits(self, bucket: str) -> int:
        try:
            return int(await self._redis.get(f"mm:rl:{bucket}") or 0)
        except Exception as error:
            self._down(error)
            return await self._local_limits.hits(bucket)

    async def ping(self) -> bool:
        # One reply slower than the 0.25 s socket timeout (a busy host) is not an outage:
        # health says "down" only when every attempt fails. A refused connection fails
        # at once, so a Redis that is really down is still reported quickly.
        for _ in range(PING_ATTEMPTS):
            try:
                if await self._redis.ping():
                    return True
            except Exception:  # noqa: S112 - the next attempt, then "down"
                continue
        return False

    def _down(self, error: Exception) -> None:
        self._errors += 1
        if self._errors in (1, 100, 10_000):
            log.warning("cache unavailable", error=type(error).__name__, errors=self._errors)

    async def close(self) -> None:
        await self._redis.aclose()


def make_cache(redis_url: str | None) -> Cache:
    return RedisCache(redis_url) if redis_url else MemoryCache()

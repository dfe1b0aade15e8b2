"""Argon2id hashes for passwords, PINs and device secrets.

The parameters are OWASP's minimum for Argon2id (19 MiB, 2 passes, 1 lane): about
50 ms per hash on a store PC, cheap enough for a login, costly for a guesser.
Tests use ``Hasher(profile="test")``, the smallest parameters Argon2 accepts, so a
suite that creates many users does not spend seconds hashing. The profile is an
argument, never an environment variable: production code cannot be switched to it.
"""

from __future__ import annotations

from typing import Literal

from argon2 import Parameters, PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

TIME_COST = 2
MEMORY_COST_KIB = 19_456
PARALLELISM = 1
HASH_LENGTH = 32
SALT_LENGTH = 16

DEFAULT_PARAMETERS = Parameters(
    type=Type.ID,
    version=19,
    salt_len=SALT_LENGTH,
    hash_len=HASH_LENGTH,
    time_cost=TIME_COST,
    memory_cost=MEMORY_COST_KIB,
    parallelism=PARALLELISM,
)

FAST_TEST_PARAMETERS = Parameters(
    type=Type.ID,
    version=19,
    salt_len=SALT_LENGTH,
    hash_len=HASH_LENGTH,
    time_cost=1,
    memory_cost=8,  # Argon2's minimum: 8 KiB per lane
    parallelism=1,
)

Profile = Literal["default", "test"]
_PROFILES: dict[str, Parameters] = {"default": DEFAULT_PARAMETERS, "test": FAST_TEST_PARAMETERS}


class Hasher:
    """Hashes and checks secrets with one set of Argon2id parameters."""

    def __init__(self, profile: Profile = "default") -> None:
        if profile not in _PROFILES:
            raise ValueError(f"unknown hashing profile {profile!r}")
        self.profile = profile
        self.parameters = _PROFILES[profile]
        self._hasher = PasswordHasher.from_parameters(self.parameters)

    def hash(self, secret: str) -> str:
        """A self-describing ``$argon2id$...`` string with a fresh random salt."""
        return self._hasher.hash(secret)

    def verify(self, hash: str, secret: str) -> bool:
        """True when ``secret`` matches ``hash``; False otherwise, a malformed hash included."""
        try:
            return self._hasher.verify(hash, secret)
        except (VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, hash: str) -> bool:
        """True when ``hash`` was made with other parameters (or is not a valid hash):
        after a successful login, store a new hash of the secret just checked."""
        try:
            return self._hasher.check_needs_rehash(hash)
        except InvalidHashError:
            return True


_default = Hasher()


def hash_secret(secret: str) -> str:
    return _default.hash(secret)


def verify_secret(hash: str, secret: str) -> bool:
    return _default.verify(hash, secret)


def needs_rehash(hash: str) -> bool:
    return _default.needs_rehash(hash)

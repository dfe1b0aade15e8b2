import argon2
import pytest

from shared.security.passwords import (
    FAST_TEST_PARAMETERS,
    MEMORY_COST_KIB,
    PARALLELISM,
    TIME_COST,
    Hasher,
    hash_secret,
    needs_rehash,
    verify_secret,
)


@pytest.fixture(scope="module")
def hasher():
    return Hasher(profile="test")


def test_a_secret_verifies_against_its_hash(hasher):
    stored = hasher.hash("contraseña segura")

    assert stored.startswith("$argon2id$")
    assert hasher.verify(stored, "contraseña segura")


def test_a_wrong_secret_returns_false_without_raising(hasher):
    stored = hasher.hash("1234")

    assert hasher.verify(stored, "1235") is False
    assert hasher.verify(stored, "") is False


@pytest.mark.parametrize("malformed", ["", "not a hash", "$argon2id$v=19$m=8,t=1,p=1$broken"])
def test_a_malformed_hash_returns_false(hasher, malformed):
    assert hasher.verify(malformed, "1234") is False
    assert verify_secret(malformed, "1234") is False


def test_hashes_are_salted(hasher):
    assert hasher.hash("1234") != hasher.hash("1234")


def test_the_test_profile_uses_the_fast_parameters(hasher):
    parameters = argon2.extract_parameters(hasher.hash("1234"))

    assert parameters == FAST_TEST_PARAMETERS
    assert parameters.type is argon2.Type.ID


def test_the_default_profile_uses_owasp_minimum_argon2id():
    stored = hash_secret("1234")
    parameters = argon2.extract_parameters(stored)

    assert (TIME_COST, MEMORY_COST_KIB, PARALLELISM) == (2, 19_456, 1)
    assert parameters.type is argon2.Type.ID
    assert (parameters.time_cost, parameters.memory_cost, parameters.parallelism) == (
        TIME_COST,
        MEMORY_COST_KIB,
        PARALLELISM,
    )
    assert verify_secret(stored, "1234")
    assert not verify_secret(stored, "4321")
    assert not needs_rehash(stored)


def test_a_hash_made_with_other_parameters_needs_rehash(hasher):
    assert needs_rehash(hasher.hash("1234"))
    assert needs_rehash("not a hash")
    assert not hasher.needs_rehash(hasher.hash("1234"))


def test_hashes_from_either_profile_verify_everywhere(hasher):
    assert verify_secret(hasher.hash("1234"), "1234")


def test_an_unknown_profile_is_refused():
    with pytest.raises(ValueError, match="unknown hashing profile"):
        Hasher(profile="fastest")  # type: ignore[arg-type]

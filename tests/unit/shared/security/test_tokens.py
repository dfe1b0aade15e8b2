import uuid
from datetime import UTC, datetime, timedelta

import jwt
import pytest

from shared.domain.enums import Role
from shared.domain.errors import AuthError
from shared.security.tokens import Principal, issue_token, read_token

SECRET = "s" * 40


def test_a_token_carries_role_store_and_name():
    principal = Principal(uuid.uuid4(), Role.CAJERO, uuid.uuid4(), "ana")
    assert read_token(SECRET, issue_token(SECRET, principal, timedelta(hours=8))) == principal


def test_a_device_token_names_the_device():
    device = uuid.uuid4()
    principal = Principal(device, Role.DEVICE, uuid.uuid4(), device_id=device)
    read = read_token(SECRET, issue_token(SECRET, principal, timedelta(minutes=15)))
    assert read.is_device and read.user_id is None and read.device_id == device


def test_expired_forged_and_garbage_tokens_are_refused():
    principal = Principal(uuid.uuid4(), Role.ADMIN)
    old = issue_token(SECRET, principal, timedelta(hours=1),
                      now=datetime.now(UTC) - timedelta(hours=2))
    with pytest.raises(AuthError, match="expired"):
        read_token(SECRET, old)
    with pytest.raises(AuthError, match="invalid"):
        read_token("x" * 40, issue_token(SECRET, principal, timedelta(hours=1)))
    with pytest.raises(AuthError):
        read_token(SECRET, "not-a-token")
    unsigned = jwt.encode({"sub": str(uuid.uuid4()), "role": "admin"}, key=None, algorithm="none")
    with pytest.raises(AuthError):
        read_token(SECRET, unsigned)
    with pytest.raises(AuthError):  # a role we do not know
        read_token(SECRET, jwt.encode({"sub": str(uuid.uuid4()), "role": "root", "iss": "minimarket",
                                       "iat": 0, "exp": 2**33}, SECRET, algorithm="HS256"))

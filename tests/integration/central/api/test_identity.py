"""Sign-in, device enrollment and revocation over HTTP."""

import time

from sqlalchemy.orm import Session

from central import devices, identity
from shared.db.engine import create_db_engine
from tests.integration.central.api.conftest import enroll, login


def test_people_sign_in_and_get_an_eight_hour_bearer_token(client):
    response = client.post("/api/auth/token", data={"username": "Admin", "password": "contraseña-segura"})
    body = response.json()
    assert response.status_code == 200
    assert body["token_type"] == "bearer" and body["expires_in"] == 8 * 3600
    me = client.get("/api/auth/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.json()["role"] == "admin" and me.json()["username"] == "admin"


def test_a_wrong_password_and_an_unknown_user_get_the_same_answer(client):
    wrong = client.post("/api/auth/token", data={"username": "admin", "password": "nope"})
    unknown = client.post("/api/auth/token", data={"username": "ghost", "password": "nope"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json() == {"detail": "incorrect username or password"}


def test_repeated_failed_sign_ins_are_rate_limited(make_client):
    client = make_client(redis=True)
    user = f"victim{time.time_ns()}"
    codes = [client.post("/api/auth/token", data={"username": user, "password": "x"}).status_code
             for _ in range(12)]
    assert codes[:10] == [401] * 10 and codes[10:] == [429, 429]


def test_a_device_enrolls_once_and_trades_its_secret_for_a_device_token(client, central_db):
    device_id, secret = enroll(client, central_db)
    response = client.post("/api/auth/device-token",
                           json={"device_id": str(device_id), "device_secret": secret})
    assert response.status_code == 200 and response.json()["expires_in"] == 900
    headers = {"Authorization": f"Bearer {response.json()['access_token']}"}
    me = client.get("/api/auth/me", headers=headers).json()
    assert me["role"] == "device" and me["device_id"] == str(device_id)
    wrong = client.post("/api/auth/device-token",
                        json={"device_id": str(device_id), "device_secret": secret + "x"})
    assert wrong.status_code == 401


def test_an_enrollment_token_works_once_and_not_after_expiry(client, central_db):
    engine = create_db_engine(central_db)
    with Session(engine) as session, session.begin():
        token = identity.create_enrollment_token(session, "S1", ttl_hours=1)
        expired = identity.create_enrollment_token(session, "S1", ttl_hours=0.0001)
    engine.dispose()
    time.sleep(0.5)
    assert client.post("/api/sync/enroll", json={"token": token}).status_code == 200
    again = client.post("/api/sync/enroll", json={"token": token})
    assert again.status_code == 401 and "enrollment token" in again.json()["detail"]
    assert client.post("/api/sync/enroll", json={"token": expired}).status_code == 401


def test_a_revoked_device_is_refused_from_then_on(client, central_db):
    device_id, secret = enroll(client, central_db)
    token = client.post("/api/auth/device-token",
                        json={"device_id": str(device_id), "device_secret": secret}).json()
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    assert client.get("/api/auth/me", headers=headers).status_code == 200
    engine = create_db_engine(central_db)
    with Session(engine) as session, session.begin():
        devices.revoke_device(session, str(device_id))
    engine.dispose()
    time.sleep(5.1)  # the per-process revocation memory lasts 5 s
    assert client.get("/api/auth/me", headers=headers).status_code == 401
    again = client.post("/api/auth/device-token",
                        json={"device_id": str(device_id), "device_secret": secret})
    assert again.status_code == 401 and again.json()["detail"] == "device revoked"


def test_health_reports_database_and_cache(make_client):
    healthy = make_client(redis=True).get("/health").json()
    assert healthy["database"]["status"] == "ok" and healthy["cache"] == {"status": "ok", "backend": "redis"}


def test_redis_down_degrades_but_keeps_serving(make_client):
    from central.kit.cache import RedisCache

    client = make_client()
    client.app.state.central.cache = RedisCache("redis://127.0.0.1:1/0")  # nothing listens
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json()["status"] == "degraded" and response.json()["cache"]["status"] == "down"
    assert login(client, "admin")  # sign-in still works; the rate limit holds per process


def test_one_slow_redis_reply_is_not_an_outage():
    import asyncio

    from central.kit.cache import PING_ATTEMPTS, RedisCache

    async def check() -> tuple[bool, bool]:
        cache = RedisCache("redis://127.0.0.1:6379/0")  # the real one
        real_ping, calls = cache._redis.ping, []

        async def slow_once():
            calls.append(1)
            if len(calls) == 1:
                raise TimeoutError("Timeout reading from socket")  # a busy host, once
            return await real_ping()

        cache._redis.ping = slow_once
        blip = await cache.ping()
        calls.clear()

        async def never():
            calls.append(1)
            raise TimeoutError("Timeout reading from socket")

        cache._redis.ping = never
        down = await cache.ping()
        assert len(calls) == PING_ATTEMPTS
        await cache.close()
        return blip, down

    assert asyncio.run(check()) == (True, False)


def test_metrics_need_the_api_key_when_one_is_set(make_client, settings):
    from shared.settings import Settings

    guarded = Settings(MINIMARKET_DATA_DIR=settings.data_dir, JWT_SECRET_KEY="k" * 40,
                       DASHBOARD_API_KEY="clave-de-metricas")
    client = make_client(config=guarded)
    client.get("/health")
    assert client.get("/metrics").status_code == 401
    response = client.get("/metrics", headers={"X-API-Key": "clave-de-metricas"})
    assert response.status_code == 200
    assert 'http_requests_total{agent="central",method="GET",route="/health",status="200"}' in response.text

"""CORS, error bodies and validation at the HTTP edge."""

from fastapi import APIRouter

from shared.settings import Settings


def test_cors_answers_only_the_configured_origins(make_client, settings):
    config = Settings(MINIMARKET_DATA_DIR=settings.data_dir, JWT_SECRET_KEY="k" * 40,
                      CORS_ORIGINS="https://hq.example.com")
    client = make_client(config=config)
    preflight = {"Access-Control-Request-Method": "GET"}
    allowed = client.options("/health", headers={"Origin": "https://hq.example.com", **preflight})
    assert allowed.headers.get("access-control-allow-origin") == "https://hq.example.com"
    other = client.options("/health", headers={"Origin": "https://evil.example.com", **preflight})
    assert "access-control-allow-origin" not in other.headers
    assert "access-control-allow-origin" not in make_client().get(
        "/health", headers={"Origin": "https://hq.example.com"}).headers


def test_an_unexpected_failure_is_a_json_500_without_a_stack_trace(client):
    boom = APIRouter()

    @boom.get("/api/deposito/boom")
    async def explode():
        raise RuntimeError("secret internals: password=hunter2")

    client.app.include_router(boom)
    response = client.get("/api/deposito/boom")
    assert response.status_code == 500
    assert response.json() == {"detail": "internal error"}
    assert "hunter2" not in response.text and "Traceback" not in response.text


def test_bad_form_input_is_a_422_naming_the_field(client):
    response = client.post("/api/auth/token", data={"username": "admin"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "password"


def test_unknown_paths_are_json_404(client):
    response = client.get("/api/nowhere")
    assert response.status_code == 404 and response.json() == {"detail": "Not Found"}


def test_values_the_database_refuses_are_422_not_500(client, token_for):
    response = client.get("/api/deposito/stock", params={"store": "a\x00b"},
                          headers=token_for("admin"))
    assert response.status_code in (404, 422)  # SQLite stores NUL; PostgreSQL refuses it
    assert response.status_code != 500

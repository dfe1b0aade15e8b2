"""The dashboard's web pages without a browser: sign-in, session cookie, CSRF, roles."""

from __future__ import annotations

import re
import warnings

import pytest
from sqlalchemy.orm import Session

from central import identity
from shared.db.engine import create_db_engine
from shared.db.migrate import upgrade
from shared.ops.recorder import Recorder, load_replica
from shared.settings import Settings

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

pytestmark = pytest.mark.postgres
PASSWORD = "contraseña-segura"
PAGES = ["/", "/stock", "/stock/critico", "/transferencias", "/catalogo",
         "/catalogo?vista=provisorios", "/catalogo?vista=proveedores",
         "/catalogo?vista=precios", "/facturas", "/ordenes", "/precios", "/inflacion",
         "/dispositivos", "/conflictos", "/auditoria", "/auditoria?fuente=cambios", "/usuarios"]


@pytest.fixture
def client(pg_url, tmp_path):
    engine = create_db_engine(pg_url)
    upgrade(engine)
    with Session(engine) as session, session.begin():
        recorder = Recorder(session, load_replica(session))
        identity.add_store(session, recorder, "S1", "Centro")
        identity.add_user(session, recorder, "admin", PASSWORD, "admin")
        identity.add_user(session, recorder, "deposito", PASSWORD, "deposito")
        identity.add_user(session, recorder, "negocio", PASSWORD, "negocio")
        identity.add_user(session, recorder, "cajero1", PASSWORD, "cajero", "S1")
    engine.dispose()
    from central.app import create_app

    settings = Settings(MINIMARKET_DATA_DIR=tmp_path / "data", JWT_SECRET_KEY="k" * 40)
    with TestClient(create_app(settings=settings, db_url=pg_url),
                    raise_server_exceptions=False) as test_client:
        yield test_client


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no CSRF field in the page"
    return found.group(1)


def sign_in(client, username: str, password: str = PASSWORD, **headers):
    page = client.get("/login")
    assert page.status_code == 200
    return client.post("/login", data={"username": username, "password": password,
                                       "csrf_token": csrf_of(page.text), "next": "/"},
                       headers=headers, follow_redirects=False)


def test_login_form_names_its_inputs_and_signing_in_sets_a_strict_httponly_cookie(client):
    page = client.get("/login")
    assert 'name="username"' in page.text and 'name="password"' in page.text
    assert '<label for="username">Usuario</label>' in page.text
    response = sign_in(client, "admin")
    assert response.status_code == 303 and response.headers["location"] == "/"
    cookie = next(v for k, v in response.headers.multi_items()
                  if k == "set-cookie" and v.startswith("mm_session="))
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict")
    assert "Secure" not in cookie  # plain http in this test
    assert client.get("/").status_code == 200


def test_the_cookie_is_secure_behind_a_tls_proxy(client):
    response = sign_in(client, "admin", **{"X-Forwarded-Proto": "https"})
    cookie = next(v for k, v in response.headers.multi_items()
                  if k == "set-cookie" and v.startswith("mm_session="))
    assert "Secure" in cookie


def test_a_wrong_password_stays_on_the_login_page_with_a_spanish_message(client):
    response = sign_in(client, "admin", "equivocada")
    assert response.status_code == 401
    assert "Usuario o contraseña incorrectos" in response.text
    assert "mm_session" not in response.headers.get("set-cookie", "")


def test_a_login_post_without_its_csrf_token_is_refused(client):
    client.get("/login")
    response = client.post("/login", data={"username": "admin", "password": PASSWORD})
    assert response.status_code == 403


def test_a_form_post_without_the_session_csrf_token_is_refused_and_changes_nothing(client):
    sign_in(client, "admin")
    response = client.post("/dispositivos/sucursales", data={"code": "S9", "name": "Nueva"},
                           follow_redirects=False)
    assert response.status_code == 403
    wrong = client.post("/dispositivos/sucursales",
                        data={"code": "S9", "name": "Nueva", "csrf_token": "x" * 43},
                        follow_redirects=False)
    assert wrong.status_code == 403
    assert "S9 — Nueva" not in client.get("/dispositivos").text
    token = csrf_of(client.get("/dispositivos").text)
    ok = client.post("/dispositivos/sucursales",
                     data={"code": "S9", "name": "Nueva", "csrf_token": token},
                     follow_redirects=False)
    assert ok.status_code == 303
    assert "Sucursal S9 creada" in client.get("/dispositivos").text


def test_every_page_answers_for_admin_without_a_server_error(client):
    sign_in(client, "admin")
    for path in PAGES:
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code, response.text[:300])
        assert "Content-Security-Policy" in response.headers
    assert client.get("/datos/resumen.json").json()["stores"][0]["store"] == "S1"


@pytest.mark.parametrize(("username", "allowed", "refused"), [
    ("negocio", ["/", "/precios", "/facturas", "/ordenes", "/inflacion"],
     ["/stock", "/transferencias", "/dispositivos", "/usuarios"]),
    ("deposito", ["/", "/stock", "/stock/critico", "/transferencias", "/catalogo"],
     ["/precios", "/facturas", "/conflictos", "/auditoria"]),
])
def test_each_role_sees_its_own_pages_only(client, username, allowed, refused):
    sign_in(client, username)
    for path in allowed:
        assert client.get(path).status_code == 200, path
    for path in refused:
        response = client.get(path)
        assert response.status_code == 403, path
        assert "Tu rol no tiene acceso" in response.text
    nav = client.get("/").text
    for path in refused:
        assert f'href="{path}"' not in nav


def test_a_cashier_cannot_sign_in_to_the_dashboard(client):
    response = sign_in(client, "cajero1")
    assert response.status_code == 403
    assert "no tiene acceso al panel" in response.text


def test_pages_redirect_to_login_when_signed_out_and_sign_out_ends_the_session(client):
    response = client.get("/stock?q=yerba", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=/stock")
    sign_in(client, "admin")
    cookie = client.cookies.get("mm_session")
    token = csrf_of(client.get("/").text)
    assert client.post("/logout", data={"csrf_token": token},
                       follow_redirects=False).status_code == 303
    client.cookies.set("mm_session", cookie)  # a copied cookie is dead too
    assert client.get("/", follow_redirects=False).status_code == 303


def test_the_login_page_only_redirects_within_the_site(client):
    sign_in(client, "admin")
    evil = client.get("/login?next=//evil.example/", follow_redirects=False)
    assert evil.headers["location"] == "/"

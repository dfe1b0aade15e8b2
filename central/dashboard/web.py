"""The HQ web dashboard's plumbing: templates, sign-in, roles, CSRF, flashes, assets.

Pages live in ``central/dashboard/pages/`` (one module per area) and call the same use
cases the JSON endpoints call. Every page route is a :class:`DashboardRoute`, which turns
the expected failures into what a browser should see: a redirect to the login page, a
403 page, or (after a form post) the previous page with the error shown.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote, urlsplit

import pydantic
from fastapi import APIRouter, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.datastructures import FormData

from central.dashboard import session as web_session
from central.dashboard.session import CSRF_FIELD, CSRF_HEADER, DASHBOARD_ROLES, WebSession
from shared.domain.enums import Role
from shared.domain.errors import MinimarketError
from shared.logging import get_logger
from shared.settings import BUSINESS_TIMEZONE

T = TypeVar("T")
log = get_logger(__name__)
HERE = Path(__file__).parent
STATIC = HERE / "static"
PAGE_SIZE = 50

A, D, N = Role.ADMIN, Role.DEPOSITO, Role.NEGOCIO
#: Who sees which area (admin sees all).
AREAS: dict[str, frozenset[Role]] = {
    "overview": frozenset({A, D, N}),
    "stock": frozenset({A, D}), "transfers": frozenset({A, D}), "catalog": frozenset({A, D}),
    "invoices": frozenset({A, N}), "orders": frozenset({A, N}), "pricing": frozenset({A, N}),
    "inflation": frozenset({A, N}),
    "devices": frozenset({A}), "conflicts": frozenset({A}), "audit": frozenset({A}),
    "users": frozenset({A}),
}
#: The navigation, in order: (area, label, path).
NAV = (
    ("overview", "Resumen", "/"),
    ("stock", "Stock", "/stock"),
    ("stock", "Stock crítico", "/stock/critico"),
    ("transfers", "Transferencias", "/transferencias"),
    ("catalog", "Catálogo", "/catalogo"),
    ("invoices", "Facturas", "/facturas"),
    ("orders", "Órdenes de compra", "/ordenes"),
    ("pricing", "Precios", "/precios"),
    ("inflation", "Inflación", "/inflacion"),
    ("devices", "Sucursales y dispositivos", "/dispositivos"),
    ("conflicts", "Conflictos", "/conflictos"),
    ("audit", "Auditoría", "/auditoria"),
    ("users", "Usuarios", "/usuarios"),
)
ROLE_LABELS = {"admin": "Administración", "deposito": "Depósito", "negocio": "Negocio",
               "ml_service": "Servicio ML", "cajero": "Cajero", "device": "Dispositivo"}
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
        "connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


# --- failures a browser sees ---------------------------------------------------------------


class NotSignedIn(Exception):
    pass


@dataclass
class Refused(Exception):
    """A 403 page: a role without access, or a form posted without its CSRF token."""

    message: str


class DashboardRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            try:
                return await handler(request)
            except NotSignedIn:
                target = request.url.path
                if request.url.query:
                    target += "?" + request.url.query
                if request.headers.get("hx-request"):
                    return Response(status_code=401, headers={"HX-Redirect": "/login"})
                return RedirectResponse(f"/login?next={quote(target)}", status_code=303)
            except Refused as refused:
                return error_page(request, 403, refused.message)
            except (MinimarketError, RequestValidationError, pydantic.ValidationError) as error:
                if request.method != "POST":
                    status = getattr(error, "status_code", 422)
                    return error_page(request, status, describe(error))
                return await back_with_error(request, describe(error))

        return route


def describe(error: Exception) -> str:
    """A person-readable reason (the use cases speak English; the frame is Spanish)."""
    if isinstance(error, RequestValidationError | pydantic.ValidationError):
        problems = []
        for item in error.errors():
            where = ".".join(str(p) for p in item.get("loc", ()) if p not in ("body", "query"))
            problems.append(f"{where}: {item.get('msg')}" if where else str(item.get("msg")))
        return "Datos inválidos — " + "; ".join(problems)
    return f"No se pudo completar la acción: {error}"


async def back_with_error(request: Request, message: str) -> Response:
    found: WebSession | None = getattr(request.state, "web_session", None)
    if found is not None:
        await web_session.flash(request, found, "error", message)
    return RedirectResponse(back_target(request), status_code=303)


def back_target(request: Request, default: str = "/") -> str:
    """The page a form came from (same site only)."""
    referer = request.headers.get("referer")
    if referer:
        parts = urlsplit(referer)
        if parts.netloc in ("", request.url.netloc) and parts.path.startswith("/"):
            return parts.path + (f"?{parts.query}" if parts.query else "")
    return default


def safe_next(target: str | None) -> str:
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


# --- templates ----------------------------------------------------------------------------


def _money(value: Any) -> str:
    """``$ 1.234,56`` (es-AR)."""
    if value is None or value == "":
        return "—"
    amount = Decimal(str(value)).quantize(Decimal("0.01"))
    sign = "-" if amount < 0 else ""
    whole, cents = f"{abs(amount):.2f}".split(".")
    grouped = f"{int(whole):,}".replace(",", ".")
    return f"{sign}$ {grouped},{cents}"


def _number(value: Any) -> str:
    if value is None or value == "":
        return "—"
    number = Decimal(str(value))
    if number == number.to_integral_value():
        return f"{int(number):,}".replace(",", ".")
    text = f"{number:,.3f}".rstrip("0")
    return text.replace(",", "X").replace(".", ",").replace("X", ".")


def _percent(value: Any) -> str:
    if value is None:
        return "—"
    return f"{Decimal(str(value)) * 100:.1f} %".replace(".", ",")


def _when(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, str) and len(value) == 10:
        try:
            return date.fromisoformat(value).strftime("%d/%m/%Y")
        except ValueError:
            return value
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(BUSINESS_TIMEZONE).strftime("%d/%m/%Y %H:%M")
    return value.strftime("%d/%m/%Y") if hasattr(value, "strftime") else str(value)


def _scope_label(scope: dict[str, Any]) -> str:
    """An inflation-gap group as a person names it: the supplier's name, else its CUIT
    (``CUIT 30-50001091-2``: a supplier the catalog import made is named by its CUIT)."""
    kind, _, key = str(scope.get("scope", "")).partition(":")
    if kind == "all":
        return "Todos"
    if scope.get("name") and scope["name"] != key:
        return str(scope["name"])
    if kind == "supplier" and len(key) == 11 and key.isdigit():
        return f"CUIT {key[:2]}-{key[2:10]}-{key[10]}"
    return key


templates = Environment(
    loader=FileSystemLoader(HERE / "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)
templates.filters.update(money=_money, number=_number, percent=_percent, when=_when,
                         scope_label=_scope_label)
templates.globals.update(role_labels=ROLE_LABELS, csrf_field=CSRF_FIELD)


def query_base(request: Request, drop: str = "page") -> str:
    """The current URL without ``drop``, ready for ``drop=…`` to be appended."""
    kept = [(k, v) for k, v in request.query_params.multi_items() if k != drop]
    tail = "&".join(f"{quote(k)}={quote(v)}" for k, v in kept)
    return f"{request.url.path}?{tail}&" if tail else f"{request.url.path}?"


templates.globals.update(query_base=query_base)


def nav_for(role: Role) -> list[tuple[str, str]]:
    return [(label, path) for area, label, path in NAV if role in AREAS[area]]


def _headers(response: Response) -> Response:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


async def render(
    request: Request, session: WebSession | None, template: str, status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    flashes = await web_session.take_flashes(request, session) if session else []
    body = templates.get_template(template).render(
        request=request, session=session, flashes=flashes, path=request.url.path,
        nav=nav_for(session.role_enum) if session else [], **context,
    )
    return _headers(HTMLResponse(body, status_code=status_code))  # type: ignore[return-value]


def error_page(request: Request, status: int, message: str) -> HTMLResponse:
    found: WebSession | None = getattr(request.state, "web_session", None)
    titles = {403: "Acceso denegado", 404: "No encontrado", 409: "Conflicto"}
    body = templates.get_template("error.html").render(
        request=request, session=found, flashes=[], path=request.url.path,
        nav=nav_for(found.role_enum) if found else [], status=status,
        title=titles.get(status, "No se pudo completar"), message=message,
    )
    return _headers(HTMLResponse(body, status_code=status))  # type: ignore[return-value]


# --- guards -------------------------------------------------------------------------------


async def viewer(request: Request, area: str) -> WebSession:
    """The signed-in person, who must be allowed into ``area``."""
    found = await web_session.load(request)
    if found is None:
        raise NotSignedIn()
    request.state.web_session = found
    if found.role_enum not in AREAS[area]:
        raise Refused("Tu rol no tiene acceso a esta sección.")
    return found


async def poster(request: Request, area: str) -> tuple[WebSession, FormData]:
    """A form post: signed in, allowed, and carrying this session's CSRF token."""
    found = await web_session.load(request)
    form = await request.form()
    if found is None:
        raise NotSignedIn()
    request.state.web_session = found
    given = form.get(CSRF_FIELD) or request.headers.get(CSRF_HEADER)
    if not web_session.same_token(found.csrf, given if isinstance(given, str) else None):
        log.info("dashboard form refused: CSRF token missing or wrong", path=request.url.path)
        raise Refused("El formulario no es válido o venció. Volvé a la página e intentá de nuevo.")
    if found.role_enum not in AREAS[area]:
        raise Refused("Tu rol no tiene acceso a esta sección.")
    return found, form


def field(form: FormData, name: str, default: str = "") -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else default


async def read(request: Request, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    return await request.app.state.central.database.read(function, *args, **kwargs)


async def write(
    request: Request, who: WebSession, function: Callable[..., T], *args: Any, **kwargs: Any
) -> T:
    """``function(session, recorder, ...)`` in one transaction, as the signed-in person."""
    return await request.app.state.central.database.write(
        uuid.UUID(who.user_id), function, *args, **kwargs)


async def done(request: Request, who: WebSession, message: str, target: str | None = None
               ) -> Response:
    await web_session.flash(request, who, "ok", message)
    return RedirectResponse(target or back_target(request), status_code=303)


def page_number(value: int | None) -> int:
    return max(1, min(value or 1, 100_000))


# --- sign-in, sign-out, assets ------------------------------------------------------------

router = APIRouter(route_class=DashboardRoute, include_in_schema=False)


@router.get("/login")
async def login_page(request: Request, next: str | None = None) -> Response:
    if await web_session.load(request) is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return await _login_form(request, next)


async def _login_form(request: Request, next_page: str | None, error: str | None = None,
                      status_code: int = 200) -> Response:
    token = web_session.new_token()
    response = await render(request, None, "login.html", status_code=status_code,
                            next=safe_next(next_page), csrf=token, error=error)
    web_session.set_cookie(request, response, web_session.LOGIN_CSRF_COOKIE, token, 3600)
    return response


@router.post("/login")
async def login(request: Request) -> Response:
    from central.dashboard.endpoints import TooManyAttempts, authenticate_person

    form = await request.form()
    next_page = safe_next(field(form, "next"))
    given = form.get(CSRF_FIELD)
    if not web_session.same_token(request.cookies.get(web_session.LOGIN_CSRF_COOKIE),
                                  given if isinstance(given, str) else None):
        raise Refused("El formulario no es válido o venció. Volvé a cargar la página.")
    username, password = field(form, "username"), form.get("password")
    if not username or not isinstance(password, str) or not password:
        return await _login_form(request, next_page, "Ingresá usuario y contraseña.", 422)
    try:
        principal = await authenticate_person(request, username[:80], password[:200])
    except TooManyAttempts:
        return await _login_form(request, next_page,
                                 "Demasiados intentos. Esperá unos minutos.", 429)
    except MinimarketError:
        return await _login_form(request, next_page, "Usuario o contraseña incorrectos.", 401)
    if principal.role not in DASHBOARD_ROLES:
        return await _login_form(request, next_page,
                                 "Tu usuario no tiene acceso al panel de administración.", 403)
    response = RedirectResponse(next_page, status_code=303)
    await web_session.create(request, response, principal)
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    found, _form = await poster(request, "overview")
    response = RedirectResponse("/login", status_code=303)
    await web_session.destroy(request, response, found)
    return response


@router.get("/static/{name:path}")
async def asset(name: str) -> Response:
    target = (STATIC / name).resolve()
    if not target.is_relative_to(STATIC.resolve()) or not target.is_file():
        return Response("no encontrado", status_code=404, media_type="text/plain")
    return FileResponse(target, headers={"Cache-Control": "public, max-age=3600",
                                         "X-Content-Type-Options": "nosniff"})


def routers() -> list[APIRouter]:
    from central.dashboard.pages import admin, catalog, documents, overview, pricing, stock

    return [router, overview.router, stock.router, catalog.router, documents.router,
            pricing.router, admin.router]

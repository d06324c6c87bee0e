"""`/openapi.json`: FastAPI's document of the routes, completed from what they declare.

FastAPI generates the paths, parameters and response schemas from the routes
and their models. Request bodies are read after the key check (see
`bot.web.api.caller`), so a route names its body with `request_body(Model)`
in `openapi_extra`; the model's schema is generated here with the others.
From each route's `authorize` dependency come its security (both keys), its
scope (`x-permission`) and the refusals every keyed route can answer (400,
401, 403; 413 with a body). FastAPI's 422 is never answered, so it goes.
"""

from __future__ import annotations

import copy
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from bot.web.api.caller import Authorize
from bot.web.api.models.errors import APIErrorResponse
from bot.web.api.routing import ApiRoute

Json = dict[str, Any]
Responses = dict[int | str, dict[str, Any]]
REF = "#/components/schemas/{model}"
_REQUEST_MODELS: dict[str, type[BaseModel]] = {}

_REFUSALS = {
    "400": "Bad Request: the body or a parameter is invalid (or unknown); `errors` names it",
    "401": "Unauthorized: DD-API-KEY / DD-APPLICATION-KEY missing or unknown",
    "403": "Forbidden: the key pair lacks the scope this endpoint needs",
    "413": "Payload Too Large: the body is over 1 MiB",
}
SECURITY_SCHEMES = {
    "apiKeyAuth": {"type": "apiKey", "in": "header", "name": "DD-API-KEY"},
    "appKeyAuth": {"type": "apiKey", "in": "header", "name": "DD-APPLICATION-KEY"},
}


def request_body(model: type[BaseModel], *, required: bool = True) -> Json:
    """`openapi_extra` declaring `model` as the route's JSON body."""
    _REQUEST_MODELS[model.__name__] = model
    schema = {"$ref": REF.format(model=model.__name__)}
    return {
        "requestBody": {"required": required, "content": {"application/json": {"schema": schema}}}
    }


def refusal(description: str) -> Json:
    """A `responses` entry answered in the API's error shape."""
    return {"model": APIErrorResponse, "description": description}


def install(app: FastAPI) -> None:
    """Serve the completed document at /openapi.json (made once, on first use)."""

    def openapi() -> Json:
        if app.openapi_schema is None:
            app.openapi_schema = document(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def document(app: FastAPI) -> Json:
    generated = get_openapi(
        title=app.title,
        version=app.version,
        openapi_version=app.openapi_version,
        description=app.description,
        routes=app.routes,
        tags=[
            {"name": "Case Management", "description": "Cases, projects and users under /api/v2"},
            {"name": "Error Tracking", "description": "Issues, cases and rules under "
             "/api/v2/error-tracking"},
            {"name": "Downtimes", "description": "Planned silence for monitor groups under "
             "/api/v2/downtime"},
            {"name": "Reports", "description": "casebot's reports on cases: which monitors "
             "are noise"},
        ],
    )  # fmt: skip
    components = generated.setdefault("components", {})
    schemas: Json = components.setdefault("schemas", {})
    _add_schemas(schemas, _request_schemas())
    schemas.setdefault("APIErrorResponse", APIErrorResponse.model_json_schema(ref_template=REF))
    for route in app.routes:
        if isinstance(route, ApiRoute):
            for method in route.methods or ():
                _complete(generated["paths"][route.path_format][method.lower()], route)
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    components["securitySchemes"] = SECURITY_SCHEMES
    return generated


def _request_schemas() -> Json:
    models = [(model, "validation") for model in _REQUEST_MODELS.values()]
    _, definitions = models_json_schema(models, ref_template=REF)  # type: ignore[arg-type]
    found: Json = definitions.get("$defs", {})
    for schema in found.values():
        _without_nul(schema)
    return found


NO_NUL = {"not": {"type": "string", "pattern": "\u0000"}}


def _without_nul(schema: Any) -> None:
    """Strings in requests hold no U+0000 (PostgreSQL cannot store it; it is refused)."""
    if isinstance(schema, list):
        for item in schema:
            _without_nul(item)
        return
    if not isinstance(schema, dict):
        return
    for member in schema.values():
        _without_nul(member)
    kind = schema.get("type")
    if kind == "string" or (isinstance(kind, list) and "string" in kind):
        schema["allOf"] = [*schema.get("allOf", []), NO_NUL]
    names = schema.get("propertyNames")
    if isinstance(names, dict):
        names["allOf"] = [*names.get("allOf", []), NO_NUL]


def _add_schemas(schemas: Json, more: Json) -> None:
    """Add `more`; a model in both a request and an answer keeps its request schema (the
    same but for refusing U+0000)."""
    for name, schema in more.items():
        if name in schemas:
            known = copy.deepcopy(schemas[name])
            _without_nul(known)
            if known != schema:
                raise ValueError(f"two different schemas are named {name}")
        schemas[name] = schema


def _scope(route: ApiRoute) -> str | None:
    for dependency in route.dependant.dependencies:
        if isinstance(dependency.call, Authorize):
            return dependency.call.scope.value
    return None


def _complete(operation: Json, route: ApiRoute) -> None:
    responses: Json = operation["responses"]
    responses.pop("422", None)
    scope = _scope(route)
    if scope is None:
        return
    operation["security"] = [{"apiKeyAuth": [], "appKeyAuth": []}]
    operation["x-permission"] = scope
    needs = f"Needs the `{scope}` scope."
    operation["description"] = (
        f"{operation['description']}\n\n{needs}" if operation.get("description") else needs
    )
    refusals = ["400", "401", "403", *(["413"] if "requestBody" in operation else [])]
    for status in refusals:
        responses.setdefault(
            status,
            {
                "description": _REFUSALS[status],
                "content": {
                    "application/json": {"schema": {"$ref": REF.format(model="APIErrorResponse")}}
                },
            },
        )
    operation["responses"] = dict(sorted(responses.items()))

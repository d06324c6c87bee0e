"""`/docs`: Swagger UI over `/openapi.json`, with its assets served by casebot itself.

The page loads nothing from another host, so it works on an install without
internet access. The assets come from the `swagger-ui-bundle-v2` package (Swagger
UI 5, which reads the OpenAPI 3.1 document FastAPI generates), served under
`/docs/assets/`.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from swagger_ui_bundle import swagger_ui_path

PATH = "/docs"
ASSETS = f"{PATH}/assets"


async def _page(request: Request) -> HTMLResponse:
    root = request.scope.get("root_path", "")
    return get_swagger_ui_html(
        openapi_url=f"{root}/openapi.json",
        title="casebot API",
        swagger_js_url=f"{root}{ASSETS}/swagger-ui-bundle.js",
        swagger_css_url=f"{root}{ASSETS}/swagger-ui.css",
        swagger_favicon_url=f"{root}{ASSETS}/favicon-32x32.png",
        # No badge from Swagger's online validator: the page asks no other host.
        swagger_ui_parameters={"validatorUrl": None},
    )


def install(app: FastAPI) -> None:
    """Serve the page at /docs and its assets under /docs/assets."""
    app.router.routes.append(Route(PATH, _page, methods=["GET"], include_in_schema=False))
    app.router.routes.append(Mount(ASSETS, app=StaticFiles(directory=swagger_ui_path)))

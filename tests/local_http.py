"""httpx for talking to the servers tests start on 127.0.0.1, with one TLS context per
process.

A new httpx client makes a TLS context, and making one loads the CA bundle: about
16 ms of CPU, even for a plain-HTTP request. `httpx.get(...)` makes a client per call,
so a loop waiting for a server to answer spent most of its time there. These take the
same arguments as httpx's own and share one verifying context instead.
"""

from __future__ import annotations

from typing import Any

import httpx

from bot.notify.http import tls_context


def Client(**kwargs: Any) -> httpx.Client:
    return httpx.Client(verify=tls_context(), **kwargs)


def AsyncClient(**kwargs: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(verify=tls_context(), **kwargs)


def request(method: str, url: str, **kwargs: Any) -> httpx.Response:
    return httpx.request(method, url, verify=tls_context(), **kwargs)


def get(url: str, **kwargs: Any) -> httpx.Response:
    return request("GET", url, **kwargs)


def post(url: str, **kwargs: Any) -> httpx.Response:
    return request("POST", url, **kwargs)


def put(url: str, **kwargs: Any) -> httpx.Response:
    return request("PUT", url, **kwargs)


def patch(url: str, **kwargs: Any) -> httpx.Response:
    return request("PATCH", url, **kwargs)


def delete(url: str, **kwargs: Any) -> httpx.Response:
    return request("DELETE", url, **kwargs)

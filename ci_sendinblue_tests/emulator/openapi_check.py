"""Check emulator exchanges against Brevo's OpenAPI description (the checked-in subset) with openapi-core."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

import httpx
import yaml
from openapi_core import OpenAPI
from openapi_core.datatypes import RequestParameters
from werkzeug.datastructures import Headers, ImmutableMultiDict

SUBSET = Path(__file__).parent.parent / "data" / "brevo-openapi-v3-subset.yml"


@cache
def brevo_document() -> dict[str, Any]:
    """The subset spec as a plain document."""
    return yaml.safe_load(SUBSET.read_text("utf-8"))


@cache
def brevo_spec() -> OpenAPI:
    """The subset spec (servers: https://api.brevo.com/v3, so tests use that base URL)."""
    return OpenAPI.from_dict(brevo_document())


def _declared_response(method: str, path: str, status: int) -> dict[str, Any] | None:
    """The spec's response for ``status`` (None if undeclared); fixed paths win over templated ones."""
    paths = brevo_document()["paths"]
    for template in sorted(paths, key=lambda t: "{" in t):
        pattern = "^/v3" + re.sub(r"\{\w+\}", "[^/]+", template) + "$"
        if re.match(pattern, path) and method in paths[template]:
            return paths[template][method]["responses"].get(str(status))
    raise AssertionError(f"{method} {path} is not in the spec")


class HttpxOpenAPIRequest:
    """An httpx request seen through openapi-core's ``Request`` protocol."""

    def __init__(self, request: httpx.Request) -> None:
        self._request = request
        self.parameters = RequestParameters(
            query=ImmutableMultiDict(list(request.url.params.multi_items())),
            header=Headers(dict(request.headers)),
            cookie=ImmutableMultiDict(),
        )

    @property
    def host_url(self) -> str:
        return f"{self._request.url.scheme}://{self._request.url.netloc.decode()}"

    @property
    def path(self) -> str:
        return self._request.url.path

    @property
    def method(self) -> str:
        return self._request.method.lower()

    @property
    def body(self) -> bytes | None:
        return self._request.content or None

    @property
    def content_type(self) -> str:
        return self._request.headers.get("content-type", "")


class HttpxOpenAPIResponse:
    """An httpx response seen through openapi-core's ``Response`` protocol."""

    def __init__(self, response: httpx.Response) -> None:
        self.status_code = response.status_code
        self.headers = Headers(dict(response.headers))
        self.content_type = response.headers.get("content-type", "")
        self.data = response.content


def assert_conforms(response: httpx.Response, check_request: bool = True) -> None:
    """Raise if the request or the response does not match Brevo's description of the operation.

    ``check_request=False`` is for operations whose request schema the spec gets wrong (see the tests).
    """
    request = HttpxOpenAPIRequest(response.request)
    if check_request:
        brevo_spec().validate_request(request)
    declared = _declared_response(request.method, request.path, response.status_code)
    if declared is not None and "content" in declared and not declared["content"]:
        # openapi-core reads ``content: {}`` (Brevo's way to say "no body", as for a 204, or the 201 of
        # createDoiContact) as "a body is required".
        assert not response.content
        return
    brevo_spec().validate_response(request, HttpxOpenAPIResponse(response))

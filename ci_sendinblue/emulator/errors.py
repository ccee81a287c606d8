"""Brevo-style error values, shared by the state model (which decides) and the HTTP layer (which answers).

Brevo answers every error with ``{"code": ..., "message": ...}``; raising ``ApiError`` anywhere below the
HTTP layer keeps that shape in one place.
"""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """A refusal with Brevo's HTTP status, error ``code`` and human ``message``."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message

    def body(self) -> dict[str, Any]:
        """The JSON body Brevo would send for this error."""
        return {"code": self.code, "message": self.message}


def invalid(message: str) -> ApiError:
    """400 ``invalid_parameter``: the most common Brevo refusal."""
    return ApiError(400, "invalid_parameter", message)


def missing(message: str) -> ApiError:
    """400 ``missing_parameter``: a required field is absent."""
    return ApiError(400, "missing_parameter", message)


def not_found(message: str) -> ApiError:
    """404 ``document_not_found``: unknown list, process or contact."""
    return ApiError(404, "document_not_found", message)

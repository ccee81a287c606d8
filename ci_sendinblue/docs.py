"""Docstrings the Dagster UI shows: resources' and IO managers' class docstrings become their descriptions."""

from __future__ import annotations

import inspect
from typing import TypeVar

T = TypeVar("T", bound=type)


def shown_in_ui(cls: T) -> T:
    """The UI renders a description as Markdown, where Python 3.11's indented docstring lines would read as a
    code block: keep the docstring, without the indentation."""
    cls.__doc__ = inspect.cleandoc(cls.__doc__ or "")
    return cls

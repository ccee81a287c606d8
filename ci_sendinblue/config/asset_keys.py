"""Naming a user's Dagster asset in the settings, however the user has it at hand.

YAML names an asset as a list of names (``[analytics, dim_customers]``) or as the slash-separated string the
Dagster UI shows (``analytics/dim_customers``); Python code also passes the ``dg.AssetKey``, or the asset's
definition or spec itself. Every form is read here, once, into the key's path, so the rest of the code knows
one shape.
"""

from __future__ import annotations

from typing import Any

import dagster as dg

FORMS = (
    "a list of names ([analytics, dim_customers]), a slash-separated string (analytics/dim_customers), "
    "a dg.AssetKey, or the asset's definition or spec"
)


def asset_key_path(value: Any) -> tuple[str, ...]:
    """The path of the asset key ``value`` names; a ``ValueError`` in words when it names none (or several)."""
    if isinstance(value, dg.AssetsDefinition):
        keys = sorted(key.to_user_string() for key in value.keys)
        if len(keys) != 1:
            raise ValueError(
                f"the definition holds {len(keys)} assets ({', '.join(keys)}): name the one to read, e.g. "
                "its dg.AssetKey"
            )
        return tuple(value.key.path)
    if isinstance(value, dg.AssetKey):
        return tuple(value.path)
    key = getattr(value, "key", None)
    if isinstance(value, dg.AssetSpec | dg.SourceAsset) and isinstance(key, dg.AssetKey):
        return tuple(key.path)
    if isinstance(value, str):
        return _checked(value.split("/"), value)
    if isinstance(value, list | tuple):
        if not all(isinstance(part, str) for part in value):
            raise ValueError(f"every part of an asset key is text (got {value!r}); an asset key is {FORMS}")
        return _checked(list(value), value)
    raise ValueError(f"an asset key is {FORMS}; got {type(value).__name__}")


def _checked(parts: list[str], written: Any) -> tuple[str, ...]:
    if not parts or any(not part.strip() or part != part.strip() for part in parts):
        raise ValueError(f"{written!r} is not an asset key: no part may be empty or start or end with a space")
    return tuple(parts)

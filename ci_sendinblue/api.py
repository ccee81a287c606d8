"""The Python API: the ``BrevoExports`` component's definitions built from a call instead of a ``defs.yaml``.

For a project that assembles its definitions in Python, e.g. in ``defs/brevo.py``::

    import dagster as dg
    from ci_sendinblue import brevo_list_asset

    from my_project.defs.customers import dim_customers


    @dg.definitions
    def defs() -> dg.Definitions:
        return brevo_list_asset(
            "newsletter",
            source=dim_customers,  # an asset of yours, loaded through its own IO manager
            list_id=12,
            api_key_env="BREVO_API_KEY",
            key="customer_id",
            mapping={"email": "email", "FIRSTNAME": "first_name"},
            where={"field": "marketing_consent", "op": "eq", "value": True},
        )
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import dagster as dg

from ci_sendinblue.assembly import build_definitions
from ci_sendinblue.config.loading import settings_from_mapping

AssetReference = dg.AssetKey | dg.AssetsDefinition | dg.AssetSpec | Sequence[str] | str
"""An upstream asset: its key (``AssetKey``, ``["analytics", "dim_customers"]``, ``"analytics/dim_customers"``)
or the asset itself."""


def build_brevo_exports(
    *,
    segments: Mapping[str, Mapping[str, Any]],
    connections: Mapping[str, Mapping[str, Any]],
    exports: Mapping[str, Mapping[str, Any]],
    profiles: Mapping[str, Any] | None = None,
    key_prefix: Sequence[str] | str | None = None,
    state: Mapping[str, Any] | None = None,
    alerts: Mapping[str, Any] | None = None,
    mask_personal_data: bool | None = None,
    base_dir: Path | None = None,
) -> dg.Definitions:
    """Everything a ``BrevoExports`` component with these attributes defines: segments, list assets, their
    checks, resources, jobs, schedules and sensors.

    The sections take what the YAML attributes take; a segment's ``profiles: {"asset": ...}`` may also be an
    asset or its key. A relative profiles path is relative to ``base_dir`` (default: the working directory).
    Problems raise ``ConfigError`` naming each setting's key path.
    """
    given = {
        "key_prefix": key_prefix,
        "profiles": profiles,
        "segments": segments,
        "connections": connections,
        "exports": exports,
        "state": state,
        "alerts": alerts,
        "mask_personal_data": mask_personal_data,
    }
    raw = {section: _plain(value) for section, value in given.items() if value is not None}
    settings = settings_from_mapping(raw, source=Path("<build_brevo_exports>"), base_dir=base_dir or Path.cwd())
    return build_definitions(settings)


def brevo_list_asset(
    name: str,
    *,
    source: AssetReference,
    list_id: int | None = None,
    list_by_name: Mapping[str, Any] | None = None,
    api_key_env: str = "BREVO_API_KEY",
    key: str,
    email: str = "email",
    mapping: Mapping[str, Any] | None = None,
    where: Mapping[str, Any] | None = None,
    connection: Mapping[str, Any] | None = None,
    key_prefix: Sequence[str] | str | None = None,
    **export: Any,
) -> dg.Definitions:
    """One Brevo list kept in step with the rows of one of your assets: segment ``segments/<name>`` (the rows
    ``where`` selects, default every row with an email) exported to list asset ``sendinblue/<name>``.

    ``key`` and ``email`` name the asset's profile-key and email columns; ``mapping`` maps Brevo attributes
    to columns (default: the email only); ``connection`` adds connection settings (``api_url``,
    ``accept_data_privacy_terms``, ``owners``…); any other keyword is an export setting (``schedule``,
    ``mode``, ``owners``…).
    """
    return build_brevo_exports(
        key_prefix=key_prefix,
        profiles={"key": key, "email": email},
        segments={
            name: {"profiles": {"asset": source}, "where": where or {"field": email, "op": "not_null"}},
        },
        connections={name: {"api_key_env": api_key_env, **(connection or {})}},
        exports={
            name: {
                "connection": name,
                **({"list_id": list_id} if list_id is not None else {}),
                **({"list": list_by_name} if list_by_name is not None else {}),
                "segments": [name],
                "mapping": dict(mapping or {"email": email}),
                **export,
            }
        },
    )


def _plain(value: Any) -> Any:
    """Mappings as dicts and sequences as lists, so the models read a Python call as they read YAML."""
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value

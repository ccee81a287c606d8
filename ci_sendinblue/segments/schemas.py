"""The contract a segment's members meet before any export may send them."""

from __future__ import annotations

import inspect

import dagster as dg
import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from ci_sendinblue.segments.emails import EMAIL_PATTERN, MAX_LENGTH
from ci_sendinblue.text import duplicated_values

_TEXT = {"storage": "pyarrow"}
"""Text as the segments hold it (``ci_sendinblue.text.TEXT``): pandera then checks the column's type once,
where ``Series[str]`` calls ``isinstance`` on every value (0.7 s per million rows and column)."""

_CONSTRAINTS_IN_WORDS = {
    "str_matches": "a valid address by the project's email rule: one @, a dotted domain with a real top-level "
    "domain, no spaces, ASCII only",
    "str_length": f"at most {MAX_LENGTH} characters",
    "unique": "unique: no two members share it",
}
"""What each of the model's checks means, shown in the Dagster UI instead of pandera's regular expressions."""


class SegmentMembers(pa.DataFrameModel):
    """Profiles that belong to a segment and can be sent to Brevo: each has a key and a valid email.

    Every other profile column passes through unchecked.
    """

    customer_key: Series[pd.StringDtype] = pa.Field(
        nullable=False,
        dtype_kwargs=_TEXT,
        description="The profile's identifier (the `profiles.key` column): present and unique, so a member can be "
        "traced back to one profile.",
    )

    email: Series[pd.StringDtype] = pa.Field(
        nullable=False,
        str_matches=EMAIL_PATTERN,
        str_length={"max_value": MAX_LENGTH},
        dtype_kwargs=_TEXT,
        description="The address the exports send (the segment's `email` column): trimmed, lower-case, and valid "
        "by the project's email rule; profiles without one are left out and counted by reason.",
    )

    @pa.check("customer_key", name="unique")
    @classmethod
    def unique_key(cls, keys: Series[str]) -> Series[bool]:
        """Pandera's own ``unique=True`` runs pandas' ``duplicated``, 0.4 s per million Arrow strings; an Arrow
        dictionary encoding finds the same rows in 0.25 s. Every occurrence of a repeated key fails."""
        return pd.Series(~duplicated_values(keys), index=keys.index)

    class Config:
        strict = False
        coerce = False


def segment_members_schema(key_column: str, email_column: str) -> pa.DataFrameSchema:
    """The model with its columns renamed to the profile columns the configuration names, each check described
    in words (the UI shows a check's description as the column's constraint)."""
    if email_column == key_column:
        raise ValueError(f"the email column '{email_column}' cannot also be the profile key")
    schema = SegmentMembers.to_schema()
    schema.description = inspect.cleandoc(SegmentMembers.__doc__ or "")  # Markdown, not an indented code block
    for column in schema.columns.values():
        for check in column.checks:
            check.description = _CONSTRAINTS_IN_WORDS.get(check.name, check.description)
    return schema.rename_columns({"customer_key": key_column, "email": email_column})


def contract_columns(schema: pa.DataFrameSchema) -> dict[str, dg.TableColumn]:
    """The columns the contract checks, as the asset's column schema shows them: described, with their
    constraints in words."""
    return {
        name: dg.TableColumn(
            name,
            "string",
            description=column.description,
            constraints=dg.TableColumnConstraints(
                nullable=column.nullable,
                unique=column.unique or any(check.name == "unique" for check in column.checks),
                other=[check.description for check in column.checks if check.name != "unique"],
            ),
        )
        for name, column in schema.columns.items()
    }

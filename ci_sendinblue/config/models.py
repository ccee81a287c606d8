"""The typed shape of the one YAML file that holds every user setting.

Every model forbids unknown keys so that a typo (``segmnets:``, ``lsit_id:``) fails at definition load with
the key path, instead of silently falling back to a default.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Annotated, Any, Literal, Self
from urllib.parse import urlsplit

import dagster as dg
from pydantic import (
    AfterValidator,
    AnyHttpUrl,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from ci_sendinblue.alerts.slack import SLACK_EXTRA_INSTALL, slack_sdk_installed
from ci_sendinblue.config.asset_keys import asset_key_path
from ci_sendinblue.config.owners import dagster_owner
from ci_sendinblue.extras import POSTGRES
from ci_sendinblue.naming import PREFIX_PART, PREFIX_PART_RULE, Names
from ci_sendinblue.profiles.locations import RemoteLocation, as_location, format_of, is_glob, is_remote, names_parts
from ci_sendinblue.sendinblue.mapping import EMAIL_KEY
from ci_sendinblue.sendinblue.policies import (
    DEFAULT_POLL,
    DEFAULT_RATE_LIMITS,
    DEFAULT_REQUEST_TIMEOUT,
    DEFAULT_RETRY,
)

ASSET_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
"""Segment and export names become Dagster asset names, which allow only letters, digits and underscores."""

Scalar = str | int | float | bool | dt.date | dt.datetime

Owner = Annotated[str, AfterValidator(dagster_owner)]
"""A Dagster owner string (e-mail or ``team:<name>``), checked at load so a bad one names its key path."""


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


# --- segment rules -------------------------------------------------------------------------------------------

Operator = Literal[
    "eq",
    "ne",
    "gt",
    "ge",
    "lt",
    "le",
    "in",
    "not_in",
    "contains",
    "startswith",
    "endswith",
    "is_null",
    "not_null",
    "between",
]
NO_VALUE_OPERATORS = frozenset({"is_null", "not_null"})
LIST_OPERATORS = frozenset({"in", "not_in"})
TEXT_OPERATORS = frozenset({"contains", "startswith", "endswith"})


class FieldCondition(StrictModel):
    """One comparison of a profile column with a value; the leaf of a segment rule."""

    field: str = Field(min_length=1)
    op: Operator
    value: Scalar | list[Scalar] | None = None
    ignore_case: bool = False

    @model_validator(mode="after")
    def _value_fits_operator(self) -> FieldCondition:
        if self.op in NO_VALUE_OPERATORS:
            if self.value is not None:
                raise ValueError(f"operator '{self.op}' takes no value")
        elif self.op in LIST_OPERATORS:
            if not isinstance(self.value, list) or not self.value:
                raise ValueError(f"operator '{self.op}' needs a non-empty list as value")
        elif self.op == "between":
            if not isinstance(self.value, list) or len(self.value) != 2:
                raise ValueError("operator 'between' needs a list of two values [low, high]")
        elif self.value is None or isinstance(self.value, list):
            raise ValueError(f"operator '{self.op}' needs a single value")
        elif self.op in TEXT_OPERATORS and not isinstance(self.value, str):
            raise ValueError(f"operator '{self.op}' needs a text value")
        if self.ignore_case and self.op in ("gt", "ge", "lt", "le", "between"):
            raise ValueError(f"ignore_case does not apply to operator '{self.op}'")
        return self


class AllOf(StrictModel):
    all: list[Condition] = Field(min_length=1)


class AnyOf(StrictModel):
    any: list[Condition] = Field(min_length=1)


class NotOf(StrictModel):
    not_: Condition = Field(alias="not")


def _condition_kind(value: Any) -> str:
    if isinstance(value, dict):
        for key in ("all", "any", "not"):
            if key in value:
                return f"{{{key}}}"
        return "{field}"
    if isinstance(value, BaseModel):
        return {AllOf: "{all}", AnyOf: "{any}", NotOf: "{not}"}.get(type(value), "{field}")
    return "{field}"


Condition = Annotated[
    Annotated[AllOf, Tag("{all}")]
    | Annotated[AnyOf, Tag("{any}")]
    | Annotated[NotOf, Tag("{not}")]
    | Annotated[FieldCondition, Tag("{field}")],
    Discriminator(_condition_kind),
]
"""A segment rule: nested ``all`` / ``any`` / ``not`` around field conditions.

The discriminator picks the variant from the keys present, so an error in a leaf is reported against that
leaf (``where.all[1].op``) instead of against every variant of the union.
"""

AllOf.model_rebuild()
AnyOf.model_rebuild()
NotOf.model_rebuild()


# --- the four sections ---------------------------------------------------------------------------------------


class ReadingOptions(StrictModel):
    """How typed attributes' text is read (``date_format``, ``decimal_separator``, ``thousands_separator``):
    the checks the profiles' defaults and a mapping entry's own options share; each declares the fields."""

    @field_validator("date_format", check_fields=False)
    @classmethod
    def _whole_date(cls, date_format: str | None) -> str | None:
        return _valid_date_format(date_format)

    @model_validator(mode="after")
    def _separators_differ(self) -> Self:
        _check_separators(getattr(self, "decimal_separator", None), getattr(self, "thousands_separator", None))
        return self


ProfilesKind = Literal["file", "dataset", "cdm", "sql", "spark"]
ENV_NAME = r"^[A-Za-z_][A-Za-z0-9_]*$"

ProfilesLocation = Annotated[Path | RemoteLocation, BeforeValidator(as_location)]
"""A path on this machine (relative to the configuration file) or a URL another system serves (s3://...)."""


class CdmSource(StrictModel):
    """A Common Data Model folder, as Customer Insights writes its output to a data lake: ``model.json`` or
    ``*.manifest.cdm.json`` describing entities, their attributes' types and their CSV (or Parquet) parts."""

    folder: ProfilesLocation = Field(description="The folder holding model.json or a *.manifest.cdm.json.")
    entity: str = Field(default="Customer", min_length=1, description="The entity holding the profiles.")


class SqlSource(StrictModel):
    """Profiles in a database table or query, evaluated where they are: a DuckDB file, or any database ibis
    connects to (PostgreSQL, Snowflake, BigQuery, ...)."""

    database: ProfilesLocation | None = Field(
        default=None, description="A DuckDB database file (opened read-only), relative to the configuration file."
    )
    url: str | None = Field(
        default=None,
        min_length=1,
        description="A database URL without a password (postgresql://app@db.internal/crm, snowflake://...).",
    )
    url_env: str | None = Field(
        default=None, pattern=ENV_NAME, description="Environment variable holding the URL, for one with a password."
    )
    table: str | None = Field(
        default=None, min_length=1, description="The profiles' table or view, schema-qualified if needed."
    )
    query: str | None = Field(default=None, min_length=1, description="A SELECT giving the profiles, instead.")
    change_query: str | None = Field(
        default=None,
        min_length=1,
        description="What the change sensor asks each tick; a changed answer refreshes the exports. Default: "
        "the row count of the table or query.",
    )

    @model_validator(mode="after")
    def _one_database_and_one_relation(self) -> SqlSource:
        problems: list[InitErrorDetails] = []
        given = [name for name in ("database", "url", "url_env") if getattr(self, name) is not None]
        if len(given) != 1:
            listed = f" (given: {', '.join(given)})" if given else ""
            problems.append(_problem((), f"name the database once: database (a DuckDB file), url or url_env{listed}"))
        if (self.table is None) == (self.query is None):
            problems.append(_problem((), "give the profiles' table or query (exactly one)"))
        if self.url is not None and _url_password(self.url):
            # The problem carries no input: the password must not reach a message or a log.
            problems.append(
                _problem(
                    ("url",),
                    "the URL holds a password: put the whole URL in an environment variable and name that "
                    "variable in url_env",
                )
            )
        for name in ("query", "change_query"):
            text = getattr(self, name)
            if text is not None and not _reads_only(text):
                problems.append(_problem((name,), "must be a SELECT query (or WITH ... SELECT)"))
        if problems:
            raise ValidationError.from_exception_data("SqlSource", problems)
        return self

    @property
    def relation(self) -> str:
        """The table, or "query", as messages name what is read."""
        return self.table or "query"


class SparkSource(StrictModel):
    """Profiles read by Spark: a table of its catalog or a Parquet path, in local mode or on a cluster."""

    master: str = Field(default="local[*]", min_length=1, description="local[2], spark://host:7077, yarn, k8s://...")
    table: str | None = Field(default=None, min_length=1, description="A table of Spark's catalog (db.table).")
    path: ProfilesLocation | None = Field(
        default=None, description="Parquet files Spark reads (s3a://lake/profiles/ or a local folder)."
    )
    conf: dict[str, str | int | float | bool] = Field(
        default_factory=dict, description="Spark settings for the session, e.g. {spark.executor.memory: 4g}."
    )

    @model_validator(mode="after")
    def _one_relation(self) -> SparkSource:
        if (self.table is None) == (self.path is None):
            raise ValueError("give the profiles' table or path (exactly one)")
        return self


class ProfilesSettings(ReadingOptions):
    """Where the unified customer profiles come from: a file or a dataset of parts (``path``), a CDM folder
    (``cdm``), a database (``sql``) or Spark (``spark``), at most one; and the defaults of the segments that
    read a Dagster asset instead (key, email, reading options). Without a source there is no profiles asset,
    and every segment names its asset."""

    path: ProfilesLocation | None = Field(
        default=None,
        description="A .csv or .parquet file, a folder of parts (hive partitions included) or a glob "
        "(data/*.parquet); none: see cdm, sql, spark, or every segment names an asset.",
    )
    format: Literal["csv", "parquet"] | None = Field(
        default=None, description="The files' format; inferred from their suffixes when unset."
    )
    engine: Literal["auto", "pandas", "ibis"] = Field(
        default="auto",
        description="How segments are evaluated: pandas in memory (a single file only), ibis where the data "
        "is, or auto.",
    )
    cdm: CdmSource | None = Field(default=None, description="A Common Data Model folder (Customer Insights).")
    sql: SqlSource | None = Field(default=None, description="A database table or query.")
    spark: SparkSource | None = Field(default=None, description="A Spark table or Parquet path.")
    key: str | None = Field(
        default=None, min_length=1, description="Column that identifies a profile; must be present and unique."
    )
    email: str = Field(
        default="Email",
        min_length=1,
        description="Email column of every segment that does not name its own.",
    )
    max_invalid_key_share: float = Field(default=0.05, ge=0, le=1)
    watch: bool = Field(
        default=True,
        description="Start a refresh of every export when the profiles change, and of the exports of segments "
        "reading an asset when that asset is materialized.",
    )
    decimal_separator: DecimalSeparator = Field(
        default=".", description="How numbers in the profiles' text write decimals, for float attributes."
    )
    thousands_separator: ThousandsSeparator | None = Field(
        default=None, description="A thousands separator float attributes' text may use; none: '1,299' is no number."
    )
    date_format: str | None = Field(
        default=None, description="A strptime format (e.g. %d/%m/%Y) for date attributes' text; ISO is always read."
    )

    def value_defaults(self) -> dict[str, str]:
        """How every export reads typed attributes' text unless its mapping entry says otherwise."""
        given = {
            "decimal_separator": self.decimal_separator,
            "thousands_separator": self.thousands_separator,
            "date_format": self.date_format,
        }
        return {name: value for name, value in given.items() if value is not None}

    @property
    def kind(self) -> ProfilesKind | None:
        """Where the profiles are read from; None when every segment reads a Dagster asset instead.

        A ``path`` is a "dataset" when it is a glob, a folder (on this machine, or a URL ending in ``/``) or a
        name without a .csv/.parquet suffix, else a "file"."""
        if self.cdm is not None:
            return "cdm"
        if self.sql is not None:
            return "sql"
        if self.spark is not None:
            return "spark"
        if self.path is None:
            return None
        return "dataset" if names_parts(self.path) else "file"

    @model_validator(mode="after")
    def _one_source(self) -> Self:
        given = [name for name in ("path", "cdm", "sql", "spark") if getattr(self, name) is not None]
        if len(given) > 1:
            raise ValueError(
                f"the profiles come from one source: give one of path, cdm, sql or spark (given: {', '.join(given)})"
            )
        if self.format is not None and self.path is None:
            raise ValueError("format is the format of profiles.path's files; the other sources know their own")
        path = self.path
        if path is None or self.format is not None or not path.suffix or format_of(path):
            return self
        if is_glob(path):
            problem = f"the glob matches '{path.suffix}' files: set profiles.format (csv or parquet)"
        else:
            problem = (
                f"profiles file must end in .csv or .parquet, not '{path.suffix}' (a folder of parts or another "
                "suffix: set profiles.format to csv or parquet)"
            )
        raise ValidationError.from_exception_data("ProfilesSettings", [_problem(("path",), problem)])

    @model_validator(mode="after")
    def _pandas_reads_a_file(self) -> Self:
        kind = self.kind
        if self.engine == "pandas" and kind not in ("file", None):
            where = "a dataset of parts" if kind == "dataset" else f"profiles.{kind}"
            raise ValidationError.from_exception_data(
                "ProfilesSettings",
                [
                    _problem(
                        ("engine",),
                        f"the pandas engine reads a single file into memory, not {where}: use engine auto or ibis",
                    )
                ],
            )
        if self.engine == "pandas" and self.path is not None and is_remote(self.path):
            raise ValidationError.from_exception_data(
                "ProfilesSettings",
                [_problem(("engine",), "the pandas engine reads files on this machine: use engine auto or ibis")],
            )
        return self

    @model_validator(mode="after")
    def _a_source_has_a_key(self) -> Self:
        if self.kind is not None and self.key is None:
            raise ValidationError.from_exception_data(
                "ProfilesSettings", [InitErrorDetails(type="missing", loc=("key",), input={})]
            )
        return self


def _url_password(url: str) -> bool:
    """Whether a database URL (SQLAlchemy-style ``postgresql+psycopg://`` or ibis-style) holds a password."""
    try:
        return bool(urlsplit(url).password)
    except ValueError:
        return False


def _reads_only(query: str) -> bool:
    """A query starting (after comments) with SELECT, WITH, VALUES, FROM or a parenthesis: ibis wraps it as a
    subquery, so anything else could not run anyway; saying so at load is clearer than a database error."""
    text = re.sub(r"(--[^\n]*\n?|/\*.*?\*/|\s)+", " ", query, flags=re.DOTALL).strip().lower()
    return bool(re.match(r"^(\(|select\b|with\b|values\b|from\b)", text))


DecimalSeparator = Literal[".", ","]
ThousandsSeparator = Literal[",", ".", " ", "'", "_"]


def _valid_date_format(date_format: str | None) -> str | None:
    """A strptime format that writes a date and reads it back (it must hold %Y, %m or %b, and %d)."""
    if date_format is None:
        return None
    probe = dt.date(1989, 2, 11)
    try:
        written = probe.strftime(date_format)
        read = dt.datetime.strptime(written, date_format).date()
    except ValueError as error:
        raise ValueError(f"'{date_format}' is not a strptime date format ({error})") from None
    if read != probe:
        raise ValueError(f"'{date_format}' does not name a whole date (day, month and 4-digit year: e.g. %d/%m/%Y)")
    return date_format


def _check_separators(decimal: str | None, thousands: str | None) -> None:
    if decimal is not None and decimal == thousands:
        raise ValueError(f"the decimal and thousands separators are both '{decimal}'")


class MappedColumn(ReadingOptions):
    """A mapping entry with reading options: ``{column: BirthDate, date_format: "%d/%m/%Y"}``. Each option fits
    one Brevo type, checked against the account at the start of a run."""

    column: str = Field(min_length=1)
    date_format: str | None = Field(default=None, description="date attributes: a strptime format of the text")
    separator: str | None = Field(
        default=None, min_length=1, description="multiple-choice attributes: what separates the options (default ,)"
    )
    decimal_separator: DecimalSeparator | None = Field(default=None, description="float attributes")
    thousands_separator: ThousandsSeparator | None = Field(default=None, description="float attributes")

    def options(self) -> dict[str, str]:
        return self.model_dump(exclude={"column"}, exclude_none=True)


class AssetProfiles(StrictModel):
    """A segment's profiles from a Dagster asset of the user's (a dbt model, a warehouse table, a Python
    asset) instead of the profiles file, loaded by that asset's own IO manager."""

    asset: Annotated[tuple[str, ...], BeforeValidator(asset_key_path)] = Field(
        description="The asset's key: [analytics, dim_customers], analytics/dim_customers, or in Python a "
        "dg.AssetKey or the asset's definition or spec."
    )
    key: str | None = Field(
        default=None,
        min_length=1,
        description="Column that identifies a profile in this asset; default profiles.key. Exports key contacts "
        "by email, so segments of one export may read assets keyed differently.",
    )

    @property
    def asset_key(self) -> dg.AssetKey:
        return dg.AssetKey(list(self.asset))


def _asset_profiles(value: Any) -> Any:
    """``profiles: {asset: ...}`` as written, or in Python the asset itself (its key, definition or spec)."""
    if value is None or isinstance(value, dict | AssetProfiles):
        return value
    return {"asset": value}


class SegmentSettings(StrictModel):
    description: str = ""
    profiles: Annotated[AssetProfiles | None, BeforeValidator(_asset_profiles)] = Field(
        default=None,
        description="Where the segment's profiles come from: {asset: <key>}, a Dagster asset of yours; unset: "
        "the profiles file (profiles.path).",
    )
    where: Condition
    email: str | None = Field(
        default=None,
        min_length=1,
        description="Column whose address the segment validates and its exports send; default profiles.email.",
    )
    max_rejected_share: float = Field(
        default=0.05,
        ge=0,
        le=1,
        description="Share of members with an unusable email above which the segment's check blocks exports.",
    )
    exclude_optouts: list[str] = Field(
        default_factory=list,
        description="Connections whose Brevo opt-outs leave the segment: members whose email that account "
        "blocklists for e-mail are dropped (the segment then depends on those connections' opt-outs assets).",
    )


BREVO_LIST_PAGE = "https://app.brevo.com/contact/list/id/{list_id}"


class ConnectionSettings(StrictModel):
    display_name: str = ""
    api_key_env: str = Field(default="SENDINBLUE_API_KEY", pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    api_url: AnyHttpUrl = AnyHttpUrl("https://api.brevo.com/v3")
    accept_data_privacy_terms: bool = False
    request_timeout: float = Field(default=DEFAULT_REQUEST_TIMEOUT, gt=0)
    max_attempts: int = Field(default=DEFAULT_RETRY.attempts, ge=1, le=20)
    retry_timeout: float = Field(default=DEFAULT_RETRY.timeout, gt=0)
    retry_wait_initial: float = Field(default=DEFAULT_RETRY.wait_initial, gt=0)
    retry_wait_max: float = Field(default=DEFAULT_RETRY.wait_max, gt=0)
    contacts_requests_per_second: float = Field(default=DEFAULT_RATE_LIMITS.contacts_per_second, gt=0)
    other_requests_per_hour: int = Field(default=DEFAULT_RATE_LIMITS.others_per_hour, ge=1)
    process_poll_initial: float = Field(default=DEFAULT_POLL.initial, gt=0)
    process_poll_max: float = Field(default=DEFAULT_POLL.maximum, gt=0)
    import_timeout: float = Field(default=DEFAULT_POLL.timeout, gt=0)
    list_page_url: str = Field(
        default=BREVO_LIST_PAGE,
        description="Address of a list in Brevo's app, linked from each list materialization; {list_id} is "
        "replaced by the list's ID.",
    )
    owners: list[Owner] = Field(
        default_factory=list,
        description="The connection's administrators (e-mail or team:<name>): their exports may use it. With "
        "owners or usable_by set, only such exports may; with neither, any export may.",
    )
    usable_by: list[Owner] = Field(
        default_factory=list,
        description="Others whose exports may use the connection too (contributors), besides its owners.",
    )

    @model_validator(mode="before")
    @classmethod
    def _no_api_key_in_the_file(cls, raw: Any) -> Any:
        return _secret_refused(
            raw,
            "api_key",
            "an API key is a secret and never a setting (a template such as {{ env.NAME }} would put the key "
            "itself in the definitions): name the environment variable holding it in api_key_env",
        )

    @field_validator("list_page_url")
    @classmethod
    def _names_the_list(cls, url: str) -> str:
        if "{list_id}" not in url or not url.startswith(("https://", "http://")):
            raise ValueError("must be an http(s) address holding {list_id}, e.g. " + BREVO_LIST_PAGE)
        return url

    @field_validator("api_url")
    @classmethod
    def _https_unless_loopback(cls, url: AnyHttpUrl) -> AnyHttpUrl:
        if url.scheme != "https" and not is_loopback(url.host or ""):
            raise ValueError(f"api_url must use https:// unless it points at this machine (got {url.scheme}://)")
        return url


def _secret_refused(raw: Any, key: str, instead: str) -> Any:
    """A secret written in the configuration is refused before any model keeps it; the message names the key
    and where the secret goes instead, never its value."""
    if isinstance(raw, dict) and key in raw:
        raise ValueError(f"{key}: {instead}")
    return raw


def is_loopback(host: str) -> bool:
    """Whether ``host`` (as a URL names it) is this machine."""
    return host in ("localhost", "::1", "[::1]") or host.startswith("127.")


class ListByName(StrictModel):
    """A Brevo list named as teams know it, resolved to its ID at the start of every run."""

    name: str = Field(min_length=1, description="The list's name exactly as Brevo shows it (case counts).")
    folder: str | None = Field(
        default=None, min_length=1, description="The folder holding the list; unset: the list may be in any folder."
    )
    create_if_missing: bool = Field(
        default=False, description="Create the list (and its folder) when no list of that name exists."
    )

    @model_validator(mode="after")
    def _creation_needs_a_folder(self) -> ListByName:
        if self.create_if_missing and self.folder is None:
            raise ValueError("create_if_missing needs folder: Brevo creates every list inside a folder")
        return self

    def describe(self) -> str:
        return f"'{self.name}'" + (f" in folder '{self.folder}'" if self.folder else "")


class DoubleOptIn(StrictModel):
    """New contacts are asked to confirm by Brevo's double opt-in mail before they join the list."""

    template_id: int = Field(gt=0, description="ID of the Brevo double opt-in template to send.")
    redirection_url: AnyHttpUrl = Field(description="Page the confirmation link leads to (https://).")
    resend_after_days: int | None = Field(
        default=None, ge=1, description="Send the mail again to a contact still unconfirmed after this many days."
    )

    @field_validator("redirection_url")
    @classmethod
    def _https_unless_loopback(cls, url: AnyHttpUrl) -> AnyHttpUrl:
        if url.scheme != "https" and not is_loopback(url.host or ""):
            raise ValueError(f"must use https:// unless it points at this machine (got {url.scheme}://)")
        return url


class ExportSettings(StrictModel):
    connection: str
    list_id: int | None = Field(default=None, gt=0)
    list_by_name: ListByName | None = Field(
        default=None, alias="list", description="The list by name, instead of list_id: {name, folder}."
    )
    double_opt_in: DoubleOptIn | None = None
    segments: list[str] = Field(min_length=1)
    mapping: dict[str, str | MappedColumn]
    schedule: str | None = None
    enabled: bool = True
    description: str = ""
    mode: Literal["upsert", "mirror"] = "upsert"
    max_profiles: int = Field(default=1_000_000, gt=0)
    max_removal_share: float = Field(default=0.2, ge=0, le=1)
    allow_mass_removal: bool = False
    phone_region: str = Field(default="US", pattern=r"^[A-Z]{2}$")
    phone_region_column: str | None = None
    clear_empty_attributes: bool = False
    max_import_bytes: int = Field(default=8 * 1024 * 1024, ge=1024, le=10 * 1024 * 1024)
    max_isolation_imports: int = Field(
        default=64, ge=0, description="Extra imports a run may spend splitting failed imports to find refused rows."
    )
    max_refused_share: float = Field(
        default=0.05,
        ge=0,
        le=1,
        description="Share of the contacts a run sends that Brevo may refuse before the run fails.",
    )
    max_unconvertible_share: float = Field(
        default=0.05,
        ge=0,
        le=1,
        description="Share of the export's contacts that may have a value not fitting its Brevo attribute's type "
        "(left out, reported); above it the run sends nothing and fails.",
    )
    notify_on_import: bool = Field(
        default=False,
        description="Let Brevo e-mail the account owner after each import (Brevo's default); off, every import "
        "says disableNotification: true.",
    )
    reconcile_drift: bool = Field(
        default=True,
        description="When Brevo's member count disagrees with the sync state, repair it in the same run by "
        "reading the list's members from Brevo (as reconcile: true does); off, the run fails its drift check.",
    )
    freshness_grace_minutes: int | None = Field(
        default=60,
        ge=1,
        le=24 * 60,
        description="How long after a scheduled tick the list may still be refreshing before Dagster shows it "
        "overdue; capped at the schedule's shortest interval. null: no freshness policy.",
    )
    owners: list[Owner] = Field(
        default_factory=list,
        description="Who answers for the export (e-mail or team:<name>); shown on its list asset. A connection "
        "naming owners or usable_by takes only exports one of whose owners it names.",
    )

    @model_validator(mode="after")
    def _one_list(self) -> ExportSettings:
        if (self.list_id is None) == (self.list_by_name is None):
            raise ValueError("name the Brevo list once: either list_id: 12 or list: {name: Newsletter}")
        return self

    @property
    def list_label(self) -> str:
        """The list as the configuration names it, for messages written before a run resolves it."""
        if self.list_id is not None:
            return f"Brevo list {self.list_id}"
        assert self.list_by_name is not None
        return f"Brevo list {self.list_by_name.describe()}"

    def with_list_id(self, list_id: int) -> ExportSettings:
        """This export with its list's ID as a run resolved it, so code reading ``list_id`` works unchanged."""
        return self.model_copy(update={"list_id": list_id})

    @field_validator("mapping")
    @classmethod
    def _email_is_mapped(cls, mapping: dict[str, str | MappedColumn]) -> dict[str, str | MappedColumn]:
        if EMAIL_KEY not in mapping:
            raise ValueError("mapping needs 'email: <profile column>'; the email is what Brevo keys contacts by")
        if not isinstance(mapping[EMAIL_KEY], str):
            raise ValueError("mapping 'email' is a profile column name; reading options are for attributes")
        for attribute, column in mapping.items():
            if not column:
                raise ValueError(f"mapping '{attribute}' names no profile column")
        upper = [a.upper() for a in mapping if a != EMAIL_KEY]
        if "EMAIL" in upper:
            raise ValueError("map the email with the key 'email', not as the attribute EMAIL")
        duplicates = {a for a in upper if upper.count(a) > 1}
        if duplicates:
            raise ValueError(f"attribute(s) {sorted(duplicates)} mapped twice (Brevo names ignore case)")
        return mapping

    def mapped_columns(self) -> dict[str, str]:
        """``email`` and each attribute → its profile column (the options left out)."""
        return {key: value if isinstance(value, str) else value.column for key, value in self.mapping.items()}

    def value_formats(self) -> dict[str, dict[str, str]]:
        """Per attribute, the reading options its mapping entry gives (only entries that give some)."""
        return {
            key: value.options()
            for key, value in self.mapping.items()
            if not isinstance(value, str) and value.options()
        }

    def mapping_as_written(self) -> dict[str, Any]:
        """The mapping in the configuration's own form (for metadata shown in the UI)."""
        return {
            key: value if isinstance(value, str) else value.model_dump(exclude_none=True)
            for key, value in self.mapping.items()
        }

    @field_validator("segments")
    @classmethod
    def _segments_unique(cls, segments: list[str]) -> list[str]:
        if len(set(segments)) != len(segments):
            raise ValueError("a segment is listed twice")
        return segments

    @field_validator("schedule")
    @classmethod
    def _valid_cron(cls, schedule: str | None) -> str | None:
        if schedule is not None and not is_valid_cron(schedule):
            raise ValueError(f"'{schedule}' is not a cron expression such as '0 2 * * *'")
        return schedule


def is_valid_cron(expression: str) -> bool:
    """Whether Dagster accepts ``expression`` as a schedule: asks ``ScheduleDefinition`` itself (public API),
    so the configuration refuses exactly what the schedule would, whatever the Dagster version."""
    try:
        dg.ScheduleDefinition(name="cron_probe", cron_schedule=expression, job_name="cron_probe")
    except dg.DagsterInvalidDefinitionError:
        return False
    return True


class StateSettings(StrictModel):
    """Where the sync state lives: by default a SQLite file in the Dagster instance's storage folder."""

    url: str | None = Field(default=None, description="SQLAlchemy URL without a password, e.g. sqlite:////data/s.db")
    url_env: str | None = Field(
        default=None,
        pattern=r"^[A-Za-z_][A-Za-z0-9_]*$",
        description="Environment variable holding the URL, for one with a password (PostgreSQL).",
    )
    local_copy: bool = Field(
        default=True,
        description="Keep a local Arrow copy of each export's state in the Dagster instance storage, used only "
        "while its version equals the database's (fast incremental loads).",
    )

    @field_validator("url")
    @classmethod
    def _driver_installed(cls, url: str | None) -> str | None:
        """A URL in the file is checked at load; one from ``url_env`` when the run opens it (sync_state)."""
        problem = POSTGRES.problem("a PostgreSQL URL") if url and _is_psycopg(url) else None
        if problem is not None:
            raise ValueError(problem)
        return url

    @model_validator(mode="after")
    def _one_source(self) -> StateSettings:
        if self.url and self.url_env:
            raise ValueError("give url or url_env, not both")
        if self.url and _has_password(self.url):
            raise ValueError("url holds a password: put the URL in an environment variable and name it in url_env")
        return self


def _is_psycopg(url: str) -> bool:
    """``postgresql+psycopg://``, or ``postgresql://`` where psycopg is SQLAlchemy's default (2.1 on)."""
    try:
        parsed = make_url(url)
        return parsed.get_backend_name() == "postgresql" and parsed.get_driver_name() == "psycopg"
    except ArgumentError:  # NoSuchModuleError for an unknown dialect is one too
        return False  # _one_source reports it


def _has_password(url: str) -> bool:
    try:
        return make_url(url).password is not None
    except ArgumentError as error:
        raise ValueError(f"not a SQLAlchemy URL ({error})") from None


class AlertsSettings(StrictModel):
    """Where a failed run is announced besides the failure sensor's own log (which always has it)."""

    slack_webhook_url_env: str | None = Field(
        default=None,
        pattern=r"^[A-Za-z_][A-Za-z0-9_]*$",
        description="Environment variable holding a Slack incoming-webhook URL. The URL lets anyone post to the "
        "channel, so it is a secret and never goes in the file.",
    )
    channel: str | None = Field(
        default=None,
        min_length=1,
        description="Channel to post to, for a legacy webhook that lets the message choose; a Slack app's "
        "webhook always posts to the channel it was created for.",
    )
    dagster_base_url: AnyHttpUrl | None = Field(
        default=None, description="Address of the Dagster UI (e.g. http://dagster.internal:3000) for run links."
    )

    @model_validator(mode="before")
    @classmethod
    def _no_webhook_url_in_the_file(cls, raw: Any) -> Any:
        return _secret_refused(
            raw,
            "slack_webhook_url",
            "a webhook URL is a secret: put it in an environment variable and name that variable in "
            "slack_webhook_url_env",
        )

    @field_validator("slack_webhook_url_env")
    @classmethod
    def _slack_extra_installed(cls, name: str | None) -> str | None:
        if name is not None and not slack_sdk_installed():
            raise ValueError(f"Slack alerts need the optional slack extra (slack_sdk): {SLACK_EXTRA_INSTALL}")
        return name

    @model_validator(mode="after")
    def _channel_needs_slack(self) -> AlertsSettings:
        if self.channel and not self.slack_webhook_url_env:
            raise ValueError("channel is where Slack alerts go: set slack_webhook_url_env as well")
        return self


def _prefix_part(part: str) -> str:
    if not PREFIX_PART.match(part):
        raise ValueError(f"'{part}' {PREFIX_PART_RULE}")
    return part


class Settings(StrictModel):
    """The whole configuration file."""

    profiles: ProfilesSettings = Field(default_factory=ProfilesSettings)
    segments: dict[str, SegmentSettings] = Field(min_length=1)
    connections: dict[str, ConnectionSettings] = Field(min_length=1)
    exports: dict[str, ExportSettings] = Field(default_factory=dict)
    state: StateSettings = StateSettings()
    alerts: AlertsSettings = AlertsSettings()
    mask_personal_data: bool = Field(
        default=True, description="Mask emails and phones in metadata and logs shown in the Dagster UI."
    )
    key_prefix: list[Annotated[str, AfterValidator(_prefix_part)]] = Field(
        default_factory=list,
        description="Put in front of every asset key and Dagster name (and the state's keys), so several "
        "configurations live in one code location: 'crm' or 'crm/emea' (or a list). Empty: the names as they are.",
    )

    @field_validator("key_prefix", mode="before")
    @classmethod
    def _prefix_as_path(cls, prefix: Any) -> Any:
        """``crm/emea`` is written as an asset key is; a list is taken part by part."""
        if isinstance(prefix, str):
            return prefix.split("/") if prefix else []
        return prefix

    @property
    def names(self) -> Names:
        """Every name of this configuration's definitions (``ci_sendinblue.naming``)."""
        return Names(tuple(self.key_prefix))

    @field_validator("segments", "connections", "exports")
    @classmethod
    def _names_are_asset_names(cls, named: dict[str, Any]) -> dict[str, Any]:
        for name in named:
            if not ASSET_NAME.match(name):
                raise ValueError(f"'{name}' must start with a letter and hold only letters, digits and _")
        return named

    @model_validator(mode="after")
    def _every_segment_has_profiles(self) -> Self:
        """A segment reads the profiles file or names an asset, and knows the column keying its profiles."""
        problems: list[InitErrorDetails] = []
        for name, segment in self.segments.items():
            if segment.profiles is None and self.profiles.kind is None:
                problems.append(
                    _problem(
                        ("segments", name, "profiles"),
                        "no profiles.path to read: name the asset this segment's profiles come from, e.g. "
                        "profiles: {asset: [analytics, dim_customers]}",
                    )
                )
            elif segment.profiles is not None and segment.profiles.key is None and self.profiles.key is None:
                problems.append(
                    _problem(
                        ("segments", name, "profiles", "key"),
                        "name the column that identifies a profile in the asset, here or in profiles.key",
                    )
                )
        if problems:
            raise ValidationError.from_exception_data("Settings", problems)
        return self

    def enabled_exports(self) -> dict[str, ExportSettings]:
        return {name: export for name, export in self.exports.items() if export.enabled}

    def segment_key_column(self, segment: str) -> str:
        """The column keying a segment's profiles: its asset's own ``key``, else the profiles' one."""
        source = self.segments[segment].profiles
        key = (source.key if source else None) or self.profiles.key
        assert key is not None, "checked by _every_segment_has_profiles"
        return key

    def profiles_asset(self, segment: str) -> dg.AssetKey | None:
        """The user's asset a segment reads its profiles from; None when it reads the profiles file."""
        source = self.segments[segment].profiles
        return source.asset_key if source else None

    def segment_email_column(self, segment: str) -> str:
        """The email column a segment validates: its own, else the profiles' one. Exports map the same."""
        return self.segments[segment].email or self.profiles.email


def _problem(loc: tuple[str, ...], message: str) -> InitErrorDetails:
    """One problem at ``loc`` (the key path the user edits), for a check spanning several sections."""
    return InitErrorDetails(
        type=PydanticCustomError("settings", "{message}", {"message": message}), loc=loc, input=None
    )

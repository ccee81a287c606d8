"""Profiles in a Common Data Model folder, as Dynamics 365 Customer Insights writes its output to a data lake.

The folder's metadata says what the entity holds and where: either ``model.json`` (``entities[]`` with
``attributes[{name, dataType}]`` and ``partitions[{location, fileFormatSettings}]``) or a
``*.manifest.cdm.json`` (``entities[{entityName, entityPath, dataPartitions, dataPartitionPatterns}]``, the
attributes in the entity's own definition document, ``<Entity>.cdm.json``: ``definitions[{entityName,
hasAttributes[{name, dataFormat}]}]``). When a folder holds both, the manifest (the newer form) is read; when
it holds several manifests, ``default.manifest.cdm.json``. Partitions are CSV files without a header unless
their settings say otherwise (``columnHeaders``, ``delimiter``, ``quoteStyle``), or Parquet files.

Partition locations are often absolute, naming the lake the folder was written to
(``https://<account>.dfs.core.windows.net/<container>/ci-output/Customer/part-1.csv``), while the folder may
have been copied or mounted elsewhere. A location is therefore read as the path after the folder's own name
(``ci-output/``: ``Customer/part-1.csv`` below ``profiles.cdm.folder``); when the folder was renamed, as the
longest tail of the location's path that is a file below the folder. Relative locations and corpus paths
(``local:/Customer/part-1.csv``, ``adls:/...``) are relative to the folder.

Columns get the attributes' types (``CDM_TYPES``): text stays text, ``int64`` a BIGINT, ``dateTime`` a
timestamp, ``boolean`` a boolean... Values are expected in the invariant forms the format prescribes (ISO 8601
dates, ``.`` as decimal separator, true/false); a value that does not fit its type fails the reading naming
the file and line. An empty field is missing.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import unquote, urlsplit

import duckdb
import ibis
from ibis.backends.duckdb import Backend as DuckDBBackend

from ci_sendinblue.config.models import CdmSource
from ci_sendinblue.profiles.duckdb_files import TEXT, csv_table, parquet_table
from ci_sendinblue.profiles.files import list_files, matching, read_text
from ci_sendinblue.profiles.locations import REMOTE, Location, RemoteLocation, format_of
from ci_sendinblue.profiles.source_errors import ProfilesSourceError, ProfilesSourceUnavailable

FOLDER_SETTING = "profiles.cdm.folder"
ENTITY_SETTING = "profiles.cdm.entity"
MODEL_JSON = "model.json"
MANIFEST_SUFFIX = ".manifest.cdm.json"
DEFAULT_MANIFEST = "default" + MANIFEST_SUFFIX

CDM_TYPES = {
    "string": TEXT,
    "char": TEXT,
    "guid": TEXT,
    "json": TEXT,
    "byte": "UTINYINT",
    "int16": "SMALLINT",
    "smallinteger": "SMALLINT",
    "int32": "INTEGER",
    "integer": "INTEGER",
    "int64": "BIGINT",
    "biginteger": "BIGINT",
    "float": "DOUBLE",
    "double": "DOUBLE",
    "decimal": "DECIMAL(38, 10)",
    "boolean": "BOOLEAN",
    "date": "DATE",
    "time": "TIME",
    "datetime": "TIMESTAMP",
    "datetimeoffset": "TIMESTAMPTZ",
}
"""CDM data types (model.json's ``dataType``, a definition's ``dataFormat`` or ``dataType``; any case) and the
column type each becomes; any other (``entityId``, ``email``, ``phone``...) is text."""

CORPUS_PATH = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*:/(?!/)")
"""A corpus path's adapter namespace (``local:/``, ``adls:/``): the path after it is within the adapter."""


@dataclass(frozen=True)
class CsvLayout:
    """How a partition's CSV is written (model.json's fileFormatSettings, a manifest's CSV trait)."""

    header: bool = False
    delimiter: str = ","
    quote: str = '"'


@dataclass(frozen=True)
class CdmPartition:
    location: Location
    format: str
    layout: CsvLayout


@dataclass(frozen=True)
class CdmEntity:
    """An entity of a CDM folder as its metadata describes it, its partitions mapped to files."""

    folder: Location
    metadata: Location
    """model.json or the manifest."""
    definition: Location | None
    """The entity's definition document (a manifest's ``<Entity>.cdm.json``); None for model.json."""
    name: str
    attributes: tuple[tuple[str, str], ...]
    """Each attribute's name and CDM type, in the files' column order."""
    partitions: tuple[CdmPartition, ...]

    @property
    def metadata_files(self) -> list[Location]:
        """What the producer rewrites when the entity's data changes (it writes the partitions first)."""
        return [self.metadata, *([self.definition] if self.definition is not None else [])]

    def describe(self) -> str:
        count = len(self.partitions)
        return (
            f"CDM folder {self.folder} ({_name(self.metadata)}), entity {self.name} "
            f"({count} partition{'s' if count != 1 else ''})"
        )


def read_entity(source: CdmSource) -> CdmEntity:
    """The entity ``profiles.cdm`` names, from the folder's metadata (small JSON files only)."""
    metadata = find_metadata(source.folder)
    document = _json(metadata)
    if _name(metadata) == MODEL_JSON:
        return _model_json_entity(source, metadata, document)
    return _manifest_entity(source, metadata, document)


def entity_columns(entity: CdmEntity) -> list[str]:
    return [name for name, _ in entity.attributes]


def entity_table(entity: CdmEntity, con: DuckDBBackend) -> ibis.Table:
    """The entity's partitions as one lazy DuckDB table, columns typed from the metadata."""
    if not entity.partitions:
        raise ProfilesSourceUnavailable(
            ENTITY_SETTING, f"entity '{entity.name}' has no data partition yet in {entity.metadata}"
        )
    columns = {name: duckdb_type(cdm_type) for name, cdm_type in entity.attributes}
    tables = []
    for (format, layout), locations in _groups(entity.partitions):
        if format == "parquet":
            table = parquet_table(con, locations)
            missing = [name for name in columns if name not in table.columns]
            if missing:
                raise ProfilesSourceError(
                    ENTITY_SETTING,
                    f"the Parquet partitions of entity '{entity.name}' lack attribute(s) {', '.join(missing)}",
                )
            table = table.select(*columns)  # Parquet's own types
        else:
            table = csv_table(
                con, locations, columns, header=layout.header, delimiter=layout.delimiter, quote=layout.quote
            )
        tables.append(table)
    return tables[0] if len(tables) == 1 else ibis.union(*tables, distinct=False)


def duckdb_type(cdm_type: str) -> str:
    return CDM_TYPES.get(cdm_type.lower(), TEXT)


def find_metadata(folder: Location) -> Location:
    """The folder's manifest (``default.manifest.cdm.json`` among several), else its model.json."""
    try:
        names = _top_level_files(folder)
    except FileNotFoundError:
        raise ProfilesSourceUnavailable(FOLDER_SETTING, f"CDM folder {folder} does not exist") from None
    except (OSError, duckdb.Error) as error:
        raise ProfilesSourceUnavailable(FOLDER_SETTING, f"cannot list CDM folder {folder} ({_reason(error)})") from None
    manifests = sorted(name for name in names if name.endswith(MANIFEST_SUFFIX))
    if len(manifests) == 1:
        return names[manifests[0]]
    if DEFAULT_MANIFEST in names:
        return names[DEFAULT_MANIFEST]
    if manifests:
        raise ProfilesSourceError(
            FOLDER_SETTING,
            f"CDM folder {folder} holds several manifests ({', '.join(manifests)}) and no {DEFAULT_MANIFEST}: "
            "point profiles.cdm.folder at a folder with one",
        )
    if MODEL_JSON in names:
        return names[MODEL_JSON]
    raise ProfilesSourceUnavailable(FOLDER_SETTING, f"CDM folder {folder} holds no model.json or *{MANIFEST_SUFFIX}")


# --- model.json ----------------------------------------------------------------------------------------------


def _model_json_entity(source: CdmSource, metadata: Location, document: Any) -> CdmEntity:
    entities = _listed(document, "entities", metadata)
    entity = _the_entity(source.entity, entities, "name", metadata)
    if str(entity.get("$type", "LocalEntity")) != "LocalEntity":
        raise ProfilesSourceError(
            ENTITY_SETTING,
            f"entity '{source.entity}' in {metadata} is a {entity.get('$type')} (its data is described by another "
            "model): point profiles.cdm.folder at the folder of the model that holds it",
        )
    attributes = _attributes(
        ((a.get("name"), a.get("dataType")) for a in _listed(entity, "attributes", metadata)), metadata
    )
    partitions = []
    for partition in entity.get("partitions") or []:
        if not isinstance(partition, dict) or not partition.get("location"):
            continue  # a partition without a location describes no data
        location = _data_file(str(partition["location"]), source.folder)
        settings = partition.get("fileFormatSettings") or {}
        partitions.append(CdmPartition(location, _format(location, None), _model_json_layout(settings, metadata)))
    return CdmEntity(source.folder, metadata, None, source.entity, attributes, tuple(partitions))


def _model_json_layout(settings: dict[str, Any], metadata: Location) -> CsvLayout:
    _check_encoding(settings.get("encoding"), metadata)
    return CsvLayout(
        header=_true(settings.get("columnHeaders")),
        delimiter=str(settings.get("delimiter") or ","),
        quote="" if str(settings.get("quoteStyle", "")).endswith("None") else '"',
    )


# --- manifest ------------------------------------------------------------------------------------------------


def _manifest_entity(source: CdmSource, metadata: Location, document: Any) -> CdmEntity:
    entities = _listed(document, "entities", metadata)
    declaration = _the_entity(source.entity, entities, "entityName", metadata)
    entity_path = declaration.get("entityPath") or declaration.get("entitySchema")
    if not entity_path:
        raise ProfilesSourceError(ENTITY_SETTING, f"entity '{source.entity}' in {metadata} names no entityPath")
    document_path, _, definition_name = str(entity_path).rpartition("/")
    if document_path.endswith(MANIFEST_SUFFIX) or declaration.get("type") == "ReferencedEntity":
        raise ProfilesSourceError(
            ENTITY_SETTING,
            f"entity '{source.entity}' in {metadata} is borrowed from another manifest ({entity_path}): point "
            "profiles.cdm.folder at the folder of the manifest that holds it",
        )
    definition = _metadata_file(document_path, source.folder)
    attributes = _definition_attributes(definition, definition_name or source.entity)
    partitions = [
        CdmPartition(location, _format(location, traits), _trait_layout(traits, metadata))
        for location, traits in _manifest_partitions(declaration, source.folder, metadata)
    ]
    return CdmEntity(source.folder, metadata, definition, source.entity, attributes, tuple(partitions))


def _definition_attributes(definition: Location, entity: str) -> tuple[tuple[str, str], ...]:
    try:
        document = _json(definition)
    except ProfilesSourceUnavailable as error:
        raise ProfilesSourceError(FOLDER_SETTING, f"the definition of entity '{entity}': {error.reason}") from None
    definitions = _listed(document, "definitions", definition)
    found = _the_entity(entity, definitions, "entityName", definition)
    return _attributes(
        ((a.get("name"), a.get("dataFormat") or _type_reference(a.get("dataType"))) for a in _flattened(found)),
        definition,
    )


def _flattened(definition: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """A definition's attributes, attribute groups (as resolved documents nest them) opened in place."""

    def walk(items: Iterable[Any]) -> Iterator[dict[str, Any]]:
        for item in items:
            if not isinstance(item, dict):
                continue
            group = item.get("attributeGroupReference")
            if isinstance(group, dict):
                yield from walk(group.get("members") or [])
            elif "name" in item:
                yield item

    return walk(definition.get("hasAttributes") or [])


def _type_reference(data_type: Any) -> Any:
    if isinstance(data_type, dict):
        return data_type.get("dataTypeReference")
    return data_type


def _manifest_partitions(
    declaration: dict[str, Any], folder: Location, metadata: Location
) -> Iterator[tuple[Location, list[Any]]]:
    listed: dict[str, tuple[Location, list[Any]]] = {}
    for partition in declaration.get("dataPartitions") or []:
        if isinstance(partition, dict) and partition.get("location"):
            location = _data_file(str(partition["location"]), folder)
            listed[str(location)] = (location, partition.get("exhibitsTraits") or [])
    for pattern in declaration.get("dataPartitionPatterns") or []:
        if not isinstance(pattern, dict):
            continue
        root = _metadata_file(str(pattern.get("rootLocation") or ""), folder)
        regular = pattern.get("regularExpression")
        glob = pattern.get("globPattern")
        if not (regular or glob):
            continue
        try:
            found = matching(root, str(regular or glob), regular=bool(regular))
        except FileNotFoundError:
            continue
        except (OSError, duckdb.Error, re.error) as error:
            raise ProfilesSourceError(
                FOLDER_SETTING, f"partition pattern {pattern.get('name') or root} in {metadata}: {_reason(error)}"
            ) from None
        for file in found:
            listed.setdefault(str(file.location), (file.location, pattern.get("exhibitsTraits") or []))
    yield from (listed[key] for key in sorted(listed))


def _trait_layout(traits: list[Any], metadata: Location) -> CsvLayout:
    arguments = _trait_arguments(traits, "is.partition.format.csv")
    _check_encoding(arguments.get("encoding"), metadata)
    return CsvLayout(
        header=_true(arguments.get("columnHeaders")),
        delimiter=str(arguments.get("delimiter") or ","),
        quote="" if str(arguments.get("quoteStyle", "")).endswith("None") else '"',
    )


def _trait_arguments(traits: list[Any], name: str) -> dict[str, Any]:
    for trait in traits:
        reference = trait.get("traitReference") if isinstance(trait, dict) else trait
        if isinstance(reference, dict):
            reference = reference.get("traitName")
        if str(reference).lower() == name:
            arguments = trait.get("arguments") if isinstance(trait, dict) else None
            return {
                str(argument.get("name")): argument.get("value")
                for argument in arguments or []
                if isinstance(argument, dict)
            }
    return {}


def _has_trait(traits: list[Any], name: str) -> bool:
    for trait in traits:
        reference = trait.get("traitReference") if isinstance(trait, dict) else trait
        if isinstance(reference, dict):
            reference = reference.get("traitName")
        if str(reference).lower() == name:
            return True
    return False


# --- shared --------------------------------------------------------------------------------------------------


def _the_entity(entity: str, entities: list[Any], key: str, document: Location) -> dict[str, Any]:
    named = [e for e in entities if isinstance(e, dict) and e.get(key) == entity]
    if named:
        return named[0]
    names = [str(e.get(key)) for e in entities if isinstance(e, dict) and e.get(key)]
    other_case = [name for name in names if name.lower() == entity.lower()]
    hint = f"; names compare exactly: did you mean '{other_case[0]}'?" if other_case else ""
    raise ProfilesSourceError(
        ENTITY_SETTING,
        f"entity '{entity}' is not in {document} (entities: {', '.join(names) or 'none'}){hint}",
    )


def _attributes(pairs: Iterable[tuple[Any, Any]], document: Location) -> tuple[tuple[str, str], ...]:
    attributes = tuple((str(name), str(data_type or "string")) for name, data_type in pairs if name)
    names = [name for name, _ in attributes]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise ProfilesSourceError(
            FOLDER_SETTING, f"{document} names attribute(s) {', '.join(map(repr, repeated))} more than once"
        )
    if not attributes:
        raise ProfilesSourceError(FOLDER_SETTING, f"{document} gives the entity no attributes")
    return attributes


def _listed(document: Any, key: str, source: Location) -> list[Any]:
    items = document.get(key) if isinstance(document, dict) else None
    if not isinstance(items, list):
        raise ProfilesSourceError(FOLDER_SETTING, f"{source} has no '{key}' list: is it CDM metadata?")
    return items


def _json(location: Location) -> Any:
    try:
        text = read_text(location)
    except FileNotFoundError:
        raise ProfilesSourceUnavailable(FOLDER_SETTING, f"{location} does not exist") from None
    except (OSError, duckdb.Error) as error:
        raise ProfilesSourceUnavailable(FOLDER_SETTING, f"cannot read {location} ({_reason(error)})") from None
    except UnicodeDecodeError:
        raise ProfilesSourceError(FOLDER_SETTING, f"{location} is not UTF-8 text") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise ProfilesSourceError(
            FOLDER_SETTING, f"{location} is not valid JSON ({error.msg} at line {error.lineno})"
        ) from None


def _format(location: Location, traits: list[Any] | None) -> str:
    if traits is not None and _has_trait(traits, "is.partition.format.parquet"):
        return "parquet"
    if traits is not None and _has_trait(traits, "is.partition.format.csv"):
        return "csv"
    return format_of(location) or "csv"


def _check_encoding(encoding: Any, metadata: Location) -> None:
    if encoding and str(encoding).replace("-", "").lower() != "utf8":
        raise ProfilesSourceError(
            FOLDER_SETTING, f"{metadata} gives partitions in {encoding}; only UTF-8 partitions are read"
        )


def _true(value: Any) -> bool:
    return value is True or str(value).lower() == "true"


def _groups(partitions: Iterable[CdmPartition]) -> list[tuple[tuple[str, CsvLayout], list[str]]]:
    """Partitions of the same format and layout, read together (in the metadata's order)."""
    groups: dict[tuple[str, CsvLayout], list[str]] = {}
    for partition in partitions:
        groups.setdefault((partition.format, partition.layout), []).append(str(partition.location))
    return list(groups.items())


def _metadata_file(location: str, folder: Location) -> Location:
    """A document or folder the metadata names: relative to the folder, or a corpus path in it."""
    return _below(folder, CORPUS_PATH.sub("", location).lstrip("/"))


def _data_file(location: str, folder: Location) -> Location:
    """The file below ``folder`` a partition location names (see the module's docstring)."""
    if not REMOTE.match(location) and not CORPUS_PATH.match(location):
        return _below(folder, location)
    path = unquote(urlsplit(location).path) if REMOTE.match(location) else CORPUS_PATH.sub("/", location)
    parts = [part for part in PurePosixPath(path).parts if part != "/"]
    name = _name(folder)
    tails = [parts[index + 1 :] for index, part in enumerate(parts) if part == name]
    if isinstance(folder, Path):
        existing = [tail for tail in tails if (folder.joinpath(*tail)).is_file()]
        if existing or tails:
            return folder.joinpath(*(existing or tails)[0])
        for start in range(len(parts)):
            if folder.joinpath(*parts[start:]).is_file():
                return folder.joinpath(*parts[start:])
    elif tails:
        return folder.joinpath(*tails[0])
    raise ProfilesSourceError(
        FOLDER_SETTING,
        f"partition {location} is not below {folder}: its path passes through no folder named '{name}', and "
        "no end of it is a file there",
    )


def _below(folder: Location, relative: str) -> Location:
    if isinstance(folder, RemoteLocation):
        return folder.joinpath(relative) if relative else folder
    return folder / relative if relative else folder


def _top_level_files(folder: Location) -> dict[str, Location]:
    """The files directly in the folder, by name (never its partitions' subfolders)."""
    if isinstance(folder, RemoteLocation):
        return {_name(f.location): f.location for f in list_files(RemoteLocation(folder.rstrip("/") + "/*"))}
    if not folder.is_dir():
        raise FileNotFoundError(folder)
    return {path.name: path for path in folder.iterdir() if path.is_file()}


def _name(location: Location) -> str:
    return PurePosixPath(str(location).rstrip("/")).name


def _reason(error: BaseException) -> str:
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__

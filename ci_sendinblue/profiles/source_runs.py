"""Opening the profiles source inside a run, its problems turned into the failures Dagster shows."""

from __future__ import annotations

from typing import TYPE_CHECKING

import dagster as dg

from ci_sendinblue.config.models import ProfilesSettings

if TYPE_CHECKING:
    from ci_sendinblue.profiles.tables import ProfilesTable


def open_source(profiles: ProfilesSettings) -> ProfilesTable:
    """The source as an ibis table; a failure naming the setting and the source otherwise. A source that is
    only unreachable now (a file not written yet, a database down) may be retried; a wrong setting may not."""
    from ci_sendinblue.profiles.tables import ProfilesSourceError, ProfilesSourceUnavailable, open_profiles

    try:
        return open_profiles(profiles)
    except ProfilesSourceUnavailable as error:
        raise dg.Failure(description=f"Cannot read the profiles: {error}", allow_retries=True) from None
    except ProfilesSourceError as error:
        raise dg.Failure(description=f"Cannot read the profiles: {error}", allow_retries=False) from None

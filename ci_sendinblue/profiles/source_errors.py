"""What goes wrong reading the profiles where they live, each error naming the setting to look at.

    ProfilesSourceError              the source cannot give the profiles: a corrupt file, a missing entity,
     │                               column or table, a failing query (the configuration or the data is wrong)
     └── ProfilesSourceUnavailable   the source is not reachable now: no file yet, a share or database down;
          │                          the code location still loads, and the run that needs it fails
          └── ColumnsKnownAtRun      nothing is wrong: the columns are known only when a run opens the source
                                     (a database, Spark, a remote location), so the load does not check them

``str(error)`` starts with the setting (``profiles.cdm.entity: entity 'Customer' is not in ...``); a database
URL in a message has its password masked (``sql.mask_url``).
"""

from __future__ import annotations


class ProfilesSourceError(Exception):
    """The profiles cannot be read from their source; ``setting`` is the key path the user edits."""

    def __init__(self, setting: str, reason: str) -> None:
        self.setting = setting
        self.reason = reason
        super().__init__(f"{setting}: {reason}")


class ProfilesSourceUnavailable(ProfilesSourceError):
    """The source cannot be reached now (not written yet, a share or a database down): nothing is known of
    its content, so the configuration still loads and the run that needs it fails."""


class ColumnsKnownAtRun(ProfilesSourceUnavailable):
    """The source's columns are read when a run opens it (a query, a connection, a remote listing), never at
    definition load: the load checks nothing and warns about nothing."""

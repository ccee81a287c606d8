"""The safety brake of mirror mode: no mass removal from a Brevo list without someone saying so.

A broken upstream (an empty profiles file, a renamed column that empties a segment) looks exactly like
everyone leaving. Mirror mode would then unlink the whole list, so a run that would remove more than the
export's ``max_removal_share`` of the list, or that finds a segment empty which had members last time, stops
before changing anything.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ci_sendinblue.sendinblue.errors import MassRemovalRefused


@dataclass(frozen=True)
class RemovalPlan:
    export_name: str
    op_name: str
    """The list asset's op, as the run config names it (the asset key, key_prefix included, joined by __)."""
    removing: int
    list_size: int
    max_share: float
    segment_counts: Mapping[str, int]
    previous_segment_counts: Mapping[str, int]

    @property
    def share(self) -> float:
        return self.removing / self.list_size if self.list_size else 0.0

    @property
    def emptied_segments(self) -> list[str]:
        return sorted(
            name
            for name, count in self.segment_counts.items()
            if count == 0 and self.previous_segment_counts.get(name, 0) > 0
        )


def apply_brake(plan: RemovalPlan, *, allowed: bool) -> None:
    """Raise ``MassRemovalRefused`` unless the plan is within limits or the user allowed it."""
    reasons = []
    if plan.share > plan.max_share:
        reasons.append(
            f"it would remove {plan.removing} of the {plan.list_size} contacts in the list ({plan.share:.1%}), "
            f"over the {plan.max_share:.0%} allowed by exports.{plan.export_name}.max_removal_share"
        )
    if plan.emptied_segments:
        described = ", ".join(f"{name} (had {plan.previous_segment_counts[name]})" for name in plan.emptied_segments)
        reasons.append(f"segment(s) {described} are empty now")
    if reasons and not allowed:
        raise MassRemovalRefused(
            f"Mirror sync of {plan.export_name} stopped before changing anything: {'; and '.join(reasons)}. "
            "If this is intended, allow it for one run with the run config "
            f"'ops: {{{plan.op_name}: {{config: {{allow_mass_removal: true}}}}}}' "
            f"or permanently with exports.{plan.export_name}.allow_mass_removal: true."
        )

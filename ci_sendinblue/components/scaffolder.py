"""``dg scaffold defs ci_sendinblue.BrevoExports <name>``: a ``defs.yaml`` to fill in, every setting explained."""

from __future__ import annotations

from importlib.resources import files
from string import Template

import dagster as dg
from pydantic import BaseModel, Field


class ScaffoldParams(BaseModel):
    """What ``dg scaffold`` may fill in at once (``--json-params '{"asset": "analytics/dim_customers"}'``)."""

    asset: str = Field(default="analytics/dim_customers", description="Key of the asset holding the profiles.")
    list_id: int = Field(default=2, ge=1, description="ID of the Brevo list to keep in step.")
    api_key_env: str = Field(
        default="BREVO_API_KEY", pattern=r"^[A-Za-z_][A-Za-z0-9_]*$", description="Variable holding the API key."
    )


class BrevoExportsScaffolder(dg.Scaffolder[ScaffoldParams]):
    @classmethod
    def get_scaffold_params(cls) -> type[ScaffoldParams]:
        return ScaffoldParams

    def scaffold(self, request: dg.ScaffoldRequest[ScaffoldParams]) -> None:
        params = request.params or ScaffoldParams()
        template = files("ci_sendinblue.components").joinpath("defs_template.yaml").read_text("utf-8")
        text = Template(template).substitute(
            type_name=request.type_name,
            asset=", ".join(part for part in params.asset.split("/") if part),
            list_id=params.list_id,
            api_key_env=params.api_key_env,
            prefix=request.target_path.name,
        )
        request.target_path.mkdir(parents=True, exist_ok=True)
        (request.target_path / "defs.yaml").write_text(text, encoding="utf-8")

"""The Dagster Component a project declares its Brevo exports with (``type: ci_sendinblue.BrevoExports``)."""

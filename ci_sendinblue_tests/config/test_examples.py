"""The optional keys the bundled examples show commented out load once a user uncomments them."""

from __future__ import annotations

import re
import shutil

import pytest

from ci_sendinblue.config.loading import BUNDLED_CONFIG, load_settings

EXAMPLES = BUNDLED_CONFIG.parents[2] / "examples"


@pytest.mark.parametrize("example", [BUNDLED_CONFIG, EXAMPLES / "brevo.yaml"], ids=["demo defs.yaml", "brevo.yaml"])
def test_the_commented_alerts_freshness_and_opt_out_keys_load_when_uncommented(example, tmp_path):
    text = example.read_text().replace("../../examples/profiles.csv", "profiles.csv")
    text = re.sub(r"^(\s*)# (freshness_grace_minutes: )", r"\1\2", text, flags=re.MULTILINE)
    text = re.sub(r"^(\s*)# (exclude_optouts: )", r"\1\2", text, flags=re.MULTILINE)
    text = re.sub(r"^(\s*)# (alerts:)$", r"\1\2", text, flags=re.MULTILINE)
    text = re.sub(r"^(\s*)# (key_prefix: )", r"\1\2", text, flags=re.MULTILINE)
    text = re.sub(r"^(\s*)#(   \w+: )", r"\1\2", text, flags=re.MULTILINE)
    shutil.copy(EXAMPLES / "profiles.csv", tmp_path)
    (tmp_path / example.name).write_text(text)

    settings = load_settings(tmp_path / example.name)

    assert settings.alerts.slack_webhook_url_env == "SLACK_WEBHOOK_URL"
    assert settings.alerts.channel == "#crm-alerts"
    assert settings.exports["newsletter"].freshness_grace_minutes == 60
    assert settings.key_prefix == ["crm"]
    if example.name == "brevo.yaml":
        assert settings.segments["seattle_high_value"].exclude_optouts == ["brevo_marketing"]

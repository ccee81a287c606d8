"""The optional keys the bundled examples show commented out load once a user uncomments them."""

from __future__ import annotations

import re
import shutil

import pytest

from ci_sendinblue.config.loading import BUNDLED_CONFIG, load_settings


@pytest.mark.parametrize("name", ["ci_sendinblue.yaml", "brevo.yaml"])
def test_the_commented_alerts_freshness_and_opt_out_keys_load_when_uncommented(name, tmp_path):
    text = (BUNDLED_CONFIG.parent / name).read_text()
    text = re.sub(r"^(\s*)# (freshness_grace_minutes: )", r"\1\2", text, flags=re.MULTILINE)
    text = re.sub(r"^(\s*)# (exclude_optouts: )", r"\1\2", text, flags=re.MULTILINE)
    text = re.sub(r"^# (alerts:)$", r"\1", text, flags=re.MULTILINE)
    text = re.sub(r"^# (key_prefix: )", r"\1", text, flags=re.MULTILINE)
    text = re.sub(r"^#(   \w+: )", r"\1", text, flags=re.MULTILINE)
    shutil.copy(BUNDLED_CONFIG.parent / "profiles.csv", tmp_path)
    (tmp_path / name).write_text(text)

    settings = load_settings(tmp_path / name)

    assert settings.alerts.slack_webhook_url_env == "SLACK_WEBHOOK_URL"
    assert settings.alerts.channel == "#crm-alerts"
    assert settings.exports["newsletter"].freshness_grace_minutes == 60
    assert settings.key_prefix == ["crm"]
    if name == "brevo.yaml":
        assert settings.segments["seattle_high_value"].exclude_optouts == ["brevo_marketing"]

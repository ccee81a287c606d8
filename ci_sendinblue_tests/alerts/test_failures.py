"""How a failed run is told: the asset job by its assets, a run-level error when no step failed, Slack's
mrkdwn escaped."""

from __future__ import annotations

from ci_sendinblue.alerts.failures import FailedStep, RunFailure


def failure(**changes) -> RunFailure:
    fields = {
        "run_id": "0f1e2d3c",
        "job_name": "__ASSET_JOB",
        "assets": ("sendinblue/newsletter",),
        "started_by": "sensor profiles_file_changed_sensor",
        "steps": (),
        "run_error": "Execution of run for \"__ASSET_JOB\" failed. Resource 'sendinblue_brevo' failed to initialize",
        "run_url": None,
    }
    return RunFailure(**{**fields, **changes})


def test_a_run_without_a_failed_step_is_told_by_its_own_error_and_an_ui_run_by_its_assets():
    assert failure().summary() == (
        "Run of materialization of sendinblue/newsletter failed (started by sensor profiles_file_changed_sensor). "
        "Execution of run for \"__ASSET_JOB\" failed. Resource 'sendinblue_brevo' failed to initialize "
        "[run ID 0f1e2d3c]"
    )


def test_slack_text_escapes_what_mrkdwn_would_read_as_markup():
    text = failure(steps=(FailedStep("sendinblue__newsletter", "Brevo answered <html> & gave up"),)).slack_text()
    assert "• step `sendinblue__newsletter`: Brevo answered &lt;html&gt; &amp; gave up" in text.splitlines()
    assert text.splitlines()[-1] == "Run `0f1e2d3c`"

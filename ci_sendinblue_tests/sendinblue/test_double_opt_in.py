"""Double opt-in, client side: who is asked to confirm, how membership is looked up, what each request holds,
and how the sync state keeps pending contacts (SQLite and PostgreSQL).

Brevo's answers come from ``httpx.MockTransport``; the whole flow runs over HTTP against the emulator in
``e2e/test_double_opt_in.py``.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta

import httpx
import pandas as pd
import pytest
import sqlalchemy as sa

from ci_sendinblue.config.models import DoubleOptIn
from ci_sendinblue.sendinblue.client import BrevoClient
from ci_sendinblue.sendinblue.double_opt_in import in_list, plan_double_opt_in, request_confirmations
from ci_sendinblue.sendinblue.drift import ListCounts
from ci_sendinblue.sendinblue.list_writer import ListWriter
from ci_sendinblue.sendinblue.policies import PollPolicy, RetryPolicy
from ci_sendinblue.sendinblue.progress import Heartbeat
from ci_sendinblue.sendinblue.sync_state import PENDING_TABLE

LOG = logging.getLogger(__name__)
FAST = RetryPolicy(attempts=2, timeout=5, wait_initial=0.001, wait_max=0.01, wait_jitter=0)
SETTINGS = DoubleOptIn(template_id=7, redirection_url="https://example.com/thanks")
NOW = datetime(2026, 11, 29, 8, 0, tzinfo=UTC)


def writer_for(handler, seen: list[httpx.Request]) -> ListWriter:
    def recording(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return handler(request)

    client = BrevoClient("http://brevo.test/v3", "key", retry=FAST, transport=httpx.MockTransport(recording))
    return ListWriter(client, 12, poll=PollPolicy(0.01, 0.01, 1), heartbeat=Heartbeat(LOG.info))


def pending_frame(requested: dict[str, datetime]) -> pd.DataFrame:
    return pd.DataFrame(
        {"email": pd.Series(list(requested), dtype=object), "requested_at": pd.Series(list(requested.values()))}
    )


def emails(*values: str) -> pd.Series:
    return pd.Series(list(values), dtype=object)


def listed_as(*members: str):
    return lambda candidates: candidates.isin(list(members))


# --- who is asked -------------------------------------------------------------------------------------------


def test_new_contacts_outside_the_list_are_asked_and_new_ones_already_in_it_are_imported():
    plan = plan_double_opt_in(
        emails("new@x.org", "known@x.org"), pending_frame({}), listed_as("known@x.org"), settings=SETTINGS, now=NOW
    )
    assert plan.request.tolist() == ["new@x.org"]
    assert plan.held_back.tolist() == ["new@x.org"]
    assert plan.confirmed.empty and plan.still_pending == 0


def test_a_pending_contact_is_not_asked_again_and_stays_out_of_the_import():
    pending = pending_frame({"lead@x.org": NOW - timedelta(days=2)})
    plan = plan_double_opt_in(emails("lead@x.org"), pending, listed_as(), settings=SETTINGS, now=NOW)
    assert plan.request.empty
    assert plan.held_back.tolist() == ["lead@x.org"]
    assert plan.still_pending == 1


def test_a_pending_contact_found_in_the_list_is_confirmed_and_imported():
    pending = pending_frame({"lead@x.org": NOW - timedelta(days=2), "slow@x.org": NOW - timedelta(days=1)})
    plan = plan_double_opt_in(
        emails("lead@x.org", "slow@x.org"), pending, listed_as("lead@x.org"), settings=SETTINGS, now=NOW
    )
    assert plan.confirmed.tolist() == ["lead@x.org"]
    assert plan.held_back.tolist() == ["slow@x.org"]
    assert plan.still_pending == 1


def test_a_pending_contact_is_asked_again_once_resend_after_days_have_passed():
    settings = SETTINGS.model_copy(update={"resend_after_days": 3})
    pending = pending_frame({"old@x.org": NOW - timedelta(days=3), "recent@x.org": NOW - timedelta(days=1)})
    plan = plan_double_opt_in(emails("old@x.org", "recent@x.org"), pending, listed_as(), settings=settings, now=NOW)
    assert plan.request.tolist() == ["old@x.org"]
    assert sorted(plan.held_back) == ["old@x.org", "recent@x.org"]


# --- membership: the cheaper way ------------------------------------------------------------------------------


def test_few_candidates_are_looked_up_one_by_one():
    seen: list[httpx.Request] = []

    def brevo(request: httpx.Request) -> httpx.Response:
        if request.url.raw_path == b"/v3/contacts/in%40x.org":
            return httpx.Response(200, json={"email": "in@x.org", "listIds": [3, 12]})
        if request.url.raw_path == b"/v3/contacts/other%40x.org":
            return httpx.Response(200, json={"email": "other@x.org", "listIds": [3]})
        return httpx.Response(404, json={"code": "document_not_found", "message": "Contact does not exist"})

    found = in_list(writer_for(brevo, seen), emails("in@x.org", "other@x.org", "none@x.org"), list_size=5000)
    assert found.tolist() == [True, False, False]
    assert [r.url.raw_path.decode() for r in seen] == [
        "/v3/contacts/in%40x.org",
        "/v3/contacts/other%40x.org",
        "/v3/contacts/none%40x.org",
    ]


def test_many_candidates_are_looked_up_by_reading_the_list():
    seen: list[httpx.Request] = []

    def brevo(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/v3/contacts/lists/12/contacts"
        return httpx.Response(200, json={"contacts": [{"email": "A@x.org"}, {"email": "b@x.org"}], "count": 2})

    found = in_list(writer_for(brevo, seen), emails("a@x.org", "b@x.org", "c@x.org"), list_size=2)
    assert found.tolist() == [True, True, False]
    assert len(seen) == 1


# --- the requests ---------------------------------------------------------------------------------------------


def test_each_request_holds_the_contact_its_attributes_the_list_template_and_redirection():
    seen: list[httpx.Request] = []
    recorded: list[list[str]] = []
    writer = writer_for(lambda request: httpx.Response(201), seen)
    contacts = pd.DataFrame({"email": ["a@x.org", "b@x.org"], "FIRSTNAME": ["Ann", None]})
    requested, refused = request_confirmations(
        writer, contacts, settings=SETTINGS, record=recorded.append, log=LOG, mask=True
    )
    assert (requested, refused) == (2, [])
    assert [json.loads(r.content) for r in seen] == [
        {
            "email": "a@x.org",
            "attributes": {"FIRSTNAME": "Ann"},
            "includeListIds": [12],
            "templateId": 7,
            "redirectionUrl": "https://example.com/thanks",
        },
        {
            "email": "b@x.org",
            "attributes": {},
            "includeListIds": [12],
            "templateId": 7,
            "redirectionUrl": "https://example.com/thanks",
        },
    ]
    assert {r.url.path for r in seen} == {"/v3/contacts/doubleOptinConfirmation"}
    assert recorded == [["a@x.org", "b@x.org"]]


def test_a_contact_brevo_refuses_is_reported_and_the_others_are_still_asked():
    def brevo(request: httpx.Request) -> httpx.Response:
        if json.loads(request.content)["email"] == "bad@x":
            return httpx.Response(400, json={"code": "invalid_parameter", "message": "Invalid email address"})
        return httpx.Response(204)

    recorded: list[list[str]] = []
    contacts = pd.DataFrame({"email": ["bad@x", "good@x.org"]})
    requested, refused = request_confirmations(
        writer_for(brevo, []), contacts, settings=SETTINGS, record=recorded.append, log=LOG, mask=True
    )
    assert (requested, refused) == (1, ["bad@x"])
    assert recorded == [["good@x.org"]]


def test_requests_sent_before_a_failure_are_recorded_as_pending():
    def brevo(request: httpx.Request) -> httpx.Response:
        if json.loads(request.content)["email"] == "c@x.org":
            return httpx.Response(403, json={"code": "permission_denied", "message": "Not allowed"})
        return httpx.Response(201)

    recorded: list[list[str]] = []
    contacts = pd.DataFrame({"email": ["a@x.org", "b@x.org", "c@x.org"]})
    with pytest.raises(Exception, match="403"):
        request_confirmations(
            writer_for(brevo, []), contacts, settings=SETTINGS, record=recorded.append, log=LOG, mask=True
        )
    assert recorded == [["a@x.org", "b@x.org"]]


# --- drift ----------------------------------------------------------------------------------------------------


def test_contacts_who_confirmed_between_runs_are_not_drift_in_mirror_mode():
    assert not ListCounts(brevo=12, state=10, mode="mirror", pending=3).drifted
    assert ListCounts(brevo=14, state=10, mode="mirror", pending=3).drifted
    assert ListCounts(brevo=9, state=10, mode="mirror", pending=3).drifted
    assert ListCounts(brevo=12, state=10, mode="mirror").drifted


# --- the sync state -------------------------------------------------------------------------------------------


def test_pending_contacts_are_kept_per_export_and_list_until_forgotten(store):
    store.record_pending("leads", [" Lead@X.org", "two@x.org"], 12, NOW)
    store.record_pending("other", ["lead@x.org"], 12, NOW)
    pending = store.load_pending("leads", 12)
    assert pending["email"].tolist() == ["lead@x.org", "two@x.org"]
    assert pending["requested_at"].tolist() == [NOW, NOW]
    assert store.pending_count("leads", 12) == 2
    assert store.load_pending("leads", 13).empty
    store.forget_pending("leads", ["lead@x.org"])
    assert store.load_pending("leads", 12)["email"].tolist() == ["two@x.org"]
    assert store.pending_count("other", 12) == 1


def test_a_resent_request_moves_its_date(store):
    store.record_pending("leads", ["lead@x.org"], 12, NOW)
    store.record_pending("leads", ["lead@x.org"], 12, NOW + timedelta(days=3))
    assert store.load_pending("leads", 12)["requested_at"].tolist() == [NOW + timedelta(days=3)]


def test_pending_contacts_are_not_members_of_the_state(store):
    store.record_pending("leads", ["lead@x.org"], 12, NOW)
    assert store.load("leads").empty
    assert store.summary("leads") is None


def test_a_database_from_before_double_opt_in_gains_the_pending_table(open_store):
    store = open_store()
    with store.engine.begin() as conn:
        store.pending.drop(conn)
    assert not sa.inspect(store.engine).has_table(PENDING_TABLE, schema=store.pending.schema)
    again = open_store()
    again.record_pending("leads", ["lead@x.org"], 12, NOW)
    assert again.pending_count("leads", 12) == 1

"""The built-in Sigma rule pack: every rule loads, rests on an IBM page, fires on its example and
not on its counter-example, and over the sample logs fires on the documented scenarios only."""

from __future__ import annotations

from pathlib import Path

import pytest

from tui.core.detect import BUILTIN_DIR, Detector, load_rules, locate, parse_working_hours

from tests.core.conftest import event, read_paths, write_lines

ROOT = Path(__file__).resolve().parents[2]
PAGES = {
    "https://cloud.ibm.com/docs/activity-tracker?topic=activity-tracker-at_events_iam",
    "https://cloud.ibm.com/docs/activity-tracker?topic=activity-tracker-at_events_acc_mgt",
    "https://cloud.ibm.com/docs/Cloudant?topic=Cloudant-at_events",
    "https://cloud.ibm.com/docs/activity-tracker?topic=activity-tracker-iam_manage_login",
}
PREFIX = "2b0f5c1e-6a43-4f0e-9d51-7c1a9e3b8d"


@pytest.fixture(scope="module")
def pack():
    return load_rules(hours=parse_working_hours("08:00-18:00 Mon-Fri UTC"))


def settings(**pairs: str) -> dict:
    return {"account_id": "a1", "request_body": pairs}


def _time(day: int, hour: int, minute: int = 0) -> str:
    return f"2026-11-{day:02d}T{hour:02d}:{minute:02d}:00.00+0000"


# Per rule (the last two digits of its id): events it must fire on, and events it must not.
EXAMPLES: dict[str, tuple[list[dict], list[dict]]] = {
    "01": ([event(action="iam-identity.accountsettings.update",
                  requestData=settings(old_mfa_traits="LEVEL1", new_mfa_traits="NONE"))],
           [event(action="iam-identity.accountsettings.update",
                  requestData=settings(old_mfa_traits="NONE", new_mfa_traits="NONE"))]),
    "02": ([event(action="iam-identity.account-serviceid.update", outcome="failure", requestData={"lock": True})],
           [event(action="iam-identity.account-serviceid.update", outcome="success", requestData={"lock": True})]),
    "03": ([event(action="iam-identity.user-apikey.update",
                  requestData={"lock": False, "instance_name": "k", "prev_instance_name": "k"})],
           [event(action="iam-identity.user-apikey.update",
                  requestData={"lock": False, "instance_name": "k2", "prev_instance_name": "k"})]),
    "04": ([event(action="cloudantnosqldb.activity-tracker-event-types.write", requestData={"types": ["management"]})],
           [event(action="cloudantnosqldb.activity-tracker-event-types.write",
                  requestData={"types": ["management", "data"]})]),
    "05": ([event(action="iam-identity.accountsettings.update",
                  requestData=settings(old_allowed_ip_addresses="RESTRICTED", new_allowed_ip_addresses="NOT_RESTRICTED"))],
           [event(action="iam-identity.accountsettings.update",
                  requestData=settings(old_restrict_create_service_id="NOT_RESTRICTED",
                                       new_restrict_create_service_id="RESTRICTED"))]),
    "06": ([event(action="iam-groups.member.add", target={"name": "Cloud Admins", "id": "AccessGroupId-1"})],
           [event(action="iam-groups.account-settings.update", requestData={"public_access_enabled": False})]),
    "07": ([event(action="iam-am.policy.delete")], [event(action="iam-am.policy.update")]),
    "08": ([event(action="iam-identity.user-apikey.create")], [event(action="iam-identity.user-apikey.update")]),
    "09": ([event(action="user-management.user.delete")],
           [event(action="user-management.user.delete", outcome="pending", reason={"reasonCode": 202})]),
    "10": ([event(action="iam-identity.account-serviceid.update", outcome="failure",
                  initiator={"id": "IBMid-1", "name": ""}, reason={"reasonCode": 403})],
           [event(action="iam-identity.account-serviceid.update", outcome="failure",
                  reason={"reasonCode": 403}, requestData={"lock": True})]),
    "11": ([event(action="iam-identity.account-profile.create",
                  message="IAM Identity Service: create account-profile p Warning: You have reached 90% of the"
                          " maximum number of allowed Trusted Profiles in account a1.")],
           [event(action="iam-identity.account-profile.create", message="IAM Identity Service: create account-profile p")]),
    "13": ([event(outcome="failure", reason={"reasonCode": 401}, eventTime=_time(20, 10, m)) for m in range(5)],
           [event(outcome="failure", reason={"reasonCode": 401}, eventTime=_time(20, 10, 3 * m)) for m in range(5)]),
    "15": ([event(action="iam-groups.groups.list", eventTime=_time(20, 10, m // 4)) for m in range(101)],
           [event(action="iam-groups.groups.list", eventTime=_time(20, 10, m // 4)) for m in range(100)]),
    "16": ([event(action="iam-groups.group.delete", eventTime=_time(20, 23))],  # a Friday night
           [event(action="iam-groups.group.delete", eventTime=_time(20, 11))]),
}


def test_every_rule_loads_and_rests_on_an_ibm_page(pack):
    assert not pack.problems, pack.problems
    ids = [r.id for r in pack.rules] + [c.id for c in pack.correlations]
    assert len(ids) == len(set(ids)) == 16
    for item in [*pack.rules, *pack.correlations]:
        assert item.references and set(item.references) <= PAGES, item.title
        assert Path(item.origin).parent == BUILTIN_DIR


def test_every_alerting_rule_has_an_example_and_a_counter_example(pack):
    silent = {r.id for r in pack.rules if r.name in {ref for c in pack.correlations for ref in c.rules}}
    alerting = {i.id[-2:] for i in [*pack.rules, *pack.correlations] if i.id not in silent}
    assert alerting == set(EXAMPLES)


@pytest.mark.parametrize("suffix", sorted(EXAMPLES))
def test_rule_fires_on_its_example_and_not_on_its_counter_example(pack, tmp_path, suffix):
    positive, negative = EXAMPLES[suffix]
    for events, expected in ((positive, True), (negative, False)):
        store = read_paths(write_lines(tmp_path / f"{expected}.jsonl", events))
        fired = {a.rule_id[-2:] for a in Detector(store, pack).sweep()}
        assert (suffix in fired) is expected, (suffix, expected, fired)


# The sample logs' README says what each line shows: these are the lines each rule must fire on.
SAMPLE_HITS = {
    ("account_settings.jsonl", 4): {"01"},  # MFA set off (deprecated reporting)
    ("account_settings.jsonl", 6): {"01"},  # MFA weakened: TOTP to NONE
    ("account_settings.jsonl", 12): {"05"},  # API key creation restriction lifted
    ("serviceids_apikeys.jsonl", 4): {"02"},  # rename of a locked service ID fails
    ("serviceids_apikeys.jsonl", 5): {"03"},  # service ID unlocked
    ("serviceids_apikeys.jsonl", 8): {"02"},  # change of a locked user API key fails
    ("serviceids_apikeys.jsonl", 11): {"10"},  # initiator without permission
    ("serviceids_apikeys.jsonl", 12): {"11"},  # 90 % of service IDs
    ("serviceids_apikeys.jsonl", 13): {"08", "11"},  # API key created, 90 % of API keys
    ("serviceids_apikeys.jsonl", 14): {"11"},  # 90 % of trusted profiles
    ("serviceids_apikeys.jsonl", 15): {"07", "11"},  # policy created, 90 % of policies
    ("cloudant.jsonl", 16): {"10"},  # document read refused: 403
    ("cloudant.jsonl", 18): {"04"},  # data events switched off
    ("support.jsonl", 3): {"10"},  # initiator without permission
    ("support.jsonl", 4): {"10"},  # the same initiator again
    ("users.jsonl", 2): {"09"},  # invitation completed
    ("users.jsonl", 15): {"09"},  # removal completed
    ("users.jsonl", 16): {"09"},  # user created by an invitation into another account
    ("hostile.jsonl", 5): {"08"},  # a service ID API key created (with very long values)
    ("hostile.jsonl", 6): {"02"},  # lock "true" as a string, failure: a locked key
}


def test_over_the_sample_logs_rules_fire_on_the_documented_scenarios_only(pack):
    store = read_paths(ROOT / "sample_logs")
    found: dict[tuple[str, int], set[str]] = {}
    for alert in Detector(store, pack).sweep():
        for place in locate(store, alert.rows):
            found.setdefault((Path(place.source).name, place.line), set()).add(alert.rule_id[-2:])
    assert found == SAMPLE_HITS


def test_the_sweep_finds_what_each_rules_query_finds_alone(pack):
    """The sweep picks candidates by a looser query from the columns and raw bytes: never fewer events."""
    from tui.core.filtering import Filter

    store = read_paths(ROOT / "sample_logs")
    detector = Detector(store, pack)
    for index, rule in enumerate(pack.rules):
        assert list(detector._rows(index)) == list(Filter(store, rule.node).rows()), rule.title

"""Comparing two events field by field, and turning one field into a query that matches it."""

from __future__ import annotations

import copy
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from catalog.loader import split_path
from tests.core.reference import matches
from tui.core.compare import (
    FieldDiff,
    diff_events,
    field_query,
    flatten,
    query_field,
    value_text,
)
from tui.core.generator import generate_events
from tui.core.query import parse

ROOT = Path(__file__).resolve().parents[2]

SERVICEID = "crn:v1:bluemix:public:iam-identity::a/cd613e30d8f16adf91b7584a2265b1f5::serviceid:ServiceId-75a89294"


def serviceid_update(**request: object) -> dict:
    """An iam-identity.serviceid.update as IAM logs it: requestData says what the request changed."""
    return {
        "eventTime": "2026-11-20T00:00:37.59+0000",
        "action": "iam-identity.serviceid.update",
        "outcome": "success",
        "severity": "warning",
        "message": "IAM Identity Service: update serviceid log-shipper",
        "logSourceCRN": "crn:v1:bluemix:public:iam-identity:global:a/cd613e30d8f16adf91b7584a2265b1f5:::",
        "saveServiceCopy": True,
        "dataEvent": False,
        "observer": {"name": "ActivityTracker"},
        "initiator": {"id": "IBMid-310007TJKA", "name": "lukas.garcia@example.net",
                      "typeURI": "service/security/account/user", "credential": {"type": "token"},
                      "host": {"address": "62.210.55.205", "addressType": "IPv4", "agent": "IBM Cloud CLI"}},
        "target": {"id": SERVICEID, "name": "log-shipper", "typeURI": "iam-identity/serviceid"},
        "reason": {"reasonCode": 200, "reasonType": "OK"},
        "requestData": {"instance_name": "log-shipper", "prev_instance_name": "log-shipper", "lock": False,
                        "description": "Owned by platform team"} | request,
        "responseData": {"iam_id": "iam-ServiceId-75a89294", "entity_tag": "12-3a6338ee"},
        "correlationId": "e74f58b9-99ab-4f99-8a19-de64e3bdcc05",
    }


def invitation(outcome: str, state: str) -> dict:
    """A user-management.user.invite: first pending (202), then the outcome of the asynchronous work."""
    return {
        "eventTime": "2026-11-20T00:04:49.65+0000" if outcome == "pending" else "2026-11-20T00:04:52.10+0000",
        "action": "user-management.user.invite",
        "outcome": outcome,
        "severity": "normal",
        "message": "IAM User Management: invite user raj@example.com" + (" -pending" if outcome == "pending" else ""),
        "initiator": {"id": "IBMid-060009FSGT", "name": "lukas.ivanov@example.com"},
        "target": {"id": "crn:v1:bluemix:public:user-management:global:a/cd61:::", "name": "raj@example.com"},
        "reason": {"reasonCode": 202 if outcome == "pending" else 200, "reasonType": "Accepted" if outcome == "pending" else "OK"},
        "requestData": {"users": [{"email": "raj@example.com", "account_role": "Member"}],
                        "access_groups": ["AccessGroupId-a9ec0806"]},
        "responseData": {"resources": [{"email": "raj@example.com", "state": state}]},
        "correlationId": "fc277ac3-0937-47ea-8ea7-c7ed51765781",
    }


def test_serviceid_update_before_and_after_lists_exactly_what_changed() -> None:
    before = serviceid_update()
    after = serviceid_update(instance_name="backup-agent", lock=True)
    after["eventTime"] = "2026-11-20T00:05:01.00+0000"
    after["reason"] = {"reasonCode": 403, "reasonType": "Forbidden",
                       "reasonForFailure": "The resource is locked. Unlock it before you change its attributes."}
    assert diff_events(before, after) == [
        FieldDiff("eventTime", "2026-11-20T00:00:37.59+0000", "2026-11-20T00:05:01.00+0000", "changed", ("eventTime",)),
        FieldDiff("reason.reasonCode", "200", "403", "changed", ("reason", "reasonCode")),
        FieldDiff("reason.reasonType", "OK", "Forbidden", "changed", ("reason", "reasonType")),
        FieldDiff("reason.reasonForFailure", None, "The resource is locked. Unlock it before you change its attributes.",
                  "added", ("reason", "reasonForFailure")),
        FieldDiff("requestData.instance_name", "log-shipper", "backup-agent", "changed", ("requestData", "instance_name")),
        FieldDiff("requestData.lock", "false", "true", "changed", ("requestData", "lock")),
    ]


def test_invitation_pending_then_success_walks_into_lists_of_objects() -> None:
    diffs = diff_events(invitation("pending", "PROCESSING"), invitation("success", "ACTIVE"))
    assert [(d.path, d.before, d.after) for d in diffs] == [
        ("eventTime", "2026-11-20T00:04:49.65+0000", "2026-11-20T00:04:52.10+0000"),
        ("outcome", "pending", "success"),
        ("message", "IAM User Management: invite user raj@example.com -pending", "IAM User Management: invite user raj@example.com"),
        ("reason.reasonCode", "202", "200"),
        ("reason.reasonType", "Accepted", "OK"),
        ("responseData.resources[0].state", "PROCESSING", "ACTIVE"),
    ]
    # The path without its list position is the field as a query reads it.
    assert diffs[-1].parts == ("responseData", "resources", "state")


def test_identical_events_and_key_order_give_no_difference() -> None:
    event = serviceid_update()
    assert diff_events(event, copy.deepcopy(event)) == []
    reordered = dict(reversed(list(event.items())))
    assert diff_events(event, reordered) == []


def test_keys_with_dots_are_bracketed_and_missing_fields_are_added_or_removed() -> None:
    before = {"action": "iam-identity.account-settings.update", "requestData": {"token.account.bss": "a", "gone": {"x": 1, "y": [1, 2]}}}
    after = {"action": "iam-identity.account-settings.update", "requestData": {"token.account.bss": "b", "new key": True}}
    assert diff_events(before, after) == [
        FieldDiff('requestData["token.account.bss"]', "a", "b", "changed", ("requestData", "token.account.bss")),
        FieldDiff("requestData.gone.x", "1", None, "removed", ("requestData", "gone", "x")),
        FieldDiff("requestData.gone.y", "[1,2]", None, "removed", ("requestData", "gone", "y")),
        FieldDiff('requestData["new key"]', None, "true", "added", ("requestData", "new key")),
    ]
    assert split_path('requestData["token.account.bss"]') == ("requestData", "token.account.bss")


def test_lists_of_plain_values_compare_whole_and_lists_of_objects_by_position() -> None:
    before = {"tags": ["env:prod", "team:iam"], "items": [{"id": 1}, {"id": 2}]}
    after = {"tags": ["env:prod", "team:iam", "owner:ops"], "items": [{"id": 1}]}
    assert [(d.path, d.before, d.after, d.kind) for d in diff_events(before, after)] == [
        ("tags", '["env:prod","team:iam"]', '["env:prod","team:iam","owner:ops"]', "changed"),
        ("items[1].id", "2", None, "removed"),
    ]


def test_values_keep_their_json_type() -> None:
    # 200 and "200", true and "true", 1 and 1.0 are different values in the log.
    diffs = diff_events({"code": 200, "lock": True, "n": 1, "t": "x"}, {"code": "200", "lock": "true", "n": 1.0, "t": {"x": 1}})
    assert [(d.path, d.before, d.after) for d in diffs] == [
        ("code", "200", '"200"'), ("lock", "true", '"true"'), ("n", "1", "1.0"), ("t", "x", '{"x":1}')]
    assert diff_events({"a": True}, {"a": 1}) != []


def test_values_that_are_not_objects_are_compared_whole() -> None:
    assert diff_events([1, 2], [1, 2]) == []
    assert diff_events("line", {"a": 1}) == [FieldDiff("", "line", '{"a":1}', "changed", ())]
    assert diff_events(None, None) == []
    assert [d.path for d in diff_events([{"a": 1}], [{"a": 2}])] == ["[0].a"]


def test_deep_nesting_is_compared_without_failing() -> None:
    deep: object = "end"
    for _ in range(300):
        deep = {"k": deep}
    other = copy.deepcopy(deep)
    assert diff_events({"x": deep}, {"x": other}) == []
    assert len(diff_events({"x": deep}, {"x": {"k": 1}})) == 1


def test_flatten_lists_every_field_in_document_order() -> None:
    event = invitation("pending", "PROCESSING")
    paths = [path for path, _ in flatten(event)]
    assert paths[:3] == ["eventTime", "action", "outcome"]
    assert "requestData.users[0].email" in paths
    assert ("requestData.access_groups", ["AccessGroupId-a9ec0806"]) in flatten(event)
    assert flatten({"e": {}, "l": []}) == [("e", {}), ("l", [])]
    assert value_text({"a": [1, None]}) == '{"a":[1,null]}'


# ----------------------------------------------------------------------------- a field as a query


def test_field_queries_read_as_users_type_them() -> None:
    assert field_query(("initiator", "host", "agent"), "IBM Cloud CLI") == 'initiator.host.agent:"IBM Cloud CLI"'
    assert field_query(("requestData", "lock"), True) == "requestData.lock:true"
    assert field_query(("reason", "reasonCode"), 403, exclude=True) == "-reason.reasonCode:403"
    assert field_query(("requestData", "token.account.bss"), "x") == 'requestData["token.account.bss"]:x'
    assert field_query(("target", "id"), None) == "-_exists_:target.id"
    assert field_query(("a",), {"b": 1}) is None
    assert field_query(("a",), []) is None
    # An alias or keyword as a key is bracketed so that it is read as the key itself.
    assert query_field(("time",)) == '["time"]'
    assert query_field(("AND",)) == '["AND"]'


HOSTILE = {
    "message": 'say "hi" \\ [bold]red[/bold] \x1b[31mred\x1b[0m',
    "requestData": {"a.b": {"c d": "x\ny"}, "x:y": 1.5, "(p)": [1, "2", None], "-neg": "\u202eevil", "time": "t",
                    "AND": False, "none": None, "quote\"key": "v", "back\\slash": "*?"},
}


@pytest.mark.parametrize("event", [HOSTILE, serviceid_update(lock=True), invitation("pending", "PROCESSING")],
                         ids=["hostile", "serviceid", "invitation"])
def test_every_field_query_parses_and_keeps_or_drops_its_event(event: dict) -> None:
    raw = orjson.dumps(event)
    built = 0
    for path, value in flatten(event):
        for exclude in (False, True):
            query = field_query(split_path(path), value, exclude=exclude)
            if query is None:
                continue
            built += 1
            assert printable_only(query), query
            assert matches(parse(query), event, raw) is not exclude, (path, query)
    assert built >= 2 * (len(flatten(event)) - 1)


def printable_only(query: str) -> bool:
    """A query the filter bar can show: no control or bidirectional characters."""
    from tui.core.present import printable
    return printable(query) == query


def test_field_queries_match_generated_events() -> None:
    for event in generate_events(300, seed=7):
        raw = orjson.dumps(event)
        for path, value in flatten(event):
            query = field_query(split_path(path), value)
            if query is not None:
                assert matches(parse(query), event, raw), (path, query)


def test_compare_imports_no_ui_library() -> None:
    code = ("import sys, tui.core.compare\n"
            "print(','.join(sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich'))))\n")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""


def test_a_last_key_named_keyword_or_numeric_is_bracketed():
    """A field built from an event (the detail pane's filters) whose last key is `keyword` or
    `numeric` is written `["keyword"]`: bare, the query would read Cloud Logs' suffix."""
    assert query_field(("requestData", "keyword")) == 'requestData["keyword"]'
    assert query_field(("requestData", "numeric")) == 'requestData["numeric"]'
    assert field_query(("requestData", "keyword"), "x") == 'requestData["keyword"]:x'
    assert query_field(("keyword",)) == "keyword"
    assert query_field(("keyword", "a")) == "keyword.a"

"""Fields no event has: found from what the query built, said once each, with the nearest known field."""

from __future__ import annotations

from pathlib import Path

import pytest

from catalog import default
from tui.core.fields import documented_paths, missing_fields, query_fields, still_missing, suggest
from tui.core.filtering import Filter
from tui.core.query import field_ref, parse

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "sample_logs"


@pytest.fixture
def samples(read_paths):
    """The 128 events of the sample logs."""
    store = read_paths(SAMPLES)
    assert len(store) == 128
    return store


def documented():
    return documented_paths(default())


def said(store, query: str) -> list[str]:
    """What atlens says about the fields of a query, once it has been answered."""
    node = parse(query)
    Filter(store, node).rows()
    return [m.message() for m in missing_fields(store, query_fields(node), documented)]


def test_a_misspelt_field_is_said_with_the_field_meant(samples):
    assert said(samples, "outcom:failure") == ["no event has `outcom`; did you mean `outcome`?"]
    assert said(samples, "requestData.lok:true") == ["no event has `requestData.lok`; did you mean `requestData.lock`?"]
    # A field written in the wrong case is another field: said, with the right spelling.
    assert said(samples, "Outcome:failure") == ["no event has `Outcome`; did you mean `outcome`?"]


def test_fields_events_have_short_names_and_documented_fields_are_not_said(samples):
    assert said(samples, "outcome:failure initiator:alice* code:>=400 -ip:10.* _exists_:requestData.lock") == []
    # In the catalog but in none of these events: a real field, only absent here.
    assert said(samples, "requestData.sub_account_id:a1 target.alias:x") == []


def test_each_field_is_said_once_and_a_field_far_from_any_is_said_without_a_guess(samples):
    assert said(samples, "zzqx:1 OR (zzqx:2 -zzqx:3) outcome:failure") == ["no event has `zzqx`"]


def test_printed_fields_are_checked_too(samples):
    refs = [field_ref("action"), field_ref("nosuch.field"), field_ref("severty")]
    found = missing_fields(samples, refs, documented)
    assert [m.text for m in found] == ["nosuch.field", "severty"]
    assert found[1].suggestion == "severity"


def test_a_field_found_in_events_that_arrive_later_is_no_longer_said(tmp_path, read_path, write_lines, event):
    log = write_lines(tmp_path / "a.log", [event(action=f"iam-am.policy.n{i}") for i in range(3)])
    store = read_path(log)
    missing = missing_fields(store, [field_ref("requestData.shard")], documented)
    assert [m.text for m in missing] == ["requestData.shard"]
    before = len(store)
    write_lines(log, [event(action=f"iam-am.policy.n{i}") for i in range(3)]
                + [event(action="iam-am.policy.late", requestData={"shard": 7})])
    grown = read_path(log)
    assert still_missing(grown, missing, before, len(grown) - 1) == missing  # not in the events before it
    assert still_missing(grown, missing, before, len(grown)) == []


def test_a_guess_differs_from_the_field_typed_in_one_part_spelt_nearly_alike():
    names = ["outcome", "requestData.mfa", "requestData.lock", "initiator.name", "initiator.host.address"]
    assert suggest("requestData.shard", names) == ""  # a shared start is no likeness
    assert suggest("initator.name", names) == "initiator.name"
    assert suggest("initiator.host.adress", names) == "initiator.host.address"
    assert suggest("requestDatalock", names) == "requestData.lock"
    assert suggest("REQUESTDATA.LOCK", names) == "requestData.lock"


def test_fields_with_cloud_logs_suffixes_are_the_fields_themselves(samples):
    """`action.keyword` is `action`: never said to be missing; a misspelt one is said by the
    field meant, the suggestion keeping the suffix typed."""
    assert said(samples, "action.keyword:iam-identity.* reason.reasonCode.numeric:[400 TO 499] "
                         "_exists_:initiator.name.keyword code.numeric:>=400") == []
    assert said(samples, "actoin.keyword:x") == ["no event has `actoin` (`actoin.keyword`); did you mean `action.keyword`?"]
    found = missing_fields(samples, [field_ref("action.keyword"), field_ref("severty.keyword")], documented)
    assert [m.message() for m in found] == ["no event has `severty` (`severty.keyword`); did you mean `severity.keyword`?"]

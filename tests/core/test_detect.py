"""Sigma rules compiled to atlens queries: selections, modifiers, conditions, bad rules, sweeps and correlations."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from tui.core.detect import Detector, load_rules
from tui.core.filtering import Filter

from tests.core.conftest import event, read_paths, write_lines

HEADER = """\
title: {title}
id: {id}
status: test
level: {level}
logsource:
  product: ibm_cloud
  service: activity_tracker
"""


def rule_file(folder: Path, name: str, detection: str, *, title: str = "a rule", level: str = "high",
              rule_id: str | None = None, extra: str = "") -> Path:
    """A Sigma rule written to folder/name.yml with the detection given as YAML text."""
    folder.mkdir(parents=True, exist_ok=True)
    rid = rule_id or f"00000000-0000-4000-8000-{abs(hash(name)) % 10**12:012d}"
    text = HEADER.format(title=title, id=rid, level=level) + extra + "detection:\n" + textwrap.indent(
        textwrap.dedent(detection).strip() + "\n", "  ")
    path = folder / f"{name}.yml"
    path.write_text(text)
    return path


def matching(tmp_path: Path, detection: str, events: list[dict]) -> list[int]:
    """Which of the events (by index) the one rule with this detection matches, over the store and one by one."""
    rules = load_rules([rule_file(tmp_path / "rules", "r", detection)], builtin=False)
    assert not rules.problems, rules.problems
    (rule,) = rules.rules
    store = read_paths(write_lines(tmp_path / "events.jsonl", events))
    bulk = sorted(Filter(store, rule.node).rows())
    one_by_one = [row for row in range(len(store)) if Filter(store, rule.node).test(row)]
    assert bulk == one_by_one
    return bulk


def test_selection_map_is_and_and_list_is_or(tmp_path):
    events = [event(action="iam-identity.user-apikey.create", outcome="success"),
              event(action="iam-identity.user-apikey.create", outcome="failure"),
              event(action="iam-identity.serviceid-apikey.create", outcome="success"),
              event(action="iam-identity.user-apikey.delete", outcome="success")]
    detection = """
        selection:
          action:
            - iam-identity.user-apikey.create
            - iam-identity.serviceid-apikey.create
          outcome: success
        condition: selection
    """
    assert matching(tmp_path, detection, events) == [0, 2]


def test_modifiers_contains_startswith_endswith_all(tmp_path):
    events = [event(action="iam-groups.group.delete", message="Delete group Admins now"),
              event(action="iam-groups.member.delete", message="Delete member from group"),
              event(action="iam-am.policy.create", message="Create policy")]
    assert matching(tmp_path, """
        sel:
          action|startswith: iam-groups.
          action|endswith: .delete
          message|contains|all: [admins, group]
        condition: sel
    """, events) == [0]


def test_exists_and_null(tmp_path):
    """As in Elasticsearch (and atlens's _exists_), a null value is no value."""
    events = [event(requestData={"lock": True}), event(requestData={}), event(requestData={"lock": None})]
    assert matching(tmp_path, """
        sel:
          requestData.lock|exists: true
        condition: sel
    """, events) == [0]
    assert matching(tmp_path, """
        sel:
          requestData.lock: null
        condition: sel
    """, events) == [1, 2]


def test_numeric_comparisons(tmp_path):
    events = [event(reason={"reasonCode": code}) for code in (200, 401, 403, 500)]
    assert matching(tmp_path, """
        low:
          reason.reasonCode|gte: 401
        high:
          reason.reasonCode|lt: 500
        condition: low and high
    """, events) == [1, 2]


def test_regular_expression_searches_anywhere_and_is_case_sensitive(tmp_path):
    events = [event(initiator={"name": "svc-Deploy-7@example.com"}), event(initiator={"name": "svc-deploy-7@example.com"}),
              event(initiator={"name": "a@b"})]
    assert matching(tmp_path, r"""
        sel:
          initiator.name|re: 'Deploy-\d+@'
        condition: sel
    """, events) == [0]
    assert matching(tmp_path, r"""
        sel:
          initiator.name|re|i: '^svc-deploy'
        condition: sel
    """, events) == [0, 1]


def test_cidr(tmp_path):
    events = [event(initiator={"host": {"address": a}}) for a in ("10.1.17.3", "10.1.48.1", "2001:db8::5", "not an ip")]
    assert matching(tmp_path, """
        sel:
          initiator.host.address|cidr:
            - 10.1.16.0/20
            - 2001:db8::/32
        condition: sel
    """, events) == [0, 2]


def test_keywords_are_free_text(tmp_path):
    events = [event(message="Rotate the API key"), event(message="nothing here")]
    assert matching(tmp_path, """
        keywords:
          - 'api key'
        condition: keywords
    """, events) == [0]


def test_condition_of_selectors_not_and_parentheses(tmp_path):
    events = [event(action="a.b.create", outcome="failure"), event(action="a.b.delete", outcome="success"),
              event(action="a.b.read", outcome="failure"), event(action="a.b.create", outcome="success")]
    detection = """
        selection_create:
          action: a.b.create
        selection_delete:
          action: a.b.delete
        filter_ok:
          outcome: success
        condition: (1 of selection_*) and not filter_ok
    """
    assert matching(tmp_path, detection, events) == [0]
    assert matching(tmp_path, """
        s1:
          action|startswith: a.b.
        s2:
          outcome: failure
        condition: all of them
    """, events) == [0, 2]


def test_rules_atlens_cannot_run_are_reported_and_the_others_run(tmp_path):
    folder = tmp_path / "rules"
    rule_file(folder, "good", "sel:\n  action: a.b.c\ncondition: sel", title="good one")
    rule_file(folder, "unknown_modifier", "sel:\n  action|frobnicate: x\ncondition: sel", title="frob")
    rule_file(folder, "lookaround", "sel:\n  action|re: 'a(?=b)'\ncondition: sel", title="ahead")
    (folder / "broken.yml").write_text("title: [unclosed\n")
    other = rule_file(folder, "windows", "sel:\n  action: a\ncondition: sel", title="windows rule")
    other.write_text(other.read_text().replace("product: ibm_cloud", "product: windows"))
    rules = load_rules([folder], builtin=False)
    assert [r.title for r in rules.rules] == ["good one"]
    problems = {Path(p.file).name: p for p in rules.problems}
    assert set(problems) == {"unknown_modifier.yml", "lookaround.yml", "broken.yml", "windows.yml"}
    assert problems["unknown_modifier.yml"].title == "frob" and "frobnicate" in problems["unknown_modifier.yml"].reason
    assert "windows" in problems["windows.yml"].reason
    assert "look" in problems["lookaround.yml"].reason


def test_a_rule_can_be_disabled_by_id(tmp_path):
    folder = tmp_path / "rules"
    rule_file(folder, "one", "sel:\n  action: a.b.c\ncondition: sel", rule_id="11111111-1111-4111-8111-111111111111")
    rule_file(folder, "two", "sel:\n  action: a.b.d\ncondition: sel", rule_id="22222222-2222-4222-8222-222222222222")
    rules = load_rules([folder], builtin=False, disabled={"11111111-1111-4111-8111-111111111111"})
    assert [r.id for r in rules.rules] == ["22222222-2222-4222-8222-222222222222"]


def _at(minute: int, second: int = 0) -> str:
    return f"2026-11-20T10:{minute:02d}:{second:02d}.00+0000"


def test_sweep_gives_alerts_with_the_events_source_and_line(tmp_path):
    folder = tmp_path / "rules"
    rule_file(folder, "r", "sel:\n  action: a.b.delete\ncondition: sel", title="deleted", level="medium",
              extra="tags:\n  - attack.impact\n")
    store = read_paths(write_lines(tmp_path / "ev.jsonl", [event(action="a.b.read", eventTime=_at(1)),
                                                           event(action="a.b.delete", eventTime=_at(2))]))
    detector = Detector(store, load_rules([folder], builtin=False))
    (alert,) = detector.sweep()
    assert alert.title == "deleted" and alert.level == "medium" and alert.tags == ("attack.impact",)
    (where,) = detector.locate(alert)
    assert where.source.endswith("ev.jsonl") and where.line == 2


def _correlation(folder: Path, text: str) -> None:
    (folder / "corr.yml").write_text(textwrap.dedent(text))


def test_event_count_correlation_fires_once_per_burst_within_the_timespan(tmp_path):
    folder = tmp_path / "rules"
    rule_file(folder, "fail", "sel:\n  outcome: failure\ncondition: sel", rule_id="33333333-3333-4333-8333-333333333333",
              extra="name: failure_by_initiator\n")
    _correlation(folder, """
        title: burst of failures
        id: 44444444-4444-4444-8444-444444444444
        level: high
        correlation:
          type: event_count
          rules:
            - failure_by_initiator
          group-by:
            - initiator.name
          timespan: 5m
          condition:
            gte: 3
    """)
    events = ([event(outcome="failure", eventTime=_at(m), initiator={"name": "bob"}) for m in (0, 1, 2)]
              + [event(outcome="failure", eventTime=_at(m), initiator={"name": "eve"}) for m in (0, 6, 12)]
              + [event(outcome="failure", eventTime=_at(20, s), initiator={"name": "eve"}) for s in (1, 2)])
    store = read_paths(write_lines(tmp_path / "ev.jsonl", events))
    rules = load_rules([folder], builtin=False)
    assert not rules.problems, rules.problems
    alerts = [a for a in Detector(store, rules).sweep() if a.rule_id.startswith("4444")]
    assert [(a.group, len(a.rows)) for a in alerts] == [(("bob",), 3)]


def test_value_count_correlation(tmp_path):
    folder = tmp_path / "rules"
    rule_file(folder, "login", "sel:\n  action|endswith: .login\ncondition: sel", extra="name: logins\n")
    _correlation(folder, """
        title: many addresses
        id: 55555555-5555-4555-8555-555555555555
        level: medium
        correlation:
          type: value_count
          rules: [logins]
          group-by: [initiator.name]
          timespan: 10m
          condition:
            field: initiator.host.address
            gt: 2
    """)
    events = [event(eventTime=_at(m), initiator={"name": "bob", "host": {"address": f"192.0.2.{a}"}})
              for m, a in ((0, 1), (1, 1), (2, 2), (3, 3), (4, 3))]
    store = read_paths(write_lines(tmp_path / "ev.jsonl", events))
    alerts = [a for a in Detector(store, load_rules([folder], builtin=False)).sweep() if a.rule_id.startswith("5555")]
    assert len(alerts) == 1 and len(alerts[0].rows) == 4


def test_arriving_events_raise_the_same_alerts_as_a_sweep(tmp_path):
    folder = tmp_path / "rules"
    rule_file(folder, "fail", "sel:\n  outcome: failure\ncondition: sel", extra="name: fails\n")
    _correlation(folder, """
        title: burst
        id: 66666666-6666-4666-8666-666666666666
        level: high
        correlation:
          type: event_count
          rules: [fails]
          group-by: [initiator.name]
          timespan: 5m
          condition:
            gte: 2
    """)
    events = [event(outcome="failure", eventTime=_at(m), initiator={"name": "bob"}) for m in (0, 1, 9)]
    store = read_paths(write_lines(tmp_path / "ev.jsonl", events))
    rules = load_rules([folder], builtin=False)
    swept = [(a.rule_id, a.rows) for a in Detector(store, rules).sweep()]
    live = Detector(store, rules)
    arrived = [(a.rule_id, a.rows) for row in range(len(store)) for a in live.test(row)]
    assert swept == arrived
    assert sum(1 for rid, _ in swept if rid.startswith("6666")) == 1


@pytest.mark.parametrize(("pattern", "flags", "matches", "misses"), [
    (r"@example\.com$", set(), ["bob@example.com"], ["bob@example.com.evil", "bob@exampleXcom"]),
    (r"^(admin|root)", set(), ["admin-1", "root"], ["sysadmin"]),
    (r"key.+?id", set(), ["key-id", "KEY key:id"], ["keyid", "key\nid"]),
    (r"key.+id", {"DOTALL"}, ["key\nid"], []),
    (r"[a-c]{2,3}\d", {"IGNORECASE"}, ["xxAB1", "abc2"], ["ad1"]),
    (r"#<~>&\"", set(), ['x#<~>&"y'], ["#"]),
])
def test_sigma_regular_expressions_are_searches_translated_to_linear_time_ones(pattern, flags, matches, misses):
    from tui.core.detect import regex_value

    value = regex_value(pattern, flags)
    assert [m for m in matches if value.regexp.fullmatch(m)] == matches
    assert [m for m in misses if value.regexp.fullmatch(m)] == []


@pytest.mark.parametrize(("pattern", "why"), [
    (r"a(?=b)", "look-around"), (r"(a)\1", "back-references"), (r"\bword\b", "word boundaries"),
    (r"a$|b", "anchors"), (r"^a|b", "group them"), (r"[[:alpha:]]", "POSIX"),
])
def test_regular_expressions_without_a_linear_time_meaning_are_refused(pattern, why):
    from tui.core.detect import Unsupported, regex_value

    with pytest.raises(Unsupported, match=why):
        regex_value(pattern)


def test_fieldref_compares_two_fields_of_the_event(tmp_path):
    events = [event(requestData={"instance_name": "a", "prev_instance_name": "A"}),
              event(requestData={"instance_name": "a", "prev_instance_name": "b"}), event(requestData={})]
    assert matching_rule(tmp_path, """
        sel:
          requestData.lock|exists: false
          requestData.prev_instance_name|fieldref: requestData.instance_name
        condition: sel
    """, events) == [0]


def test_fieldref_under_or_is_refused(tmp_path):
    rules = load_rules([rule_file(tmp_path / "rules", "r", """
        a:
          requestData.prev_instance_name|fieldref: requestData.instance_name
        b:
          action: x
        condition: a or b
    """)], builtin=False)
    assert not rules.rules and "fieldref" in rules.problems[0].reason


def test_outside_working_hours_by_zone_and_days(tmp_path):
    from tui.core.detect import parse_working_hours

    hours = parse_working_hours("08:00-18:00 Mon-Fri Europe/Zurich")
    # 2026-11-20 is a Friday; Zurich is UTC+1 in November.
    friday = lambda h, m=0: int(__import__("datetime").datetime(2026, 11, 20, h, m, tzinfo=__import__("datetime").timezone.utc).timestamp() * 1e6)
    assert hours.outside(friday(6, 59)) and not hours.outside(friday(7, 0)) and hours.outside(friday(17, 0))
    assert hours.outside(friday(10) + 86400 * 1_000_000)  # Saturday
    with pytest.raises(ValueError, match="Mars/Olympus"):
        parse_working_hours("08:00-18:00 Mars/Olympus")


def matching_rule(tmp_path: Path, detection: str, events: list[dict]) -> list[int]:
    """Which events (by index) the rule fires on, in a sweep and one by one (the Detector, not only its query)."""
    rules = load_rules([rule_file(tmp_path / "rules", "r", detection)], builtin=False)
    assert not rules.problems, rules.problems
    store = read_paths(write_lines(tmp_path / "events.jsonl", events))
    swept = sorted(r for a in Detector(store, rules).sweep() for r in a.rows)
    live = Detector(store, rules)
    assert swept == sorted(r for row in range(len(store)) for a in live.test(row) for r in a.rows)
    return swept


def test_temporal_correlation_fires_when_every_rule_matched_within_the_timespan(tmp_path):
    folder = tmp_path / "rules"
    rule_file(folder, "lock", "sel:\n  action: a.key.lock\ncondition: sel", extra="name: locked\n")
    rule_file(folder, "unlock", "sel:\n  action: a.key.unlock\ncondition: sel", extra="name: unlocked\n")
    _correlation(folder, """
        title: lock then unlock
        id: 77777777-7777-4777-8777-777777777777
        level: medium
        correlation:
          type: temporal
          rules: [locked, unlocked]
          group-by: [initiator.name]
          timespan: 5m
    """)
    events = [event(action="a.key.lock", eventTime=_at(0), initiator={"name": "bob"}),
              event(action="a.key.unlock", eventTime=_at(9), initiator={"name": "bob"}),  # too late
              event(action="a.key.lock", eventTime=_at(10), initiator={"name": "eve"}),
              event(action="a.key.unlock", eventTime=_at(11), initiator={"name": "bob"}),  # another initiator
              event(action="a.key.unlock", eventTime=_at(12), initiator={"name": "eve"})]
    store = read_paths(write_lines(tmp_path / "ev.jsonl", events))
    rules = load_rules([folder], builtin=False)
    assert not rules.problems, rules.problems
    alerts = Detector(store, rules).sweep()
    assert [(a.rule_id[:4], a.group, a.rows) for a in alerts] == [("7777", ("eve",), (2, 4))]


def test_the_sweeps_look_at_event_bytes_never_loses_an_event(tmp_path):
    """The sweep skips candidates whose bytes lack what a clause needs; bytes written otherwise
    (spaces around the colon, a list, a string for a boolean, JSON inside a string, escapes) still match."""
    detection = """
        sel:
          action: a.b.update
          requestData.lock: true
          requestData.note|contains: needle
        filter:
          requestData.skip: hold
        condition: sel and not filter
    """
    lines = [
        '{"eventTime": "2026-11-20T10:00:00Z", "action": "a.b.update", "requestData": {"lock" :  true, "note": "a NEEDLE"}}',
        '{"eventTime": "2026-11-20T10:00:01Z", "action": "a.b.update", "requestData": {"lock": [true], "note": ["x", "needle"]}}',
        '{"eventTime": "2026-11-20T10:00:02Z", "action": "a.b.update", "requestData": {"lock": "true", "note": "needles"}}',
        '{"eventTime": "2026-11-20T10:00:03Z", "action": "a.b.update", "requestData": "{\\"lock\\": true, \\"note\\": \\"needle\\"}"}',
        '{"eventTime": "2026-11-20T10:00:04Z", "action": "a.b.update", "requestData": {"lock": true, "note": "ne\\u0065dle"}}',
        '{"eventTime": "2026-11-20T10:00:05Z", "action": "a.b.update", "requestData": {"lock": false, "note": "needle"}}',
        '{"eventTime": "2026-11-20T10:00:06Z", "action": "a.b.update", "requestData": {"lock": true, "note": "needle", "skip": "hold"}}',
        '{"eventTime": "2026-11-20T10:00:07Z", "action": "a.b.read", "requestData": {"lock": true, "note": "needle"}}',
    ]
    rules = load_rules([rule_file(tmp_path / "rules", "r", detection)], builtin=False)
    path = tmp_path / "events.jsonl"
    path.write_text("\n".join(lines) + "\n")
    store = read_paths(path)
    swept = sorted(r for a in Detector(store, rules).sweep() for r in a.rows)
    exact = [row for row in range(len(store)) if Filter(store, rules.rules[0].node).test(row)]
    assert swept == exact
    assert [store.times[r] % 10_000_000 // 1_000_000 for r in swept] == [0, 1, 2, 3, 4]

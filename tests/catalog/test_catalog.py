"""The catalog: every action of the source documents, the flags and value meanings an auditor relies on,
the errors a catalog author gets, and the user's own catalog directories."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import catalog
from catalog import CatalogError, loader

# ----------------------------------------------------------------------------- the seed documents

SERVICES = ("iam-groups", "iam-identity", "iam-am", "iam-access-management", "billing", "globalcatalog-collection",
            "globalcatalog-instance", "entitlement", "user-management", "global-search-tagging",
            "carbon-calculator", "cloudantnosqldb", "<service-name>")
# service, then a dot (or the comma of the known defect in 002), then at least two more parts.
ACTION_IN_TEXT = re.compile(
    r"(?<![\w<>.-])(?:" + "|".join(re.escape(s) for s in SERVICES) + r")[.,][A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)+"
)

#: The names shared/seeds/README.md gives to the table rows of 001 that lost theirs, and the other
#: actions it says exist although the extracted text does not name them where they belong.
README_REPAIRS = (
    # Table 1
    "billing.account.active",
    # Table 2
    "billing.account-summary.read", "billing.account-summary.download", "billing.account-usage-report.read",
    "billing.account-instances-usage-report.download",
    # Table 3
    "billing.enterprise-usage-report.read", "billing.enterprise-usage-report.download",
    "billing.enterprise-instances-usage-report.download",
    # Tables 4 to 7
    "globalcatalog-collection.instance.read", "globalcatalog-collection.offering.read",
    "globalcatalog-collection.account-settings.read", "globalcatalog-collection.enterprise-settings.read",
    # Table 13
    "globalcatalog-instance.offering-instance.read",
    # Table 15
    "user-management.cloud-user.list", "user-management.user.read", "billing.user.active",
    "user-management.user-setting.read",
    # Table 16
    "carbon-calculator.services.list",
    # 002: the comma repaired
    "cloudantnosqldb.replicator-design-document.write",
    # 000/004: the row with two actions; 003: a user invited to another account
    "iam-identity.user-passcode.login", "iam-identity.trustedprofile-apikey.login", "user-management.user.create",
    # both ways a service ID API key update is reported
    "iam-identity.serviceid-apikey.update", "iam-identity.account-serviceid.update",
    # the tag patterns
    "<service-name>.tag.attach", "<service-name>.tag.detach",
)


def seed_action_names(seeds: Path) -> set[str]:
    names: set[str] = set()
    for path in sorted(seeds.glob("*.txt")):
        names |= set(ACTION_IN_TEXT.findall(path.read_text(encoding="utf-8")))
    return {n.replace("cloudantnosqldb,", "cloudantnosqldb.") for n in names}


def test_every_action_named_in_the_seed_documents_is_in_the_catalog(seeds, builtin):
    names = seed_action_names(seeds)
    assert len(list(seeds.glob("*.txt"))) == 5
    # the scan really reads the documents: it finds names of every part, including the defective one
    assert {"iam-identity.user-apikey.update", "billing.account-mfa.set-off", "cloudantnosqldb.any-document.read",
            "cloudantnosqldb.replicator-design-document.write", "<service-name>.tag.attach",
            "entitlement.entitlement.check", "carbon-calculator.locations.list"} <= names
    assert len(names) > 150
    missing = sorted(n for n in names if n not in builtin.actions)
    assert missing == []


def test_the_seed_comma_defect_is_not_copied_into_the_catalog(builtin):
    assert not [name for name in builtin.actions if "," in name]
    assert "cloudantnosqldb.replicator-design-document.write" in builtin.actions


@pytest.mark.parametrize("name", README_REPAIRS)
def test_every_name_the_seed_readme_supplies_is_in_the_catalog(builtin, name):
    assert name in builtin.actions


def test_the_passcode_login_is_not_described_as_a_trusted_profile_login(builtin):
    passcode = builtin.action("iam-identity.user-passcode.login")
    profile = builtin.action("iam-identity.trustedprofile-apikey.login")
    assert "passcode" in passcode.description.lower()
    assert "trusted profile" not in passcode.description.lower()
    assert "trusted profile" in profile.description.lower()


# ----------------------------------------------------------------------------- flags


def test_every_cloudant_action_says_whether_it_is_a_data_or_a_management_event(builtin):
    cloudant = [a for a in builtin.actions.values() if a.service == "cloudantnosqldb"]
    assert len(cloudant) > 50
    assert [a.name for a in cloudant if a.data_event is None] == []
    assert builtin.action("cloudantnosqldb.database.create").data_event is False
    assert builtin.action("cloudantnosqldb.activity-tracker-event-types.write").data_event is False
    assert builtin.action("cloudantnosqldb.data-document.write").data_event is True
    assert builtin.action("cloudantnosqldb.replicator-design-document.write").data_event is True


def test_cloudant_classification_follows_the_two_tables_of_the_cloudant_page(seeds, builtin):
    text = (seeds / "002_34bd0b6547285396.txt").read_text(encoding="utf-8")
    management_part = text.split("Table 1. Management actions", 1)[1].split("Table 2. Data actions", 1)[0]
    data_part = text.split("Table 2. Data actions", 1)[1].split("Viewing events", 1)[0]
    management = {n.replace(",", ".") for n in ACTION_IN_TEXT.findall(management_part)}
    data = {n.replace(",", ".") for n in ACTION_IN_TEXT.findall(data_part)}
    assert len(management) > 20 and len(data) > 25 and not management & data
    assert sorted(n for n in management if builtin.action(n).data_event is not False) == []
    assert sorted(n for n in data if builtin.action(n).data_event is not True) == []


@pytest.mark.parametrize("name", ["billing.account-traits.update", "billing.account-mfa.set-on",
                                  "billing.account-mfa.set-off"])
def test_the_old_account_settings_actions_are_deprecated(builtin, name):
    assert builtin.action(name).deprecated is True


def test_the_current_account_settings_actions_are_not_deprecated(builtin):
    for name in ("iam-identity.accountsettings.update", "iam-identity.accountsettings.migrate",
                 "iam-groups.account-settings.update"):
        assert builtin.action(name).deprecated is False, name


def test_invite_and_delete_user_are_asynchronous_and_nothing_else_is(builtin):
    assert builtin.action("user-management.user.invite").asynchronous is True
    assert builtin.action("user-management.user.delete").asynchronous is True
    assert builtin.action("user-management.user.update").asynchronous is False
    assert sorted(a.name for a in builtin.actions.values() if a.asynchronous) == [
        "user-management.user.delete", "user-management.user.invite"]


@pytest.mark.parametrize("name, pattern", [
    ("cloud-object-storage.tag.attach", "<service-name>.tag.attach"),
    ("is.tag.attach", "<service-name>.tag.attach"),
    ("cloud-object-storage.tag.detach", "<service-name>.tag.detach"),
    ("containers-kubernetes.tag.detach", "<service-name>.tag.detach"),
])
def test_a_tag_action_of_any_service_is_found_through_its_pattern(builtin, name, pattern):
    found = builtin.action(name)
    assert found is not None and found.name == pattern and found.pattern is True


@pytest.mark.parametrize("name", ["tag.attach", ".tag.attach", "cloud object storage.tag.attach",
                                  "cloud-object-storage.tag.attachment", "cloud-object-storage.tag.attach.extra",
                                  "<service-name>.tag.attached"])
def test_the_tag_pattern_does_not_swallow_other_names(builtin, name):
    assert builtin.action(name) is None


@pytest.mark.parametrize("pattern, name, matches", [
    ("<service>.<object>.delete", "a.b.delete", True),
    ("<service>.<object>.delete", "is.sub.net.delete", True),  # a placeholder takes several parts
    ("<service>.<object>.delete", "a.delete", False),  # each takes one part at least
    ("<service>.<object>.delete", "a..delete", False),
    ("<service>.<object>.delete", "a.b.delete.", False),
    ("<service>.<object>.delete", "a.b c.delete", False),
    ("iam-<kind>.policy.create", "iam-groups.policy.create", True),  # inside a part
    ("iam-<kind>.policy.create", "iam-.policy.create", False),
    ("*.tag.attach", "cloud-object-storage.tag.attach", True),
    ("acme.<thing>.do", "acme.thing.do", True),
    ("acme.<thing>.do", "acme.x.do.do", True),
    ("acme.<thing>.do", "acme.do", False),
    ("acme.<thing>.do", "acmx.thing.do", False),
])
def test_a_placeholder_stands_for_one_or_more_name_parts(tmp_path, pattern, name, matches):
    path = write(tmp_path, "pattern.toml", GOOD_ENTRY.replace("acme.thing.do", pattern) + "pattern = true\n")
    found = catalog.load([path], builtin=False).action(name)
    assert (found is not None and found.name == pattern) is matches


def test_an_exact_name_wins_over_a_pattern(builtin):
    assert builtin.action("global-search-tagging.tag.create").name == "global-search-tagging.tag.create"


# ----------------------------------------------------------------------------- value meanings


def meaning(cat: catalog.Catalog, path: str, action: str, value: str) -> str:
    return cat.value_meaning(path, action, value)[1]


@pytest.mark.parametrize("action", ["iam-identity.user-refreshtoken.login", "iam-identity.user-apikey.login",
                                    "iam-identity.user-passcode.login"])
def test_login_client_ids_tell_the_console_from_the_cli(builtin, action):
    ui = meaning(builtin, "requestData.client_id", action, "HOP55v1CCT")
    cli = meaning(builtin, "requestData.client_id", action, "bx")
    assert "console" in ui and "UI" in ui
    assert "CLI" in cli or "command line" in cli
    assert meaning(builtin, "requestData.client_id", action, "some-other-client") == ""


@pytest.mark.parametrize("action", ["iam-identity.account-serviceid.update", "iam-identity.user-apikey.update",
                                    "iam-identity.serviceid-apikey.update"])
def test_lock_true_and_false_mean_locked_and_unlocked_for_service_id_and_key_updates(builtin, action):
    locked = meaning(builtin, "requestData.lock", action, "true")
    unlocked = meaning(builtin, "requestData.lock", action, "false")
    assert "locked" in locked and "unlocked" not in locked
    assert "unlocked" in unlocked


def test_agent_not_set_means_the_console_and_ibm_cloud_cli_the_command_line(builtin):
    action = "iam-identity.account-serviceid.update"
    assert "console" in meaning(builtin, "initiator.host.agent", action, "Not Set")
    assert "console" in meaning(builtin, "initiator.host.agent", action, "not set")  # case does not matter
    assert "command line" in meaning(builtin, "initiator.host.agent", action, "IBM Cloud CLI")


MFA_WORDS = {"NONE": "not enabled", "TOTP": "non-federated", "TOTP4ALL": "all users", "LEVEL1": "email",
             "LEVEL2": "time-based", "LEVEL3": "U2F"}


@pytest.mark.parametrize("side", ["old", "new"])
def test_every_mfa_value_has_its_own_meaning(builtin, side):
    path = f"requestData.request_body.{side}_mfa_traits"
    found = {value: meaning(builtin, path, "iam-identity.accountsettings.update", value) for value in MFA_WORDS}
    for value, word in MFA_WORDS.items():
        assert word in found[value], (value, found[value])
    assert len(set(found.values())) == len(MFA_WORDS)


def test_the_deprecated_mfa_field_documents_empty_as_mfa_off(builtin):
    assert "not enabled" in meaning(builtin, "requestData.mfa", "billing.account-traits.update", "")
    assert "all users" in meaning(builtin, "requestData.mfa", "billing.account-traits.update", "TOTP4ALL")


@pytest.mark.parametrize("setting", ["restrict_create_platform_apikey", "restrict_create_service_id",
                                     "allowed_ip_addresses"])
def test_restricted_and_not_restricted_have_opposite_meanings(builtin, setting):
    for side in ("old", "new"):
        path = f"requestData.request_body.{side}_{setting}"
        restricted = meaning(builtin, path, "iam-identity.accountsettings.update", "RESTRICTED")
        free = meaning(builtin, path, "iam-identity.accountsettings.update", "NOT_RESTRICTED")
        assert "restricted" in restricted and "not restricted" not in restricted
        assert "not restricted" in free


def test_reason_code_404_means_no_usage_data_only_for_usage_reports(builtin):
    usage = meaning(builtin, "reason.reasonCode", "billing.account-summary.read", "404")
    other = meaning(builtin, "reason.reasonCode", "iam-groups.group.read", "404")
    assert "no usage data" in usage and "not an error" in usage
    assert "Not Found" in other and "usage" not in other
    # the usage-report doc does not hide the generic meaning of the other codes
    assert "Forbidden" in meaning(builtin, "reason.reasonCode", "billing.account-summary.read", "403")


def test_public_access_and_user_list_visibility_values(builtin):
    assert "on" in meaning(builtin, "requestData.public_access_enabled", "iam-groups.account-settings.update", "true")
    can = meaning(builtin, "requestData.team_directory_enabled", "billing.account-traits.update", "true")
    cannot = meaning(builtin, "requestData.team_directory_enabled", "billing.account-traits.update", "false")
    assert "can view" in can and "cannot view" in cannot


# ----------------------------------------------------------------------------- loader errors


def write(dir_: Path, name: str, text: str) -> Path:
    path = dir_ / name
    path.write_text(text, encoding="utf-8")
    return path


def load_error(path: Path) -> CatalogError:
    with pytest.raises(CatalogError) as info:
        catalog.load([path], builtin=False)
    return info.value


def assert_names(error: CatalogError, path: Path, line: int) -> None:
    assert error.path == str(path)
    assert error.line == line
    assert str(error).startswith(f"{path}:{line}: ")


GOOD_ENTRY = '[[action]]\nname = "acme.thing.do"\nsection = "Things"\ndescription = "An initiator does a thing."\n'


def test_a_toml_syntax_error_names_the_file_and_its_line(tmp_path):
    path = write(tmp_path, "broken.toml", GOOD_ENTRY + "\n[[action]]\nname = \"acme.thing.undo\"\ndeprecated = yes\n")
    error = load_error(path)
    assert_names(error, path, 8)
    assert "not valid TOML" in str(error)


def test_an_action_without_description_names_its_own_entry(tmp_path):
    path = write(tmp_path, "missing.toml",
                 '[meta]\ntitle = "Acme"\n\n' + GOOD_ENTRY + '\n[[action]]\nname = "acme.thing.undo"\nsection = "Things"\n')
    error = load_error(path)
    assert_names(error, path, 9)
    assert "'description'" in str(error)


def test_an_unknown_key_is_named_with_its_entry(tmp_path):
    path = write(tmp_path, "unknown.toml", GOOD_ENTRY + "\n" + GOOD_ENTRY.replace("do", "redo") + 'colour = "red"\n')
    error = load_error(path)
    assert_names(error, path, 6)
    assert "'colour'" in str(error)


@pytest.mark.parametrize("key, value, says", [
    ("deprecated", '"yes"', "'deprecated' must be true or false"),
    ("data_event", '"true"', "'data_event' must be true or false"),
    ("also", '"acme.thing.undo"', "'also' must be a list"),
    ("description", "42", "'description' must be a non-empty string"),
])
def test_a_value_of_the_wrong_type_is_named(tmp_path, key, value, says):
    second = GOOD_ENTRY.replace("do", "redo")
    second = re.sub(rf"(?m)^{key} = .*\n", "", second) + f"{key} = {value}\n"
    path = write(tmp_path, "types.toml", "# Acme things\n\n" + GOOD_ENTRY + "\n" + second)
    error = load_error(path)
    assert_names(error, path, 8)
    assert says in str(error)


def test_a_field_with_an_unknown_type_or_a_non_text_value_meaning_is_named(tmp_path):
    path = write(tmp_path, "fields.toml",
                 '[[field]]\npath = "requestData.a"\nmeaning = "A."\n\n[field.values]\n"x" = "an x"\n\n'
                 '[[field]]\npath = "requestData.b"\nmeaning = "B."\ntype = "text"\n')
    assert_names(load_error(path), path, 8)
    path = write(tmp_path, "values.toml", '[[field]]\npath = "requestData.a"\nmeaning = "A."\n\n[field.values]\n"1" = 2\n')
    error = load_error(path)
    assert_names(error, path, 1)
    assert "value meaning must be a string" in str(error)


def test_an_unknown_table_is_named(tmp_path):
    path = write(tmp_path, "tables.toml", '[meta]\ntitle = "Acme"\n\n[actions]\nname = "acme.thing.do"\n')
    error = load_error(path)
    assert_names(error, path, 4)
    assert "'actions'" in str(error)


def test_an_action_name_that_is_not_service_object_verb_is_refused(tmp_path):
    path = write(tmp_path, "name.toml", GOOD_ENTRY.replace("acme.thing.do", "acme thing do"))
    assert_names(load_error(path), path, 1)
# with a trailing comment (valid TOML) is not counted, so the error names another entry's line.
def test_an_entry_whose_header_carries_a_comment_is_named_at_its_own_line(tmp_path):
    path = write(tmp_path, "commented.toml",
                 '[[action]]  # the thing without a description\nname = "acme.thing.do"\nsection = "Things"\n\n'
                 + GOOD_ENTRY.replace("do", "redo"))
    assert_names(load_error(path), path, 1)


def test_a_missing_catalog_directory_is_an_error_naming_it(tmp_path):
    with pytest.raises(CatalogError) as info:
        catalog.load([tmp_path / "nowhere"])
    assert str(tmp_path / "nowhere") in str(info.value)


def test_an_error_in_a_user_directory_names_the_user_file_not_the_builtin_data(tmp_path):
    write(tmp_path, "a-good.toml", GOOD_ENTRY)
    bad = write(tmp_path, "b-bad.toml", '[[action]]\nname = "acme.thing.undo"\n')
    with pytest.raises(CatalogError) as info:
        catalog.load([tmp_path])
    assert_names(info.value, bad, 1)


@pytest.mark.parametrize("text, line, says", [
    ("meta = 5\n", 1, "'meta' must be a table"),
    ('[[meta]]\ntitle = "Acme"\n', 1, "'meta' must be a table"),
    ('# Acme\nmeta = "Acme"\n', 2, "'meta' must be a table"),
    ('[meta]\nsource = 5\n', 1, "'source' must be a string"),
])
def test_a_meta_that_is_not_a_table_is_named(tmp_path, text, line, says):
    path = write(tmp_path, "meta.toml", text + "\n" + GOOD_ENTRY)
    error = load_error(path)
    assert_names(error, path, line)
    assert says in str(error)


@pytest.mark.parametrize("nested", ["x = " + "[" * 5000 + "]" * 5000, "x = " + "{a = " * 5000 + "1" + "}" * 5000])
def test_a_value_nested_thousands_deep_is_named_not_a_crash(tmp_path, nested):
    path = write(tmp_path, "deep.toml", GOOD_ENTRY + "\n[[field]]\npath = \"a\"\nmeaning = \"A.\"\n" + nested + "\n")
    error = load_error(path)
    assert error.path == str(path)
    assert "nested too deeply" in str(error)


_SCHEMA_KEYS = st.sampled_from(["meta", "service", "action", "field", "name", "title", "source", "section",
                                "description", "data_event", "deprecated", "asynchronous", "pattern", "also",
                                "note", "path", "meaning", "type", "values", "actions", "status", "true"])
_SCALARS = st.one_of(st.text(max_size=8), st.integers(), st.booleans(), st.floats(allow_nan=False),
                     st.sampled_from(["acme.thing.do", "<svc>.thing.do", "requestData.a", "string", "Things"]))
_VALUES = st.recursive(_SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_SCHEMA_KEYS, inner, max_size=5),
                       max_leaves=25)


def _toml(value: object) -> str:
    """A value as TOML writes it inline (a JSON string is a TOML basic string)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, str)):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return "{" + ", ".join(f"{json.dumps(k)} = {_toml(v)}" for k, v in value.items()) + "}"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(document=st.dictionaries(_SCHEMA_KEYS, _VALUES, max_size=4))
def test_any_catalog_of_any_shape_loads_or_is_a_catalog_error(tmp_path, document):
    path = write(tmp_path, "any.toml", "".join(f"{json.dumps(k)} = {_toml(v)}\n" for k, v in document.items()))
    try:
        catalog.load([path], builtin=False)
    except CatalogError as error:
        assert error.path == str(path)


def test_every_builtin_file_loads_on_its_own(builtin):
    # each data file is complete by itself: no entry relies on another file to be valid
    for path in sorted(loader.DATA_DIR.glob("*.toml")):
        alone = catalog.load([path], builtin=False)
        assert alone.files == [str(path)]
    assert len(builtin.files) == len(list(loader.DATA_DIR.glob("*.toml")))


# ----------------------------------------------------------------------------- user catalogs

ACME = """\
[meta]
title = "Acme billing"
source = "acme-runbook.md"

[[service]]
name = "acme-billing"
title = "Acme Billing"

[[action]]
name = "acme-billing.invoice-run.start"
section = "Invoice runs"
description = "An initiator starts the monthly invoice run of the customer accounts."
asynchronous = true
"""


def test_a_user_directory_documents_a_new_action(tmp_path, sample, builtin):
    write(tmp_path, "acme.toml", ACME)
    cat = catalog.load([tmp_path])
    entry = cat.action("acme-billing.invoice-run.start")
    assert entry is not None and entry.source == "acme-runbook.md" and entry.asynchronous
    assert cat.service_title("acme-billing") == "Acme Billing"
    # the built-in actions are still there
    assert cat.action("iam-identity.user-apikey.update") is not None
    assert builtin.action("acme-billing.invoice-run.start") is None

    event = sample("support.jsonl", 5, "acme-billing.invoice-run.start")
    explained = catalog.explain(event, cat)
    assert explained.documented is True
    assert explained.entry == entry
    assert "starts the monthly invoice run of the customer accounts" in explained.summary
    assert "does not document" not in explained.summary
    assert not [f for f in explained.findings if "not documented" in f.title.lower()]


def test_atlens_catalog_lists_user_directories_after_the_command_line_ones(tmp_path, monkeypatch):
    first, second = tmp_path / "one", tmp_path / "two"
    monkeypatch.setenv(loader.ENV_VAR, f"{first}{os.pathsep}{os.pathsep}{second}")
    assert loader.user_dirs() == [str(first), str(second)]
    assert loader.user_dirs(["from-cli"]) == ["from-cli", str(first), str(second)]
    monkeypatch.delenv(loader.ENV_VAR)
    assert loader.user_dirs() == []


def test_atlens_catalog_reaches_the_catalog_explain_uses_by_default(tmp_path, monkeypatch, sample):
    write(tmp_path, "acme.toml", ACME)
    event = sample("support.jsonl", 5, "acme-billing.invoice-run.start")
    monkeypatch.setenv(loader.ENV_VAR, str(tmp_path))
    assert catalog.default().action("acme-billing.invoice-run.start") is not None
    assert catalog.explain(event).documented is True
    monkeypatch.delenv(loader.ENV_VAR)
    assert catalog.explain(event).documented is False


def test_a_user_file_overrides_a_builtin_description(tmp_path, sample, builtin):
    write(tmp_path, "override.toml", '[[action]]\nname = "iam-identity.user.logout"\nsection = "Sessions"\n'
                                     'description = "An initiator closes the console session (our runbook: SEC-12)."\n')
    cat = catalog.load([tmp_path])
    entry = cat.action("iam-identity.user.logout")
    assert entry.description == "An initiator closes the console session (our runbook: SEC-12)."
    assert entry.elsewhere == ()  # replaced, not kept beside the built-in reading
    assert "logs out" in builtin.action("iam-identity.user.logout").description  # the built-in is untouched

    explained = catalog.explain(sample("login.jsonl", 14, "iam-identity.user.logout"), cat)
    assert "closes the console session (our runbook: SEC-12)" in explained.summary


def test_a_user_file_overrides_a_builtin_value_meaning(tmp_path, sample):
    write(tmp_path, "lock.toml", '[[field]]\npath = "requestData.lock"\nmeaning = "Our lock flag."\n'
                                 'actions = ["iam-identity.account-serviceid.update"]\n\n'
                                 '[field.values]\n"true" = "frozen by the change board"\n')
    cat = catalog.load([tmp_path])
    explained = catalog.explain(sample("serviceids_apikeys.jsonl", 3, "iam-identity.account-serviceid.update"), cat)
    note = next(n for n in explained.notes if n.path == "requestData.lock")
    assert note.value_meaning == "frozen by the change board"
    assert note.meaning == "Our lock flag."


# ----------------------------------------------------------------------------- search


def test_search_locked_finds_the_service_id_and_api_key_updates(builtin):
    found = {a.name for a in builtin.search("locked")}
    assert {"iam-identity.account-serviceid.update", "iam-identity.user-apikey.update",
            "iam-identity.serviceid-apikey.update"} <= found
    assert {a.name for a in builtin.search("LOCKED")} == found


def test_search_cloudant_data_finds_every_cloudant_data_action_and_nothing_from_other_services(builtin):
    found = builtin.search("cloudant data")
    data = {a.name for a in builtin.actions.values() if a.service == "cloudantnosqldb" and a.data_event}
    assert len(data) > 25
    assert data <= {a.name for a in found}
    assert {a.service for a in found} == {"cloudantnosqldb"}


def test_search_needs_every_word_and_nothing_lists_everything(builtin):
    assert builtin.search("cloudant no-such-word-anywhere") == []
    assert len(builtin.search("")) == len(builtin.actions)
    assert [a.name for a in builtin.search("")] == sorted(builtin.actions)


# ----------------------------------------------------------------------------- sources: the documentation pages

#: The page each built-in entry comes from, as IBM titles and addresses it.
PAGES = {
    "iam-identity.account-serviceid.update": (
        "Auditing events for IAM", "https://cloud.ibm.com/docs/activity-tracker?topic=activity-tracker-at_events_iam"),
    "billing.account.update": (
        "Auditing events for account management",
        "https://cloud.ibm.com/docs/activity-tracker?topic=activity-tracker-at_events_acc_mgt"),
    "cloudantnosqldb.any-document.read": (
        "Auditing events (IBM Cloudant)", "https://cloud.ibm.com/docs/Cloudant?topic=Cloudant-at_events"),
    "user-management.user.create": (
        "Managing events from log in actions in an account",
        "https://cloud.ibm.com/docs/activity-tracker?topic=activity-tracker-iam_manage_login"),
    "iam-access-management.policy-template.create": (
        "Activity tracking events for IAM (Spanish edition)",
        "https://cloud.ibm.com/docs/account?topic=account-at_events_iam&locale=es"),
}


@pytest.mark.parametrize("name", sorted(PAGES))
def test_a_builtin_entry_names_its_documentation_page_and_address(builtin, name):
    """Users are told where an entry comes from by the IBM page they can open, never by the
    name of a file they do not have."""
    action = builtin.action(name)
    assert action is not None
    assert (action.source, action.source_url) == PAGES[name]
    assert action.to_dict()["source"] == PAGES[name][0] and action.to_dict()["source_url"] == PAGES[name][1]


def test_no_builtin_entry_names_a_seed_file(builtin):
    seen = [a.source for a in builtin.actions.values()] + [o.source for a in builtin.actions.values() for o in a.elsewhere]
    seen += [s.source for s in builtin.services.values()] + [f.source for f in builtin.fields]
    assert not [s for s in seen if s.endswith(".txt")]
    urls = {a.source_url for a in builtin.actions.values()}
    assert urls <= {url for _, url in PAGES.values()} and "" not in urls


def test_a_user_catalog_names_its_own_source_and_may_give_it_a_page(tmp_path):
    """A user's source stays what they wrote (a file of theirs, a runbook); a [[page]] of theirs
    names a page and its address as the built-in data does, and a built-in page can be named."""
    write(tmp_path, "acme.toml", ACME + '\n[[action]]\nname = "acme-billing.invoice-run.stop"\nsection = "Invoice runs"\n'
                                        'description = "An initiator stops the invoice run."\nsource = "acme-wiki"\n\n'
                                        '[[action]]\nname = "acme-billing.invoice.read"\nsection = "Invoices"\n'
                                        'description = "An initiator reads an invoice."\nsource = "at_events_iam"\n\n'
                                        '[[page]]\nid = "acme-wiki"\ntitle = "Acme: invoice runs"\n'
                                        'url = "https://wiki.example.com/invoice-runs"\n')
    cat = catalog.load([tmp_path])
    start = cat.action("acme-billing.invoice-run.start")
    assert (start.source, start.source_url) == ("acme-runbook.md", "")
    stop = cat.action("acme-billing.invoice-run.stop")
    assert (stop.source, stop.source_url) == ("Acme: invoice runs", "https://wiki.example.com/invoice-runs")
    read = cat.action("acme-billing.invoice.read")
    assert (read.source, read.source_url) == PAGES["iam-identity.account-serviceid.update"]


@pytest.mark.parametrize("text, says", [
    ('[[page]]\ntitle = "x"\nurl = "https://x"\n', "needs 'id'"),
    ('[[page]]\nid = "x"\nurl = "https://x"\n', "needs 'title'"),
    ('[[page]]\nid = "x"\ntitle = "x"\nlink = "https://x"\n', "unknown key 'link'"),
])
def test_a_page_without_what_it_needs_is_named(tmp_path, text, says):
    write(tmp_path, "bad.toml", text)
    with pytest.raises(CatalogError) as caught:
        catalog.load([tmp_path], builtin=False)
    assert says in str(caught.value) and "bad.toml:1" in str(caught.value)

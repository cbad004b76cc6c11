"""Explain one Activity Tracker event in plain words, from the catalog and the documented scenarios.

`explain(event)` never raises on what an event holds: wrong types, missing parts and hostile
strings give a shorter explanation, not an exception. Strings are returned as they are; the
caller that draws them (terminal, Markdown) escapes them for its medium.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from tui.core import jsontext
from tui.core.decode import DuplicateKey, as_bool, as_int

from . import loader
from .loader import Catalog, path_part
from .model import Action, Explanation, Finding, Level, Note

#: the console's OAuth client ID in login events
CONSOLE_CLIENT = "HOP55v1CCT"
CLI_CLIENT = "bx"
#: the longest value text a note carries
VALUE_LIMIT = 300

# Multifactor authentication settings from weakest to strongest (IAM account settings).
_MFA_RANK = {"NONE": 0, "": 0, "TOTP": 1, "TOTP4ALL": 2, "LEVEL1": 2, "LEVEL2": 3, "LEVEL3": 4}
_MFA_WORDS = {
    "NONE": "none", "": "none", "TOTP": "TOTP for IBMid users", "TOTP4ALL": "TOTP for all users",
    "LEVEL1": "email-based MFA for all users", "LEVEL2": "TOTP MFA for all users",
    "LEVEL3": "U2F MFA for all users",
}
_RESTRICT_RANK = {"NOT_RESTRICTED": 0, "NOT_SET": 0, "RESTRICTED": 1}
_LOCKED_TEXT = re.compile(r"\bis locked\b|\blocked\b.*\bunlock|\block(ed)? (service id|api key)", re.I)
_LIMIT_TEXT = re.compile(r"90\s?%|maximum number of allowed", re.I)
_KEY_UPDATES = ("iam-identity.account-serviceid.update", "iam-identity.serviceid-apikey.update",
                "iam-identity.user-apikey.update")


def explain(event: Any, catalog: Catalog | None = None, duplicates: Sequence[DuplicateKey] = ()) -> Explanation:
    """Everything atlens can say about an event (a decoded JSON object).

    duplicates: the keys written more than once in it (EventRecord.duplicates).
    """
    if not isinstance(event, dict):
        return Explanation(action="", documented=False,
                           summary=f"Not an event: a JSON {type(event).__name__}, not an object.",
                           findings=(_NOT_AN_OBJECT,))
    ctx = _judged(event, catalog, duplicates)
    return Explanation(
        action=ctx.action,
        documented=ctx.entry is not None,
        summary=_summary(ctx),
        details=tuple(dict.fromkeys(ctx.details)),
        notes=tuple(_notes(ctx)),
        findings=tuple(sorted(ctx.findings, key=lambda f: -_LEVEL_ORDER[f.level])),
        entry=ctx.entry,
        support_reference=ctx.support_reference,
    )


_LEVEL_ORDER = {"info": 0, "notable": 1, "security": 2}
_NOT_AN_OBJECT = Finding("notable", "Not an audit event", "The value is not a JSON object.")


def _judged(event: dict[str, Any], catalog: Catalog | None, duplicates: Sequence[DuplicateKey] = ()) -> _Context:
    """The event read and every rule applied: its details and findings, before any prose."""
    ctx = _Context(event, catalog or loader.default(), tuple(duplicates))
    for rule in _RULES:
        rule(ctx)
    return ctx


def findings_level(event: Any, catalog: Catalog | None = None, duplicates: Sequence[DuplicateKey] = ()) -> Level | None:
    """The highest level of the event's findings: `explain(event).level`, without the summary and
    the notes on every field, which are most of its work (the table marks each row it draws with
    this, thousands a second while following a burst)."""
    if not isinstance(event, dict):
        return _NOT_AN_OBJECT.level
    return max((f.level for f in _judged(event, catalog, duplicates).findings), key=_LEVEL_ORDER.__getitem__, default=None)


# ----------------------------------------------------------------------------- reading the event


def get(event: Any, path: str) -> Any:
    """The value at a dotted path, or None when any part is missing or not an object."""
    value = event
    for part in loader.split_path(path):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def text(value: Any, limit: int = VALUE_LIMIT) -> str:
    """A value as a person reads it: strings as they are, the rest as JSON, long ones shortened."""
    if isinstance(value, str):
        out = value
    elif isinstance(value, bool):
        out = "true" if value else "false"
    elif value is None:
        out = "null"
    elif isinstance(value, (int, float)):
        out = str(value)
    elif isinstance(value, _TooDeep):
        out = f"(nested more than {MAX_DEPTH} levels deep: not shown)"
    else:
        out = jsontext.dumps(value)
    if len(out) > limit:
        out = out[:limit] + f"… ({len(out):,} characters)"
    return out


class _TooDeep:
    """Stands for a part of an event nested too deeply to walk."""


def _str(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


@dataclass
class _Context:
    event: dict[str, Any]
    catalog: Catalog
    duplicates: tuple[DuplicateKey, ...] = ()
    details: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    support_reference: str = ""
    #: a rule explained the failure, so the generic failure finding stays quiet
    failure_explained: bool = False
    origin: str = ""
    #: what the outcome means when "failure" would mislead (a usage report without data)
    outcome_text: str = ""
    #: the fields (paths as written in notes) whose value or key holds hidden characters
    hidden: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.action = _str(self.event.get("action"))
        self.entry: Action | None = self.catalog.action(self.action) if self.action else None
        self.outcome = _str(self.event.get("outcome")).lower()
        self.severity = _str(self.event.get("severity")).lower()
        self.code = as_int(get(self.event, "reason.reasonCode"))
        self.request = self.event.get("requestData") if isinstance(self.event.get("requestData"), dict) else {}
        self.response = self.event.get("responseData") if isinstance(self.event.get("responseData"), dict) else {}
        self.initiator_name = _str(get(self.event, "initiator.name"))
        self.initiator_id = _str(get(self.event, "initiator.id"))
        self.agent = _str(get(self.event, "initiator.host.agent"))
        self.address = _str(get(self.event, "initiator.host.address"))
        self.target_name = _str(get(self.event, "target.name"))
        self.failure_text = " ".join(
            t for t in (_str(get(self.event, "reason.reasonForFailure")), _str(self.event.get("message")),
                        _str(get(self.event, "requestData.reasonForFailure"))) if t)

    def detail(self, sentence: str) -> None:
        self.details.append(sentence)

    def find(self, level: Level, title: str, why: str, *paths: str) -> None:
        self.findings.append(Finding(level, title, why, tuple(paths)))

    def is_action(self, *names: str) -> bool:
        return self.action in names


# ----------------------------------------------------------------------------- the summary


def _who(ctx: _Context) -> str:
    kind = {
        "service/security/account/user": "user",
        "service/security/account/serviceid": "service ID",
        "service/security/account/profile": "trusted profile",
        "service/security/client/certificateid": "certificate",
        "service/security/clientid": "client",
    }.get(_str(get(ctx.event, "initiator.typeURI")))
    if ctx.initiator_name:
        behind = _str(get(ctx.event, "initiator.authnName")) or _str(get(ctx.event, "initiator.authnId"))
        if kind == "trusted profile" and behind and behind != ctx.initiator_name:
            return f"{behind} through the trusted profile {ctx.initiator_name}"
        return f"{ctx.initiator_name} ({kind})" if kind else ctx.initiator_name
    if ctx.initiator_id:
        return f"An initiator with no name (ID {ctx.initiator_id})"
    return "An unnamed initiator"


def _what(ctx: _Context) -> str:
    if ctx.entry is not None:
        first = re.split(r"(?<=[.!?])\s", ctx.entry.description.strip(), maxsplit=1)[0].rstrip(".")
        subject = _SUBJECT.match(first)
        return first[subject.end():] if subject else _lower_first(first)
    if not ctx.action:
        return "did something: the event has no action"
    parts = ctx.action.split(".")
    if len(parts) >= 3:
        return f"ran '{parts[-1]}' on {parts[-2]} of the {'.'.join(parts[:-2])} service (an action the catalog does not document)"
    return f"ran {ctx.action} (an action the catalog does not document)"


#: the subject a description starts with ("An initiator (a user) logs in"), replaced by who it was
_SUBJECT = re.compile(r"^(?:An?|The)\s+(?:initiator|user|service(?: or an? application)?|application)"
                      r"(?:\s+\([^)]*\))?(?:\s+that is already logged in)?\s+", re.I)


def _lower_first(s: str) -> str:
    return s[:1].lower() + s[1:] if s[:2] != s[:2].upper() else s


def _summary(ctx: _Context) -> str:
    sentence = f"{_who(ctx)} {_what(ctx)}"
    if ctx.target_name and ctx.target_name not in (ctx.initiator_name,) and ctx.target_name not in sentence:
        sentence += f" — {ctx.target_name}"
    if ctx.origin:
        sentence += f", {ctx.origin}"
    if ctx.address:
        sentence += f" ({ctx.address})"
    outcome = ctx.outcome
    code = f" ({ctx.code}{' ' + _str(get(ctx.event, 'reason.reasonType')) if _str(get(ctx.event, 'reason.reasonType')) else ''})" if ctx.code is not None else ""
    if outcome == "success":
        sentence += f": success{code}."
    elif outcome == "failure" and ctx.outcome_text:
        sentence += f": {ctx.outcome_text}{code}."
    elif outcome == "failure":
        sentence += f": FAILED{code}."
    elif outcome == "pending":
        sentence += ": pending (a second event reports the end)."
    elif outcome:
        sentence += f": outcome {outcome}."
    else:
        sentence += ": no outcome given."
    return sentence


# ----------------------------------------------------------------------------- field notes


#: nesting deeper than this is noted as one value (events are a few levels deep; orjson allows 1,024)
MAX_DEPTH = 24


def _leaves(value: Any, parts: tuple[str, ...], shown: str, depth: int = 0) -> Iterator[tuple[tuple[str, ...], str, Any]]:
    # depth counts lists too: an array of arrays gives no key but is as deep
    if depth >= MAX_DEPTH and isinstance(value, (dict, list)):
        yield parts, shown, _TooDeep()
    elif isinstance(value, dict) and value:
        for key, item in value.items():
            key = str(key)
            yield from _leaves(item, parts + (key,), path_part(key, first=not shown) if not shown else shown + path_part(key), depth + 1)
    elif isinstance(value, list) and value and any(isinstance(v, (dict, list)) for v in value):
        for i, item in enumerate(value[:50]):
            yield from _leaves(item, parts, f"{shown}[{i}]", depth + 1)
    else:
        yield parts, shown, value


def _notes(ctx: _Context) -> Iterator[Note]:
    for parts, shown, value in _leaves(ctx.event, (), ""):
        value_text = text(value)
        doc, value_meaning = ctx.catalog.value_meaning(parts, ctx.action, value_text)
        yield Note(path=shown, value=value_text, meaning=doc.meaning if doc else "",
                   value_meaning=value_meaning, documented=doc is not None)


# ----------------------------------------------------------------------------- the scenarios


def _catalog_facts(ctx: _Context) -> None:
    entry = ctx.entry
    if entry is None:
        if ctx.action:
            ctx.find("info", "Action not documented",
                     f"{ctx.action} is in none of the catalog's pages; it is explained from its parts "
                     "(service.object-type.verb). Add a catalog file to document it.", "action")
        else:
            ctx.find("notable", "No action", "The event has no action: it cannot be told what happened.", "action")
        return
    # billing.account-traits.update is deprecated as the carrier of MFA changes only: it still
    # reports the user list visibility setting (account management page, tables 9 and 11).
    current_use = entry.name == "billing.account-traits.update" and "mfa" not in ctx.request
    if entry.deprecated and not current_use:
        ctx.detail(f"{entry.name} is deprecated: the documentation keeps it for older events.")
        ctx.find("info", "Deprecated action", f"The documentation marks {entry.name} as deprecated.", "action")
    if entry.pattern:
        service = ctx.action.split(".", 1)[0]
        ctx.detail(f"The action belongs to the service '{service}': '{entry.name}' stands for any service's name.")


def channel(agent: str, client_id: str = "") -> str:
    """Where a request came from, told by its agent (initiator.host.agent) or its login's client_id:
    "UI" (the console), "CLI" (the IBM Cloud CLI), "" when neither says (an SDK, curl, a browser's
    own agent string: an API call). An agent holding control characters is none of them."""
    if _HIDDEN.search(agent):
        return ""
    if agent.lower() == "not set" or client_id == CONSOLE_CLIENT:
        return "UI"
    if agent.startswith("IBM Cloud CLI") or client_id == CLI_CLIENT:
        return "CLI"
    return ""


#: What an initiator's credential type says, in the words the detail pane uses.
_CREDENTIALS = {"apikey": "API key", "token": "token", "user": "password or passcode", "profile": "trusted profile"}


def agent_kind(agent: str, credential: str = "", type_uri: str = "", client_id: str = "") -> str:
    """How an initiator came, in a few words: the channel (UI, CLI, else API), the credential
    (API key, trusted profile...), and service ID or trusted profile when the initiator is one
    (its typeURI), such as "CLI, API key" or "API, service ID, API key"."""
    parts = [channel(agent, client_id) or "API"]
    kind = type_uri.rsplit("/", 1)[-1].lower() if type_uri else ""
    if kind == "serviceid":
        parts.append("service ID")
    elif kind == "profile":
        parts.append("trusted profile")
    cred = _CREDENTIALS.get(credential.lower(), "")
    if cred and cred not in parts:
        parts.append(cred)
    return ", ".join(parts)


def _origin(ctx: _Context) -> None:
    client = _str(ctx.request.get("client_id"))
    where = channel(ctx.agent, client)
    if "initiator.host.agent" in ctx.hidden:
        # "IBM Cloud CLI" followed by an escape sequence is not the CLI: where it came from is unknown.
        ctx.origin = "from an agent whose name holds control characters"
        ctx.detail(f'initiator.host.agent "{text(ctx.agent, 80)}" holds control characters: where the request '
                   "came from cannot be told from it.")
    elif where == "UI":
        ctx.origin = "from the IBM Cloud console (UI)"
        if ctx.agent.lower() == "not set":
            ctx.detail('initiator.host.agent "Not Set" means the request came from the IBM Cloud console (UI).')
    elif where == "CLI":
        ctx.origin = "from the IBM Cloud CLI"
        if ctx.agent.startswith("IBM Cloud CLI"):
            ctx.detail(f'initiator.host.agent "{ctx.agent}" means the request came from the IBM Cloud CLI.')
    elif ctx.agent:
        ctx.origin = f"with {ctx.agent if len(ctx.agent) <= 60 else ctx.agent[:60] + '…'}"


def _login(ctx: _Context) -> None:
    if not (ctx.action.startswith("iam-identity.") and ctx.action.endswith(".login")) and ctx.action != "iam-identity.user.logout":
        return
    if ctx.action == "iam-identity.user.logout":
        ctx.detail("The user logged out of the IBM Cloud console: the session ends.")
        return
    client = _str(ctx.request.get("client_id"))
    grant = _str(ctx.request.get("grant_type"))
    credential = _str(get(ctx.event, "initiator.credential.type"))
    method = {
        "iam-identity.user-refreshtoken.login": "with the user's IBMid or federated ID (a refresh token is issued)",
        "iam-identity.user-apikey.login": "with a user API key",
        "iam-identity.serviceid-apikey.login": "with a service ID API key",
        "iam-identity.user-passcode.login": "with a one-time passcode",
        "iam-identity.user-identitycookie.login": "with an identity cookie",
        "iam-identity.trustedprofile-apikey.login": "by applying a trusted profile",
        "iam-identity.computeresource-token.login": "through a trusted profile, from a compute resource",
    }.get(ctx.action)
    if method:
        ctx.detail(f"A login {method}.")
    if client == CONSOLE_CLIENT:
        ctx.detail(f"requestData.client_id {CONSOLE_CLIENT} is the IBM Cloud console: the login happened in the UI.")
    elif client == CLI_CLIENT:
        ctx.detail(f"requestData.client_id {CLI_CLIENT} is the IBM Cloud CLI: the login happened on the command line.")
    if "passcode" in grant and ctx.action != "iam-identity.user-passcode.login":
        ctx.detail("The grant type is a one-time passcode (ibmcloud login --sso).")
    if grant == "refresh_token" and ctx.action == "iam-identity.user-refreshtoken.login":
        ctx.detail("A refresh-token login without a new password: the user switched to this account in the "
                   "console, or the session was renewed; it is reported in the account switched to.")
    if credential == "apikey" and ctx.action == "iam-identity.user-refreshtoken.login":
        ctx.detail("The initiator's credential is an API key.")
    ctx.detail("Only a successful login produces an event: a failed login (wrong password, unknown user) "
               "is not recorded at all.")


def _key_updates(ctx: _Context) -> None:
    if not ctx.is_action(*_KEY_UPDATES) and not (ctx.action.startswith("iam-identity.") and ctx.outcome == "failure"
                                                and ("prev_instance_name" in ctx.request or not ctx.initiator_name)):
        return
    what = ("API key" if "apikey" in ctx.action else "service ID" if "serviceid" in ctx.action
            else ctx.action.split(".")[1].replace("-", " ") if ctx.action.count(".") >= 2 else "resource")
    if ctx.action == "iam-identity.account-serviceid.update" and ctx.request.get("apikey_id"):
        what = "service ID API key"
    raw_lock = ctx.request.get("lock")
    lock = as_bool(raw_lock)
    if isinstance(raw_lock, str) and lock is not None:
        ctx.detail(f'requestData.lock is the string "{raw_lock}", read as {str(lock).lower()}.')
    prev = _str(ctx.request.get("prev_instance_name"))
    new = _str(ctx.request.get("instance_name"))
    verb = ctx.action.rsplit(".", 1)[-1] if "." in ctx.action else "change"
    failed = ctx.outcome == "failure"
    unauthorized = failed and not ctx.initiator_name and bool(ctx.initiator_id)
    locked_text = bool(_LOCKED_TEXT.search(ctx.failure_text))

    if failed and (locked_text or (lock is True and not unauthorized)):
        ctx.failure_explained = True
        ctx.detail(f"The update failed because the {what} is locked: nothing about it can change until it is unlocked.")
        ctx.find("security", f"Attempt to change a locked {what}",
                 f"Someone tried to modify the locked {what} '{prev or new or ctx.target_name}'. A locked {what} is "
                 "protected on purpose: check who tried and why.", "requestData.lock", "outcome")
        return
    if unauthorized:
        ctx.failure_explained = True
        ctx.detail(f"The initiator is not authorized to {verb} {what}s in this account: initiator.name is empty.")
        ctx.find("security", f"{verb.capitalize()} refused: initiator without permission",
                 f"Look up who {ctx.initiator_id} is with `ibmcloud iam users --output json` (an administrator "
                 f"can run it; match ibmUniqueId). The {what} concerned is '{prev or new or ctx.target_name}' "
                 "(requestData.prev_instance_name).", "initiator.id", "requestData.prev_instance_name")
        return
    if not ctx.is_action(*_KEY_UPDATES):
        return
    if lock is True:
        ctx.detail(f"requestData.lock true: the {what} is locked by this request.")
        ctx.find("notable", f"{what[0].upper() + what[1:]} locked", f"The {what} '{new or prev}' cannot be changed or deleted until it is unlocked.",
                 "requestData.lock")
    elif prev and new and prev != new:
        ctx.detail(f"The {what} was renamed from '{prev}' to '{new}'.")
    elif prev and new and prev == new:
        if "description" in ctx.request:
            ctx.detail(f"prev_instance_name equals instance_name: only the description of the {what} changed.")
        else:
            ctx.detail(f"requestData.lock false with the same name before and after: the {what} was unlocked, "
                       "or only its description changed.")
            ctx.find("notable", f"{what[0].upper() + what[1:]} unlocked or described",
                     "An unlock and a description change look the same in the event.", "requestData.lock")


def _limits(ctx: _Context) -> None:
    message = _str(ctx.event.get("message"))
    if _LIMIT_TEXT.search(message) and ("limit" in message.lower() or "maximum" in message.lower()):
        kind = next((k for k, words in (("service IDs", ("service id",)), ("API keys", ("api key",)),
                                         ("trusted profiles", ("trusted profile", "profile")),
                                         ("policies", ("polic",))) if any(w in message.lower() for w in words)), "resources")
        ctx.find("notable", f"Account near its limit of {kind}",
                 f"The account reached 90 % of the maximum number of allowed {kind}: new ones will soon be refused.",
                 "message")


def _account_settings(ctx: _Context) -> None:
    body = ctx.request.get("request_body")
    if isinstance(body, dict):
        for key in sorted(body):
            if not key.startswith("old_"):
                continue
            name = key[4:]
            old, new = body.get(key), body.get("new_" + name)
            if "new_" + name not in body or text(old) == text(new):
                continue
            _setting_change(ctx, name, old, new, f"requestData.request_body.{key}")
    if ctx.action == "iam-identity.accountsettings.migrate":
        ctx.detail("The account settings moved to the IAM Identity service: later changes are reported as "
                   "iam-identity.accountsettings.update instead of the deprecated billing actions.")
    if ctx.action == "billing.account-mfa.set-off":
        ctx.find("security", "MFA switched off for the account",
                 "Users can now log in with a password alone.", "action")
    if ctx.action == "billing.account-mfa.set-on":
        ctx.detail("Multifactor authentication was switched on for the account.")
    if ctx.action == "billing.account-traits.update":
        if "mfa" in ctx.request:
            mfa = _str(ctx.request.get("mfa")).upper()
            ctx.detail(f"The account's MFA setting is now {_MFA_WORDS.get(mfa, mfa or 'none')}.")
            if not mfa:
                ctx.find("security", "MFA switched off", "requestData.mfa is empty: the account no longer requires MFA.",
                         "requestData.mfa")
        if "team_directory_enabled" in ctx.request:
            visible = as_bool(ctx.request.get("team_directory_enabled"))
            ctx.detail("User list visibility: users " + ("can" if visible else "cannot") + " see the other users of the account."
                       if visible is not None else "The user list visibility setting changed.")
    if ctx.action == "iam-groups.account-settings.update" and "public_access_enabled" in ctx.request:
        enabled = as_bool(ctx.request.get("public_access_enabled"))
        if enabled:
            ctx.find("security", "Public access group enabled",
                     "Resources that the Public Access group can reach are open to anyone, logged in or not.",
                     "requestData.public_access_enabled")
        elif enabled is False:
            ctx.detail("The Public Access group is disabled: no access without logging in.")


def _setting_change(ctx: _Context, name: str, old: Any, new: Any, path: str) -> None:
    if "mfa" in name:
        o, n = _str(old).upper(), _str(new).upper()
        ctx.detail(f"MFA changed from {_MFA_WORDS.get(o, o or 'none')} to {_MFA_WORDS.get(n, n or 'none')}.")
        if o in _MFA_RANK and n in _MFA_RANK and _MFA_RANK[n] < _MFA_RANK[o]:
            ctx.find("security", "MFA weakened",
                     f"Multifactor authentication went from {_MFA_WORDS.get(o, o)} to {_MFA_WORDS.get(n, n or 'none')}.", path)
        return
    words = name.replace("_", " ").strip() or "a setting"
    ctx.detail(f"{words[0].upper() + words[1:]} changed from {text(old) or 'empty'} to {text(new) or 'empty'}.")
    o, n = _str(old).upper(), _str(new).upper()
    if o in _RESTRICT_RANK and n in _RESTRICT_RANK and _RESTRICT_RANK[n] < _RESTRICT_RANK[o]:
        ctx.find("security", f"Restriction lifted: {words}",
                 f"{words} went from {o} to {n}: more people can now do this.", path)
    elif "ip_addresses" in name and not (o in _RESTRICT_RANK and n in _RESTRICT_RANK):
        ctx.find("notable", "Allowed IP addresses changed", f"From '{text(old)}' to '{text(new)}'.", path)


def _users(ctx: _Context) -> None:
    if not ctx.action.startswith("user-management.") and ctx.action != "billing.user.active":
        return
    if ctx.target_name and ctx.action.startswith("user-management.user"):
        ctx.detail(f"The user acted upon is {ctx.target_name} (target.name); the initiator is who did it.")
    if ctx.entry is not None and ctx.entry.asynchronous:
        if ctx.outcome == "pending":
            ctx.detail("This is the first of two events: the request is accepted (pending); another event with "
                       "outcome success reports when it is done.")
        elif ctx.outcome == "success":
            ctx.detail("This event closes a request reported first as pending.")
    updates = ctx.request.get("update")
    items = updates if isinstance(updates, list) else [ctx.request] if "updateType" in ctx.request else []
    for item in items:
        if not isinstance(item, dict):
            continue
        kind = _str(item.get("updateType")) or "setting"
        if "initialValue" in item or "newValue" in item:
            ctx.detail(f"{kind}: from {text(item.get('initialValue'))} to {text(item.get('newValue'))}.")
            if kind.startswith("2FA") and as_bool(item.get("newValue")) is False:
                ctx.find("security", "Two-factor authentication switched off for a user",
                         f"{ctx.target_name or 'The user'} can now log in without a second factor.", "requestData.update")
            if kind.startswith("self_manage") and as_bool(item.get("newValue")) is True:
                ctx.find("notable", "User may manage their own login settings", "self_manage is now true.", "requestData.update")
        for key, verb in (("ips_added", "added to"), ("ips_removed", "removed from")):
            ips = item.get(key)
            if isinstance(ips, list) and ips:
                listed = ", ".join(text(ip.get("address")) if isinstance(ip, dict) else text(ip) for ip in ips)
                ctx.detail(f"IP addresses {verb} the user's allowed list: {listed}.")
    update = ctx.response.get("update")
    if ctx.action == "user-management.user-invitation.accept" or (isinstance(update, list) and ctx.action.startswith("user-management")):
        for item in update if isinstance(update, list) else []:
            if isinstance(item, dict) and "newValue" in item:
                ctx.detail(f"The invitation was accepted: the user's ID changed from {text(item.get('initialValue'))} "
                           f"to the IAM ID {text(item.get('newValue'))} (responseData.update).")
    if ctx.action == "user-management.user.create":
        ctx.detail("A user invited from another account: the event is in the account the user was invited to.")


def _usage_reports(ctx: _Context) -> None:
    if not (ctx.action.startswith("billing.") and ("usage" in ctx.action or "summary" in ctx.action)):
        return
    if ctx.code == 404:
        ctx.failure_explained = True
        ctx.outcome_text = "no usage data for this request, not an error"
        ctx.detail("reasonCode 404 on a usage report means there was no usage data for the request: not an error.")
    fields = [f"{label} {text(ctx.request[key])}" for key, label in (
        ("month", "month"), ("usage_report_type", "report type"), ("account_id", "account"),
        ("resource_group", "resource group"), ("organization_id", "organization"), ("enterprise_id", "enterprise"),
        ("account_group_id", "account group"), ("children", "with child accounts"), ("daily", "daily")) if key in ctx.request]
    if fields:
        ctx.detail("Report asked for: " + ", ".join(fields) + ".")


def _catalog_and_tags(ctx: _Context) -> None:
    if ctx.action.startswith("globalcatalog-") and any(v == "unavailable" for v in ctx.request.values()):
        ctx.detail('"unavailable": the private catalog service does not record the details of this change in the event.')
    if ctx.action.endswith((".tag.attach", ".tag.detach")) or ctx.action.startswith("global-search-tagging."):
        kind = _str(ctx.request.get("tag_type"))
        names = ctx.request.get("tag_names")
        if isinstance(names, list) and names:
            ctx.detail("Tags: " + ", ".join(text(n) for n in names) + ".")
        if kind == "access":
            ctx.detail("Access tags control access: IAM policies can grant access to every resource with the tag.")
            ctx.find("notable", "Access tag changed", "An access tag decides who can reach the resource.", "requestData.tag_type")


def _cloudant(ctx: _Context) -> None:
    if not ctx.action.startswith("cloudantnosqldb."):
        return
    data = ctx.entry.data_event if ctx.entry else as_bool(ctx.event.get("dataEvent"))
    if data is True:
        ctx.detail("A Cloudant data event: it is only sent when the instance is configured for data events "
                   "(Activity Tracker event types: management and data).")
    elif data is False:
        ctx.detail("A Cloudant management event: always sent.")
    if ctx.action == "cloudantnosqldb.activity-tracker-event-types.write":
        types = ctx.request.get("types")
        if isinstance(types, list):
            listed = [text(t) for t in types]
            ctx.detail("Audited event types are now: " + (", ".join(listed) or "none") + ".")
            if "data" not in listed:
                ctx.find("security", "Cloudant data events switched off",
                         "Reads and writes of documents are no longer recorded for this instance.", "requestData.types")
            else:
                ctx.find("info", "Cloudant data events switched on", "Document reads and writes are now recorded.",
                         "requestData.types")
        else:
            ctx.find("notable", "Cloudant audit settings changed", "The event types audited for this instance changed.", "action")


def _support(ctx: _Context) -> None:
    for key in ("X-Global-Transaction-Id", "x-global-transaction-id", "transaction_id"):
        value = ctx.request.get(key)
        if isinstance(value, str) and value:
            ctx.support_reference = value
            ctx.detail(f"X-Global-Transaction-Id {value}: give this reference to IBM support for this request.")
            return


def _generic(ctx: _Context) -> None:
    if ctx.outcome == "failure" and not ctx.failure_explained:
        if ctx.code in (401, 403):
            ctx.find("notable", "Access denied", f"The request was refused ({ctx.code}): the initiator lacked the "
                     "credentials or the permission.", "reason.reasonCode")
        elif ctx.severity == "critical":
            ctx.find("notable", "Critical failure", "The service rates this failure as critical.", "severity")
    if ctx.severity == "critical" and ctx.outcome != "failure" and not any(f.level == "security" for f in ctx.findings):
        ctx.find("notable", "Critical event", "The service rates this change as critical: it affects security.",
                 "severity")
    for path, expected in (("reason.reasonCode", "a number"), ("requestData.lock", "a boolean")):
        value = get(ctx.event, path)
        if isinstance(value, str):
            ctx.detail(f"{path} is a string (\"{text(value, 40)}\") where the documentation has {expected}.")


# ----------------------------------------------------------------------------- hidden characters

#: Characters a reader does not see as text: C0 and C1 controls and DEL (a terminal acts on them),
#: bidirectional controls (they reorder what is read), zero-width and other invisible characters.
_HIDDEN = re.compile(r"[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
#: Names for the controls that unicodedata leaves unnamed.
_CONTROL_NAMES = {0x00: "NUL", 0x07: "BEL", 0x08: "BS", 0x09: "TAB", 0x0A: "LF", 0x0D: "CR", 0x1B: "ESC",
                  0x7F: "DEL", 0x85: "NEL", 0x9B: "CSI", 0x9D: "OSC"}
#: Fields named one finding each; the others share one finding (an event can hold thousands).
HIDDEN_FINDINGS = 8
#: Terminal sequences worth naming, for what printing them raw would do.
_SEQUENCES = ((re.compile(r"(?:\x1b\]|\x9d)52;"), "writes to the clipboard (OSC 52)"),
              (re.compile(r"(?:\x1b\]|\x9d)8;"), "makes a hidden link (OSC 8)"),
              (re.compile(r"(?:\x1b\[|\x9b)[0-9;?]*[A-Za-z]"), "moves the cursor or clears the screen"))


def _is_control(char: str) -> bool:
    """A C0 or C1 control or DEL: a character a terminal acts on."""
    return char < "\xa0"


def _char_name(char: str) -> str:
    """`ESC (U+001B)`, `ZERO WIDTH SPACE (U+200B)`."""
    code = ord(char)
    name = _CONTROL_NAMES.get(code) or unicodedata.name(char, "")
    return f"{name} (U+{code:04X})" if name else f"U+{code:04X}"


def _hidden_strings(event: dict[str, Any]) -> Iterator[tuple[tuple[str | int, ...], str, bool]]:
    """(where, string, is a key) for every string of the event that holds hidden characters, in order.

    Walked with a stack, not recursion: an event can be nested as deep as the decoder allows.
    """
    # Each entry holds its place as (part, parent entry), so a deep event is not copied level by level.
    stack: list[tuple[Any, tuple[Any, ...] | None]] = [(event, None)]
    while stack:
        value, where = stack.pop()
        if isinstance(value, str):
            if _HIDDEN.search(value):
                yield _unlink(where), value, False
        elif isinstance(value, dict):
            for key, item in reversed(value.items()):
                here = (str(key), where)
                if _HIDDEN.search(str(key)):
                    yield _unlink(here), str(key), True
                stack.append((item, here))
        elif isinstance(value, list):
            stack.extend((item, (i, where)) for i, item in reversed(list(enumerate(value))))


def _unlink(where: tuple[Any, ...] | None) -> tuple[str | int, ...]:
    """The parts of a place kept as (part, parent), from the top of the event down."""
    parts: list[str | int] = []
    while where is not None:
        parts.append(where[0])
        where = where[1]
    return tuple(reversed(parts))


#: How JSON writes a C0 control; a false alarm (an escaped backslash before an n) only costs the walk.
_JSON_CONTROL = re.compile(r"\\(?:u00[01][0-9a-fA-F]|[bfnrt])")


def _may_hide(event: dict[str, Any]) -> bool:
    """Whether the event can hold hidden characters: its JSON text searched at C speed, so the usual
    clean event (every row the table marks) costs no walk through its values."""
    written = jsontext.dumps(event)
    return bool(_HIDDEN.search(written) or _JSON_CONTROL.search(written))


def _hidden_characters(ctx: _Context) -> None:
    if not _may_hide(ctx.event):
        return
    # A whole list is one field in the notes (tag_names = [...]): its items are named by the list.
    fields: dict[str, set[str]] = {}
    keys: set[str] = set()
    values: dict[str, str] = {}
    for where, string, is_key in _hidden_strings(ctx.event):
        last_key = max((i for i, part in enumerate(where) if isinstance(part, str)), default=-1)
        path = _path_text(where if is_key else where[:last_key + 1])
        fields.setdefault(path, set()).update(_HIDDEN.findall(string))
        values.setdefault(path, string)
        if is_key:
            keys.add(path)
    ctx.hidden = set(fields)
    shown = list(fields)[:HIDDEN_FINDINGS]
    for path in shown:
        chars = sorted(fields[path])
        kind = ("Control characters" if any(map(_is_control, chars)) else
                "Bidirectional controls" if any(c in _BIDI for c in chars) else "Invisible characters")
        where = f"The key {text(path, 120)}" if path in keys else text(path, 120)
        names = ", ".join(_char_name(c) for c in chars[:6]) + (f" and {len(chars) - 6} more" if len(chars) > 6 else "")
        ctx.find("security", f"{kind} in {text(path, 120)}",
                 f"{where} holds {names}: {_around_hidden(values[path])}. {_hidden_effect(values[path], chars)}", path)
    rest = list(fields)[HIDDEN_FINDINGS:]
    if rest:
        listed = ", ".join(text(p, 60) for p in rest[:20]) + (f" and {len(rest) - 20} more" if len(rest) > 20 else "")
        ctx.find("security", f"Control characters in {len(rest)} more fields",
                 f"Control, bidirectional or invisible characters are also in {listed}.", *rest)


def _around_hidden(value: str, limit: int = 80) -> str:
    """The value quoted, or the part of a long one where its first hidden character is, marked as cut."""
    if len(value) <= limit:
        return f'"{value}"'
    first = _HIDDEN.search(value)
    start = max(0, (first.start() if first else 0) - limit // 4)
    part = ("…" if start else "") + value[start:start + limit] + ("…" if start + limit < len(value) else "")
    return f'"{part}" ({len(value):,} characters)'


def _hidden_effect(value: str, chars: list[str]) -> str:
    """What the characters would do to a reader, in a sentence."""
    if any(map(_is_control, chars)):
        done = [effect for pattern, effect in _SEQUENCES if pattern.search(value)]
        return ("Printed raw, a terminal acts on them: this text "
                + (" and ".join(done) if done else "can rewrite or hide what is shown") + ".")
    if any(c in _BIDI for c in chars):
        return "They change the order the text reads in: what it looks like is not what it holds."
    return "They do not show: two values that look the same can differ."


def _duplicate_keys(ctx: _Context) -> None:
    for dup in ctx.duplicates:
        if not dup.values:
            ctx.find("security", "A key written twice",
                     "A key is written more than once in one object of this event, nested too deeply to tell which: "
                     "two readers of this event may disagree about what it says.")
            continue
        where = _path_text(dup.where) if dup.where else f"{dup.key} (in the envelope around the event)"
        times = "twice" if len(dup.values) == 2 else f"{len(dup.values)} times"
        shown = [_in_sentence(v) for v in dup.values]
        written = ", ".join(shown[:-1]) + " and " + shown[-1]
        ctx.find("security", f"Key written {times}: {where}",
                 f"{where} is written {times} in this event, with {written}. atlens shows the last, as most JSON "
                 "readers do, but some keep the first: two readers of this event may disagree about what it says "
                 "(a way to hide an action from one of them).",
                 *((_path_text(dup.where),) if dup.where else ()))


def _in_sentence(value: Any) -> str:
    """A value in a sentence: as JSON writes it (strings quoted), shortened."""
    return text(jsontext.dumps(value) if isinstance(value, str) else value, 60)


def _path_text(where: tuple[str | int, ...]) -> str:
    """A field path as notes and queries write it: `requestData.lock`, `items[0].name`, `["a.b"]`."""
    out = ""
    for part in where:
        out += f"[{part}]" if isinstance(part, int) else path_part(part, first=not out)
    return out


# _hidden_characters first: what the others read from a value depends on whether it can be trusted.
_RULES = (_hidden_characters, _catalog_facts, _origin, _login, _key_updates, _limits, _account_settings, _users, _usage_reports,
          _catalog_and_tags, _cloudant, _support, _generic, _duplicate_keys)

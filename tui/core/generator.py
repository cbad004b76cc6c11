"""Deterministic generator of realistic IBM Cloud Activity Tracker (CADF) audit events."""

from __future__ import annotations

import argparse
import heapq
import os
import signal
import sys
import threading
import time
from bisect import bisect
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from itertools import accumulate, islice
from random import Random
from types import FrameType

import orjson

JSONObject = dict[str, object]

_DEFAULT_START = datetime(2026, 11, 20, tzinfo=timezone.utc)
_EVENT_TYPE_URI = "http://schemas.dmtf.org/cloud/audit/1.0/event"
_BLOCK_BYTES = 4 << 20
_BURST_EVERY = 5.0
_FIRST_BURST = 3.0

_DISPLAY = {
    "iam-identity": "IAM Identity Service",
    "iam-groups": "IAM Access Groups",
    "iam-am": "IAM Access Management",
    "billing": "Billing service",
    "user-management": "IAM User Management",
    "globalcatalog-collection": "Catalog Management",
    "global-search-tagging": "Global Search and Tagging",
    "cloudantnosqldb": "IBM Cloudant",
}

_HTTP_REASON = {
    200: "OK", 201: "Created", 202: "Accepted", 204: "No Content", 400: "Bad Request",
    401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 409: "Conflict",
    500: "Internal Server Error", 503: "Service Unavailable",
}

# EVENT_FIELDS.md: 400/409/424/5xx -> warning, 401/403/503/507 -> critical; 404 is not listed,
# so it is a warning except where a spec says otherwise (usage reports use normal).
_FAIL_SEVERITY = {400: "warning", 401: "critical", 403: "critical", 404: "warning",
                  409: "warning", 500: "warning", 503: "critical"}

_FAIL_TEXT = {
    400: ("bad_request", "The request body is not valid: property 'name' must not be empty."),
    401: ("unauthorized", "The provided token is expired or not valid."),
    403: ("forbidden", "You are not authorized to perform this action in the account."),
    404: ("not_found", "The requested resource could not be found."),
    409: ("conflict", "The resource was modified by another request (entity tag mismatch)."),
    500: ("internal_error", "An unexpected error occurred. Try again later."),
    503: ("service_unavailable", "The service is temporarily unavailable."),
}

_COUCH_ERRORS = {
    400: ("bad_request", "Invalid JSON in request body."),
    401: ("unauthorized", "Name or password is incorrect."),
    403: ("forbidden", "You are not allowed to access this db."),
    404: ("not_found", "missing"),
    409: ("conflict", "Document update conflict."),
    500: ("internal_server_error", "No DB shards could be opened."),
    503: ("service_unavailable", "Service temporarily unavailable; retry after backoff."),
}

_FIRST = ("maria", "james", "wei", "priya", "lukas", "sofia", "ahmed", "yuki", "olivia", "mateo",
          "anna", "david", "chen", "fatima", "noah", "elena", "raj", "hannah", "carlos", "mei",
          "tomas", "aisha", "liam", "ingrid", "kenji", "lucia", "omar", "emma", "pavel", "zoe")
_LAST = ("garcia", "smith", "zhang", "sharma", "muller", "rossi", "hassan", "tanaka", "brown",
         "fernandez", "novak", "johnson", "li", "khan", "wilson", "petrova", "patel", "schmidt",
         "lopez", "wang", "dvorak", "okafor", "murphy", "larsen", "sato", "moreno", "nasser",
         "martin", "ivanov", "dubois")
_DOMAINS = ("example.com", "example.org", "example.net")
_IBMID_PREFIXES = ("270", "550", "663", "310", "120", "060")

_BROWSERS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/142.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/141.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/26.1 Safari/605.1.15",
    "Mozilla/5.0 (X11; Linux x86_64; rv:145.0) Gecko/20100101 Firefox/145.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 15.1; rv:145.0) Gecko/20100101 Firefox/145.0",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/142.0.0.0 Safari/537.36 Edg/142.0.0.0",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:144.0) Gecko/20100101 Firefox/144.0",
)
_CLIS = ("IBM Cloud CLI 2.29.1 / linux", "IBM Cloud CLI 2.29.1 / darwin",
         "IBM Cloud CLI 2.28.0 / windows", "IBM Cloud CLI 2.27.0 / linux")
# Service IDs pick from the first four (automation), people from the last four.
_SDKS = (
    "HashiCorp Terraform/1.9.8 (+https://www.terraform.io) Terraform Plugin SDK/2.10.1 "
    "terraform-provider-ibm/1.71.2",
    "Go-http-client/2.0",
    "platform-services-go-sdk-0.71.0 (lang=go; os=linux; go.version=go1.22.5)",
    "ibm-platform-services-sdk-0.59.1 (lang=python; os=Linux; python.version=3.11.9)",
    "python-requests/2.32.3",
    "curl/8.5.0",
)
_CLOUDANT_SDKS = (
    "python-requests/2.32.3",
    "couchbackup-cloudant/2.11.4",
    "curl/8.5.0",
    "cloudant-python-sdk-0.9.3 (lang=python; os=Linux; python.version=3.11.9)",
    "cloudant-node-sdk-0.12.1 (lang=node.js; os.name=linux; node.version=v20.17.0)",
    "cloudant-java-sdk-0.10.0 (lang=java; os.name=Linux; java.version=21.0.4)",
    "cloudant-go-sdk-0.9.1 (lang=go; os=linux; go.version=go1.22.5)",
)
# Public ranges of the kind seen in real events: IBM Cloud egress for service IDs,
# ISP and corporate networks for people.
_CLOUD_NETS = ("169.45", "169.60", "169.63", "150.240", "158.175", "161.156", "52.116", "149.81")
_PEOPLE_NETS = ("81.2", "88.198", "93.184", "62.210", "79.140", "98.207", "73.162", "104.28",
                "129.41", "195.212", "217.70", "122.172", "203.0", "187.19")

_SID_NAMES = ("terraform-prod-deployer", "ci-pipeline", "backup-agent", "cloudant-replicator",
              "log-shipper", "k8s-cluster-autoscaler", "billing-exporter", "secrets-rotator",
              "monitoring-agent", "data-lake-ingest", "schematics-runner", "cost-reporter",
              "audit-forwarder", "dr-failover", "orders-api", "inventory-sync")
_KEY_NAMES = ("cli-laptop", "ci-token-2026", "terraform-apikey", "jenkins-deploy", "local-dev",
              "ansible-automation", "grafana-datasource", "support-debug", "github-actions",
              "nightly-export")
_GROUP_NAMES = ("Administrators", "Developers", "Auditors", "Billing Viewers", "SRE On-Call",
                "Data Engineers", "Security Operations", "Read Only", "Cloudant Writers",
                "Contractors")
_ROLES = ("Viewer", "Operator", "Editor", "Administrator", "Reader", "Writer", "Manager")
_POLICY_SERVICES = ("cloudantnosqldb", "cloud-object-storage", "kms", "containers-kubernetes",
                    "iam-identity", "billing", "logs", "is", "secrets-manager", "")
_DBS = ("orders", "customers", "inventory", "sessions", "audit-trail", "products", "payments",
        "events-2026", "user-profiles", "carts")
_TAGS = ("env:prod", "env:dev", "team:payments", "cost-center:4711", "owner:sre", "project:atlas",
         "compliance:pci", "env:staging")
_CATALOG_NAMES = ("Approved Software", "Platform Team Catalog", "Data Services", "Sandbox Catalog")
_OFFERINGS = ("redis-operator", "postgres-ha", "nginx-ingress", "vault-agent", "kafka-connect",
              "observability-stack")
_FED_REALM = "https://sso.corp.example.com/idp/shibboleth"


class _Initiator:
    """One identity that acts in the accounts, with its habitual addresses and clients."""

    __slots__ = ("id", "name", "type_uri", "kind", "label", "addresses", "browser", "cli", "sdk",
                 "cloudant_sdk", "cli_cred", "authn_id", "authn_name")

    def __init__(self, id: str, name: str, type_uri: str, kind: str, label: str,
                 addresses: tuple[str, ...], browser: str, cli: str, sdk: str, cloudant_sdk: str,
                 cli_cred: str, authn_id: str, authn_name: str) -> None:
        self.id = id
        self.name = name
        self.type_uri = type_uri
        self.kind = kind
        self.label = label
        self.addresses = addresses
        self.browser = browser
        self.cli = cli
        self.sdk = sdk
        self.cloudant_sdk = cloudant_sdk
        self.cli_cred = cli_cred
        self.authn_id = authn_id
        self.authn_name = authn_name


class _Cloudant:
    __slots__ = ("name", "region", "crn", "source", "resource_group", "dbs")

    def __init__(self, name: str, region: str, crn: str, source: str, resource_group: str,
                 dbs: tuple[str, ...]) -> None:
        self.name = name
        self.region = region
        self.crn = crn
        self.source = source
        self.resource_group = resource_group
        self.dbs = dbs


class _Account:
    __slots__ = ("id", "name", "sources", "service_ids", "api_keys", "groups", "profiles",
                 "cloudant", "cos", "catalogs", "enterprise_id", "resource_groups", "locked")

    def __init__(self, id: str, name: str) -> None:
        self.id = id
        self.name = name
        self.sources: dict[str, str] = {}
        self.service_ids: list[tuple[str, str]] = []
        self.api_keys: list[tuple[str, str]] = []
        self.groups: list[tuple[str, str]] = []
        self.profiles: list[tuple[str, str]] = []
        self.cloudant: list[_Cloudant] = []
        self.cos: list[tuple[str, str]] = []
        self.catalogs: list[tuple[str, str]] = []
        self.enterprise_id = ""
        self.resource_groups: list[str] = []
        # Locked service IDs: updates on them fail (seed 000, "Resource is locked").
        self.locked: set[str] = set()


class _Ev:
    """Mutable scratch state of the event being built; builders fill target/request/response."""

    __slots__ = ("acct", "ini", "channel", "agent", "cred", "ini_name", "address", "target",
                 "req", "resp", "code", "outcome", "why", "severity", "source", "authn")

    def __init__(self, acct: _Account, ini: _Initiator) -> None:
        self.acct = acct
        self.ini = ini
        self.ini_name = ini.name
        self.channel = ""
        self.agent = ""
        self.cred = ""
        self.address = ""
        self.authn = False
        self.code = 0
        self.outcome = ""
        self.why = ""
        self.severity = ""
        self.source = ""
        self.target: JSONObject = {}
        self.req: JSONObject = {}
        self.resp: JSONObject = {}


_Builder = Callable[["_Gen", _Ev], None]
_SignalHandler = Callable[[int, FrameType | None], object] | int | None


class _Spec:
    __slots__ = ("action", "weight", "service", "build", "who", "ui", "severity", "ok", "fail",
                 "codes", "data", "not_set", "prefix", "xgt", "nf_severity")

    def __init__(self, action: str, weight: float, build: _Builder, *, who: str = "any",
                 ui: float = 0.5, severity: str = "normal", ok: int = 200, fail: float = 0.02,
                 codes: tuple[int, ...] = (403, 400, 500), data: bool = False,
                 service: str = "", verb_object: str = "", nf_severity: str = "warning") -> None:
        self.action = action
        self.weight = weight
        self.build = build
        self.who = who
        self.ui = ui
        self.severity = severity
        self.ok = ok
        self.fail = fail
        self.codes = codes
        self.data = data
        svc, obj, verb = action.rsplit(".", 2) if action.count(".") >= 2 else (action, "", "")
        if svc.count("."):
            svc = svc.split(".")[0]
        self.service = service or svc
        display = _DISPLAY[self.service]
        self.prefix = f"{display}: {verb_object or (verb + ' ' + obj)} "
        # seed 000: UI-originated IAM updates carry the agent "Not Set".
        self.not_set = self.service in ("iam-identity", "iam-groups", "iam-am")
        self.xgt = self.service == "iam-identity"
        self.nf_severity = nf_severity


class _Gen:
    """Holds the random source, the synthetic world (accounts, identities) and the builders."""

    def __init__(self, seed: int, start: datetime) -> None:
        self.rng = rng = Random(seed)
        self._months = _months_before(start, 3)
        self.accounts = [self._account("Production"), self._account("Development"),
                         self._account("Sandbox")]
        self.acct_cum = list(accumulate((0.72, 0.2, 0.08)))
        self.users = [self._user(i) for i in range(68)]
        self.sids = [self._sid(i) for i in range(26)]
        self.profiles = [self._profile(i) for i in range(6)]
        self.user_cum = _zipf_cum(rng, len(self.users))
        self.sid_cum = _zipf_cum(rng, len(self.sids))
        self.prof_cum = _zipf_cum(rng, len(self.profiles))
        self.specs = _specs()
        self.spec_cum = list(accumulate(s.weight for s in self.specs))
        self.spec_total = self.spec_cum[-1]
        self._pending: list[tuple[int, int, JSONObject]] = []
        self._seq = 0

    def uuid(self) -> str:
        # Shaped like uuid4 (version and variant nibbles) but drawn from the seeded source.
        h = "%032x" % self.rng.getrandbits(128)
        return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[int(h[16], 16) & 3]}{h[17:20]}-{h[20:]}"

    def hex(self, n: int) -> str:
        return "%0*x" % (n, self.rng.getrandbits(n * 4))

    # ---- world construction (runs once, so clarity over speed) ----

    def _account(self, name: str) -> _Account:
        rng = self.rng
        a = _Account(self.hex(32), f"{name} Account")
        for svc in ("iam-identity", "iam-groups", "iam-am", "billing", "user-management",
                    "globalcatalog-collection", "global-search-tagging"):
            a.sources[svc] = f"crn:v1:bluemix:public:{svc}:global:a/{a.id}:::"
        a.resource_groups = [self.hex(32) for _ in range(3)]
        a.service_ids = [(self.uuid(), n) for n in rng.sample(_SID_NAMES, 10)]
        a.locked = {sid for sid, _ in rng.sample(a.service_ids, 3)}
        a.api_keys = [(self.uuid(), n) for n in rng.sample(_KEY_NAMES, 8)]
        a.groups = [(self.uuid(), n) for n in _GROUP_NAMES]
        a.profiles = [(self.uuid(), n) for n in ("cluster-workloads", "federated-admins",
                                                  "vsi-backup", "ci-runners")]
        prefix = name.lower()[:4]
        for region, label in (("us-south", "orders"), ("eu-de", "analytics"),
                              ("jp-tok", "sessions")):
            inst = self.uuid()
            crn_head = f"crn:v1:bluemix:public:cloudantnosqldb:{region}:a/{a.id}:{inst}"
            rg = f"crn:v1:bluemix:public:resource-controller::a/{a.id}::resource-group:" \
                 f"{rng.choice(a.resource_groups)}"
            dbs = tuple(rng.sample(_DBS, 5))
            a.cloudant.append(_Cloudant(f"cloudant-{label}-{prefix}", region, crn_head,
                                        crn_head + "::", rg, dbs))
        a.cos = [(f"crn:v1:bluemix:public:cloud-object-storage:global:a/{a.id}:{self.uuid()}::",
                  f"cos-{n}-{prefix}") for n in ("backups", "logs-archive", "static-assets")]
        a.catalogs = [(self.uuid(), n) for n in _CATALOG_NAMES]
        a.enterprise_id = self.hex(32)
        return a

    def _ip(self, nets: tuple[str, ...]) -> str:
        r = self.rng
        return f"{r.choice(nets)}.{r.randrange(0, 256)}.{r.randrange(1, 255)}"

    def _ibmid(self) -> str:
        r = self.rng
        tail = "".join(r.choice("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789") for _ in range(5))
        return f"IBMid-{r.choice(_IBMID_PREFIXES)}00{tail}"

    def _user(self, i: int) -> _Initiator:
        r = self.rng
        first, last = _FIRST[i % len(_FIRST)], _LAST[(i * 7 + i // len(_FIRST)) % len(_LAST)]
        email = f"{first}.{last}@{r.choice(_DOMAINS)}"
        iam_id = self._ibmid()
        # A few identities show an empty initiator.name, as in the seed's user-management example.
        name = "" if i % 23 == 22 else email
        office = self._ip(_PEOPLE_NETS[:4]) if i % 3 else self._ip(_PEOPLE_NETS[4:8])
        addrs = (office, self._ip(_PEOPLE_NETS)) if i % 4 else (office,)
        return _Initiator(iam_id, name, "service/security/account/user", "user", email, addrs,
                          r.choice(_BROWSERS), r.choice(_CLIS), r.choice(_SDKS[3:]),
                          r.choice(_CLOUDANT_SDKS), "token" if i % 3 else "apikey",
                          iam_id, email)

    def _sid(self, i: int) -> _Initiator:
        r = self.rng
        u = self.uuid()
        label = _SID_NAMES[i % len(_SID_NAMES)]
        addrs = (self._ip(_CLOUD_NETS), self._ip(_CLOUD_NETS))
        return _Initiator(f"iam-ServiceId-{u}", f"ServiceId-{u}",
                          "service/security/account/serviceid", "sid", label, addrs, "",
                          r.choice((_CLIS[0], _CLIS[3])), r.choice(_SDKS[:4]),
                          r.choice(_CLOUDANT_SDKS), "apikey", "", "")

    def _profile(self, i: int) -> _Initiator:
        u = self.uuid()
        label = ("federated-admins", "cluster-workloads", "ci-runners", "auditors-readonly",
                 "vsi-backup", "sre-breakglass")[i]
        user = self.users[i * 11 % len(self.users)]
        return _Initiator(f"iam-Profile-{u}", f"Profile-{u}", "service/security/account/profile",
                          "profile", label, user.addresses, user.browser, user.cli, user.sdk,
                          user.cloudant_sdk, "profile", user.id, user.label)

    # ---- per-event helpers (hot path) ----

    def month(self) -> str:
        return self.rng.choice(self._months)

    def pick_user(self) -> _Initiator:
        return self.users[bisect(self.user_cum, self.rng.random() * self.user_cum[-1])]

    def pick(self, who: str) -> _Initiator:
        r = self.rng.random()
        if who == "any":
            who = "user" if r < 0.68 else "sid"
        elif who == "data":
            who = "sid" if r < 0.4 else "user"
        if who == "user":
            return self.pick_user()
        if who == "sid":
            return self.sids[bisect(self.sid_cum, self.rng.random() * self.sid_cum[-1])]
        return self.profiles[bisect(self.prof_cum, self.rng.random() * self.prof_cum[-1])]

    def failure_body(self, e: _Ev, code: int, service: str) -> JSONObject:
        if service == "cloudantnosqldb":
            err, why = _COUCH_ERRORS[code]
            e.why = why
            return {"error": err, "reason": why, "X-Couch-Request-ID": self.hex(10)}
        err, why = _FAIL_TEXT[code]
        if e.why:  # a builder that forced the failure knows the precise reason
            why = e.why
        e.why = why
        return {"status_code": code, "trace": self.hex(32),
                "errors": [{"code": err, "message": why,
                            "more_info": f"https://cloud.ibm.com/apidocs/{service}"}]}

    def events(self, count: int | None, t0: int, live: bool) -> Iterator[JSONObject]:
        rng = self.rng
        specs, cum, total = self.specs, self.spec_cum, self.spec_total
        pending = self._pending
        t = t0
        last_sec = -1
        sec_text = ""
        n = 0
        while count is None or n < count:
            # Bursty arrivals (most gaps short, some long) slowed down at night, so a day of
            # events has the shape of a real account rather than a flat line.
            if rng.random() < 0.55:
                gap = int(rng.random() * 25)
            else:
                gap = int(rng.expovariate(0.0085))
            if live:
                # The gap is still drawn so that live and replayed runs carry the same events.
                t = max(t, int(time.time() * 100))
            else:
                t += gap * _HOUR_FACTOR[(t // 360000) % 24] // 4
            sec = t // 100
            if sec != last_sec:
                last_sec = sec
                sec_text = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(sec))
            stamp = f"{sec_text}.{t % 100:02d}+0000"
            if pending and pending[0][0] <= n:
                ev = heapq.heappop(pending)[2]
                ev["eventTime"] = stamp
                ev["correlationId"] = self.uuid()
            else:
                ev = self.build(specs[bisect(cum, rng.random() * total)], stamp, n)
            yield ev
            n += 1

    def build(self, spec: _Spec, stamp: str, n: int) -> JSONObject:
        rng = self.rng
        acct = self.accounts[bisect(self.acct_cum, rng.random())]
        ini = self.pick(spec.who)
        e = _Ev(acct, ini)
        addrs = ini.addresses
        e.address = addrs[0] if len(addrs) == 1 or rng.random() < 0.7 else addrs[1]
        r = rng.random()
        if ini.kind == "user":
            if r < spec.ui:
                e.channel = "ui"
                e.agent = "Not Set" if spec.not_set else ini.browser
                e.cred = "token"
            elif r < spec.ui + (1.0 - spec.ui) * 0.65:
                e.channel, e.agent, e.cred = "cli", ini.cli, ini.cli_cred
            else:
                e.channel, e.agent, e.cred = "api", ini.sdk, "apikey"
        elif r < 0.25 and ini.kind == "sid":
            e.channel, e.agent, e.cred = "cli", ini.cli, "apikey"
        else:
            e.channel, e.agent, e.cred = "api", ini.sdk, "apikey"
        spec.build(self, e)

        code = e.code
        outcome = e.outcome
        if not code and spec.fail and rng.random() < spec.fail:
            code = spec.codes[int(rng.random() * len(spec.codes))]
        if code and code >= 400:
            outcome = "failure"
            severity = spec.nf_severity if code == 404 else _FAIL_SEVERITY[code]
            e.resp = self.failure_body(e, code, spec.service)
            suffix = " -failure"
        elif outcome == "pending":
            severity = "normal"
            suffix = " -pending"
        else:
            outcome = "success"
            code = code or spec.ok
            severity = e.severity or spec.severity
            suffix = ""
        if spec.xgt:
            e.req["X-Global-Transaction-Id"] = self.hex(32)
        target = e.target
        # authnId/authnName name who logged in; IAM fills them on logins and for trusted
        # profiles (the user behind the profile) and mostly leaves them empty elsewhere.
        if e.authn or ini.kind == "profile":
            authn_id, authn_name = ini.authn_id, ini.authn_name
        else:
            authn_id = authn_name = ""
        reason: JSONObject = {"reasonCode": code, "reasonType": _HTTP_REASON[code]}
        if outcome == "failure":
            reason["reasonForFailure"] = e.why
        ev: JSONObject = {
            "eventTime": stamp,
            "action": spec.action,
            "outcome": outcome,
            "severity": severity,
            "message": f"{spec.prefix}{target['name']}{suffix}",
            "logSourceCRN": e.source or acct.sources[spec.service],
            "saveServiceCopy": True,
            "dataEvent": spec.data,
            "observer": {"name": "ActivityTracker"},
            "initiator": {
                "id": ini.id,
                "name": e.ini_name,
                "typeURI": ini.type_uri,
                "credential": {"type": e.cred},
                "host": {"address": e.address, "addressType": "IPv4", "agent": e.agent},
                "authnId": authn_id,
                "authnName": authn_name,
            },
            "target": target,
            "reason": reason,
            "requestData": e.req,
            "responseData": e.resp,
            "correlationId": self.uuid(),
            "eventType": "activity",
            "typeURI": _EVENT_TYPE_URI,
        }
        if outcome == "pending":
            # The async user-management request completes later with its own event (seed 001).
            # Deep copy (rare path) so callers mutating one event never touch the other.
            done = orjson.loads(orjson.dumps(ev))
            done["outcome"] = "success"
            done["severity"] = e.severity or spec.severity
            done["message"] = f"{spec.prefix}{target['name']}"
            done["reason"] = {"reasonCode": 200, "reasonType": "OK"}
            state = "ACTIVE" if spec.action.endswith("invite") else "DELETED"
            done["responseData"] = {"state": state}
            self._seq += 1
            heapq.heappush(self._pending, (n + 3 + int(rng.random() * 60), self._seq, done))
        return ev


# Relative inter-arrival stretch per UTC hour (4 = business hours): nights are quieter.
_HOUR_FACTOR = (12, 12, 12, 10, 8, 6, 5, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 5, 6, 8, 10, 12, 12)


def _zipf_cum(rng: Random, n: int) -> list[float]:
    # A few identities do most of the work in real accounts; shuffle so rank is not list order.
    weights = [1.0 / (k + 1) ** 0.8 for k in range(n)]
    rng.shuffle(weights)
    return list(accumulate(weights))


def _months_before(start: datetime, n: int) -> tuple[str, ...]:
    y, m = start.year, start.month
    out = []
    for _ in range(n):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
    return tuple(out)


def _tgt(id: str, name: str, type_uri: str) -> JSONObject:
    return {"id": id, "name": name, "typeURI": type_uri}


def _iam_crn(acct: _Account, part: str) -> str:
    return f"crn:v1:bluemix:public:iam-identity::a/{acct.id}::{part}"


# ---- builders: one per action family; they follow the seeds' requestData descriptions ----

_UI_CLIENT = "HOP55v1CCT"
_APIKEY_GRANT = "urn:ibm:params:oauth:grant-type:apikey"


def _login_resp() -> JSONObject:
    return {"token_type": "Bearer", "expires_in": 3600}


def _login_target(e: _Ev, kind: str) -> None:
    # A login is scoped to the account the token is issued for, not to a resource.
    e.authn = True
    name = e.ini.id if e.ini.kind == "user" else e.ini.label
    e.target = _tgt(e.acct.sources["iam-identity"], name, f"iam-identity/{kind}")


def _b_refresh_login(g: _Gen, e: _Ev) -> None:
    r = g.rng.random()
    if e.channel == "ui" or e.ini.kind != "user":
        e.channel, e.agent = "ui", e.ini.browser
        grant, e.cred = ("authorization_code", "user") if r < 0.35 else ("refresh_token", "token")
        client = _UI_CLIENT
    else:
        e.agent, client = e.ini.cli, "bx"
        if r < 0.4:
            grant, e.cred = "urn:ibm:params:oauth:grant-type:passcode", "user"
        elif r < 0.55:
            grant, e.cred = "password", "user"
        else:
            grant, e.cred = "refresh_token", "token"
    _login_target(e, "user-refreshtoken")
    e.req = {"client_id": client, "grant_type": grant}
    e.resp = _login_resp()


def _b_apikey_login(g: _Gen, e: _Ev) -> None:
    ini = e.ini
    cli = e.channel != "api"
    e.agent, e.cred = (ini.cli if cli else ini.sdk), "apikey"
    kind = "user-apikey" if ini.kind == "user" else "serviceid-apikey"
    _login_target(e, kind)
    e.req = {"client_id": "bx" if cli else "default", "grant_type": _APIKEY_GRANT}
    e.resp = _login_resp()


def _b_cookie_login(g: _Gen, e: _Ev) -> None:
    e.channel, e.agent, e.cred = "ui", e.ini.browser, "token"
    _login_target(e, "user-identitycookie")
    e.req = {"client_id": _UI_CLIENT,
             "grant_type": "urn:ibm:params:oauth:grant-type:identity-cookie"}
    e.resp = {"expires_in": 1200}


def _b_passcode_login(g: _Gen, e: _Ev) -> None:
    e.channel, e.agent, e.cred = "cli", e.ini.cli, "user"
    _login_target(e, "user-passcode")
    e.req = {"client_id": "bx", "grant_type": "urn:ibm:params:oauth:grant-type:passcode"}
    e.resp = _login_resp()


def _b_profile_login(g: _Gen, e: _Ev) -> None:
    ini = e.ini
    e.agent, e.cred = (ini.cli, "apikey") if g.rng.random() < 0.5 else (ini.sdk, "apikey")
    _login_target(e, "trustedprofile-apikey")
    e.req = {"client_id": "bx", "grant_type": _APIKEY_GRANT, "profile_id": ini.id,
             "profile_name": ini.label}
    e.resp = _login_resp()


def _b_logout(g: _Gen, e: _Ev) -> None:
    e.channel, e.agent, e.cred = "ui", e.ini.browser, "token"
    _login_target(e, "user")
    e.req = {"client_id": _UI_CLIENT, "session_id": f"C-{g.uuid()}"}
    e.resp = {"revoked_tokens": 2}


def _update_fields(g: _Gen, e: _Ev, name: str, new_names: tuple[str, ...], locked: bool) -> None:
    """Fill requestData of an IAM Identity update as seed 000 describes (lock, rename, describe)."""
    r = g.rng.random()
    desc = f"Owned by platform team (CHG{g.rng.randrange(100000, 999999)})"
    new = name
    lock = False
    if locked and r < 0.6:
        # Changing anything on a locked resource fails, and the event is critical (seed 000).
        new = g.rng.choice(new_names)
        lock = True
        e.code = 403
        e.why = "The resource is locked. Unlock it before you change its attributes."
    elif r < 0.04:
        # Authenticated but unauthorized caller: IAM cannot resolve a name yet (seed 004).
        e.ini_name = ""
        e.code = 403
        new = g.rng.choice(new_names)
    elif r < 0.4:
        new = g.rng.choice(new_names)
    elif r < 0.55:
        lock = True
    e.req = {"instance_name": new, "prev_instance_name": name, "lock": lock, "description": desc}


def _b_serviceid(g: _Gen, e: _Ev, verb: str) -> None:
    acct = e.acct
    sid, name = g.rng.choice(acct.service_ids)
    e.target = _tgt(_iam_crn(acct, f"serviceid:ServiceId-{sid}"), name,
                    "iam-identity/account-serviceid")
    if verb == "update":
        _update_fields(g, e, name, _SID_NAMES, sid in acct.locked)
    elif verb == "create":
        e.req = {"instance_name": name, "description": f"Service ID for {name}",
                 "account_id": acct.id}
    else:
        e.req = {"instance_name": name, "iam_id": f"iam-ServiceId-{sid}"}
    e.resp = {"iam_id": f"iam-ServiceId-{sid}",
              "entity_tag": f"{g.rng.randrange(2, 40)}-{g.hex(8)}"}


def _b_sid_create(g: _Gen, e: _Ev) -> None:
    _b_serviceid(g, e, "create")


def _b_sid_update(g: _Gen, e: _Ev) -> None:
    _b_serviceid(g, e, "update")


def _b_sid_delete(g: _Gen, e: _Ev) -> None:
    _b_serviceid(g, e, "delete")


def _b_apikey(g: _Gen, e: _Ev, verb: str, owner: str) -> None:
    acct = e.acct
    key, name = g.rng.choice(acct.api_keys)
    e.target = _tgt(_iam_crn(acct, f"apikey:ApiKey-{key}"), name, f"iam-identity/{owner}-apikey")
    if owner == "user":
        owner_id = g.pick_user().id
    else:
        owner_id = f"iam-ServiceId-{g.rng.choice(acct.service_ids)[0]}"
    if verb == "update":
        _update_fields(g, e, name, _KEY_NAMES, False)
        e.req["iam_id"] = owner_id
    else:
        e.req = {"instance_name": name, "iam_id": owner_id, "apikey_id": f"ApiKey-{key}"}
        if verb == "create":
            e.req["store_value"] = False
            e.req["description"] = f"API key for {name}"
    e.resp = {"apikey_id": f"ApiKey-{key}", "entity_tag": f"{g.rng.randrange(2, 9)}-{g.hex(8)}"}


def _b_uk_create(g: _Gen, e: _Ev) -> None:
    _b_apikey(g, e, "create", "user")


def _b_uk_update(g: _Gen, e: _Ev) -> None:
    _b_apikey(g, e, "update", "user")


def _b_uk_delete(g: _Gen, e: _Ev) -> None:
    _b_apikey(g, e, "delete", "user")


def _b_sk_create(g: _Gen, e: _Ev) -> None:
    _b_apikey(g, e, "create", "serviceid")


def _b_sk_update(g: _Gen, e: _Ev) -> None:
    _b_apikey(g, e, "update", "serviceid")


def _b_sk_delete(g: _Gen, e: _Ev) -> None:
    _b_apikey(g, e, "delete", "serviceid")


def _b_profile(g: _Gen, e: _Ev) -> None:
    pid, name = g.rng.choice(e.acct.profiles)
    e.target = _tgt(_iam_crn(e.acct, f"profile:Profile-{pid}"), name,
                    "iam-identity/account-profile")
    e.req = {"name": name, "description": f"Trusted profile {name}", "account_id": e.acct.id}
    e.resp = {"id": f"Profile-{pid}", "entity_tag": f"{g.rng.randrange(2, 9)}-{g.hex(8)}"}


_MFA_LEVEL = {"NONE": 0, "TOTP": 1, "TOTP4ALL": 2, "LEVEL1": 3, "LEVEL2": 4, "LEVEL3": 5}
_MFA = tuple(_MFA_LEVEL)
_RESTRICT = ("NOT_RESTRICTED", "RESTRICTED")


def _b_accountsettings(g: _Gen, e: _Ev) -> None:
    rng = g.rng
    e.target = _tgt(f"crn:v1:bluemix:public:iam-identity::a/{e.acct.id}::accountsettings:",
                    e.acct.name, "iam-identity/accountsettings")
    body: JSONObject = {}
    weaker = False
    changed = rng.randrange(4)
    old_mfa = rng.choice(_MFA)
    new_mfa = rng.choice(_MFA) if changed == 0 else old_mfa
    body["old_mfa_traits"], body["new_mfa_traits"] = old_mfa, new_mfa
    weaker |= _MFA_LEVEL[new_mfa] < _MFA_LEVEL[old_mfa]
    for i, key in enumerate(("restrict_create_platform_apikey", "restrict_create_service_id",
                             "allowed_ip_addresses"), 1):
        old = rng.choice(_RESTRICT)
        new = _RESTRICT[1 - _RESTRICT.index(old)] if changed == i else old
        body[f"old_{key}"], body[f"new_{key}"] = old, new
        weaker |= old == "RESTRICTED" and new == "NOT_RESTRICTED"
    # Loosening MFA or a restriction weakens the account's security posture.
    e.severity = "critical" if weaker else "warning"
    e.req = {"account_id": e.acct.id, "request_body": body}
    e.resp = {"entity_tag": f"{rng.randrange(1, 60)}"}


def _b_settings_migrate(g: _Gen, e: _Ev) -> None:
    e.target = _tgt(f"crn:v1:bluemix:public:iam-identity::a/{e.acct.id}::accountsettings:",
                    e.acct.name, "iam-identity/accountsettings")
    e.req = {"account_id": e.acct.id,
             "message": "IAM account settings changes are now reported by the IAM Identity service"}
    e.resp = {"migrated": True}


def _group_target(g: _Gen, e: _Ev) -> tuple[str, str]:
    gid, name = g.rng.choice(e.acct.groups)
    e.target = _tgt(
        f"crn:v1:bluemix:public:iam-groups:global:a/{e.acct.id}::group:AccessGroupId-{gid}",
        name, "iam-groups/group")
    return f"AccessGroupId-{gid}", name


def _b_group(g: _Gen, e: _Ev) -> None:
    gid, name = _group_target(g, e)
    e.req = {"name": name, "description": f"Members get {g.rng.choice(_ROLES)} access",
             "account_id": e.acct.id}
    e.resp = {"id": gid, "href": f"https://iam.cloud.ibm.com/v2/groups/{gid}"}


def _b_group_delete(g: _Gen, e: _Ev) -> None:
    gid, _ = _group_target(g, e)
    e.req = {"access_group_id": gid, "force": g.rng.random() < 0.3}


def _b_groups_list(g: _Gen, e: _Ev) -> None:
    e.target = _tgt(f"crn:v1:bluemix:public:iam-groups:global:a/{e.acct.id}:::", e.acct.name,
                    "iam-groups/groups")
    e.req = {"limit": 100, "offset": 0, "show_federated": True}
    e.resp = {"total_count": len(e.acct.groups), "limit": 100, "offset": 0}


def _b_member(g: _Gen, e: _Ev) -> None:
    gid, _ = _group_target(g, e)
    m = g.pick_user() if g.rng.random() < 0.8 else g.sids[g.rng.randrange(len(g.sids))]
    e.req = {"access_group_id": gid,
             "members": [{"iam_id": m.id, "type": "user" if m.kind == "user" else "service"}]}
    e.resp = {"members": [{"iam_id": m.id, "status_code": 200}]}


def _b_members_list(g: _Gen, e: _Ev) -> None:
    gid, _ = _group_target(g, e)
    e.req = {"access_group_id": gid, "limit": 50, "verbose": g.rng.random() < 0.5}
    e.resp = {"total_count": g.rng.randrange(2, 40)}


def _b_rule(g: _Gen, e: _Ev) -> None:
    gid, name = _group_target(g, e)
    e.req = {"access_group_id": gid, "name": f"{name} from SSO", "expiration": 12,
             "realm_name": _FED_REALM,
             "conditions": [{"claim": "blueGroups", "operator": "CONTAINS",
                             "value": name.lower().replace(" ", "-")}]}
    e.resp = {"id": f"ClaimRule-{g.uuid()}"}


def _b_fed_member(g: _Gen, e: _Ev) -> None:
    gid, _ = _group_target(g, e)
    e.channel, e.agent, e.cred = "ui", e.ini.browser, "user"
    e.req = {"access_group_id": gid, "iam_id": e.ini.id, "realm_name": _FED_REALM,
             "rule_id": f"ClaimRule-{g.uuid()}"}


def _b_groups_settings(g: _Gen, e: _Ev) -> None:
    e.target = _tgt(f"crn:v1:bluemix:public:iam-groups:global:a/{e.acct.id}:::", e.acct.name,
                    "iam-groups/account-settings")
    e.req = {"account_id": e.acct.id, "public_access_enabled": g.rng.random() < 0.3}
    e.severity = "warning"


def _b_policy(g: _Gen, e: _Ev) -> None:
    rng = g.rng
    pid = g.uuid()
    e.target = _tgt(f"crn:v1:bluemix:public:iam-am::a/{e.acct.id}::policy:{pid}", f"policy-{pid}",
                    "iam-am/policy")
    if rng.random() < 0.5:
        subject = {"name": "access_group_id",
                   "value": f"AccessGroupId-{rng.choice(e.acct.groups)[0]}"}
    else:
        subject = {"name": "iam_id", "value": g.pick_user().id}
    role = rng.choice(_ROLES)
    attrs = [{"name": "accountId", "value": e.acct.id}]
    svc = rng.choice(_POLICY_SERVICES)
    if svc:
        attrs.append({"name": "serviceName", "value": svc})
    e.req = {"type": "access", "subjects": [{"attributes": [subject]}],
             "roles": [{"role_id": f"crn:v1:bluemix:public:iam::::serviceRole:{role}"}],
             "resources": [{"attributes": attrs}]}
    e.resp = {"id": pid}


def _b_policy_delete(g: _Gen, e: _Ev) -> None:
    pid = g.uuid()
    e.target = _tgt(f"crn:v1:bluemix:public:iam-am::a/{e.acct.id}::policy:{pid}", f"policy-{pid}",
                    "iam-am/policy")
    e.req = {"policy_id": pid}


def _billing_target(e: _Ev, kind: str, name: str) -> None:
    e.target = _tgt(f"crn:v1:bluemix:public:billing:global:a/{e.acct.id}::{kind}", name,
                    f"billing/{kind.split(':')[0]}")


def _b_account_update(g: _Gen, e: _Ev) -> None:
    _billing_target(e, "account:", e.acct.name)
    old = e.acct.name
    e.req = {"updateType": "account name update", "initialValue": old,
             "newValue": f"{old} ({g.rng.choice(('EU', 'US', 'Shared'))})"}
    e.severity = "warning"


def _b_traits(g: _Gen, e: _Ev) -> None:
    _billing_target(e, "account-traits:", e.acct.name)
    if g.rng.random() < 0.5:
        e.req = {"origin": "BSS", "team_directory_enabled": g.rng.random() < 0.5}
    else:
        e.req = {"origin": "BSS", "mfa": g.rng.choice(("", "TOTP", "TOTP4ALL"))}
    e.severity = "warning"


def _b_usage_summary(g: _Gen, e: _Ev) -> None:
    month = g.month()
    _billing_target(e, f"usage-report:{month}", f"usage-{month}")
    e.req = {"month": month}
    e.resp = {"currency_code": "USD", "billing_country_code": "USA",
              "resources": g.rng.randrange(8, 90)}


def _b_usage_report(g: _Gen, e: _Ev) -> None:
    rng = g.rng
    month = g.month()
    _billing_target(e, f"usage-report:{month}", f"usage-{month}")
    req: JSONObject = {"month": month, "usage_report_type": rng.choice(("instances", "rollup"))}
    if rng.random() < 0.4:
        req["resource_group"] = rng.choice(e.acct.resource_groups)
    if rng.random() < 0.3:
        req["daily"] = True
    e.req = req
    e.resp = {"currency_code": "USD", "count": rng.randrange(0, 200)}


def _b_enterprise_report(g: _Gen, e: _Ev) -> None:
    month = g.month()
    _billing_target(e, f"enterprise-usage-report:{month}", f"enterprise-usage-{month}")
    req: JSONObject = {"month": month, "children": g.rng.random() < 0.6,
                       "enterprise_id": e.acct.enterprise_id}
    if g.rng.random() < 0.3:
        req["account_group_id"] = g.hex(32)
    e.req = req
    e.resp = {"currency_code": "USD", "count": g.rng.randrange(1, 30)}


def _um_target(e: _Ev, name: str) -> None:
    e.target = _tgt(f"crn:v1:bluemix:public:user-management:global:a/{e.acct.id}:::", name,
                    "user-management/user")


def _b_invite(g: _Gen, e: _Ev) -> None:
    rng = g.rng
    email = f"{rng.choice(_FIRST)}.{rng.choice(_LAST)}{rng.randrange(1, 99)}@{rng.choice(_DOMAINS)}"
    _um_target(e, email)
    e.req = {"users": [{"email": email, "account_role": "Member"}],
             "access_groups": [f"AccessGroupId-{rng.choice(e.acct.groups)[0]}"]}
    e.resp = {"resources": [{"email": email, "state": "PROCESSING"}]}
    if rng.random() < 0.6:
        e.outcome, e.code = "pending", 202


def _b_user_delete(g: _Gen, e: _Ev) -> None:
    u = g.pick_user()
    _um_target(e, u.id)
    e.req = {"iam_id": u.id, "account_id": e.acct.id}
    e.severity = "warning"
    if g.rng.random() < 0.6:
        e.outcome, e.code = "pending", 202


def _b_user_update(g: _Gen, e: _Ev) -> None:
    u = g.pick_user()
    _um_target(e, u.id)
    old, new = ("ACTIVE", "SUSPENDED") if g.rng.random() < 0.5 else ("SUSPENDED", "ACTIVE")
    e.req = {"iam_id": u.id, "updateType": "state update", "initialValue": old, "newValue": new}
    e.severity = "warning"
    if e.channel == "ui" and g.rng.random() < 0.3:
        e.agent = ""  # seed 001 shows a UI user update with an empty agent


def _b_user_setting(g: _Gen, e: _Ev) -> None:
    rng = g.rng
    u = g.pick_user()
    _um_target(e, u.id)
    if rng.random() < 0.25:
        ips = [{"address": f"{rng.choice(_PEOPLE_NETS)}.{rng.randrange(256)}.0/24",
                "addressType": "IPv4"} for _ in range(rng.randrange(1, 4))]
        update: JSONObject = {"ips_added": ips, "updateType": "allowed_ip_addresses changes"}
    else:
        kind = rng.choice(("self_manage", "2FA", "security_questions_setup"))
        old = rng.random() < 0.5
        update = {"initialValue": old, "newValue": not old, "updateType": f"{kind} update"}
    e.req = {"iam_id": u.id, "totalNumberChanges": 1, "update": [update]}
    e.severity = "warning"


def _b_user_list(g: _Gen, e: _Ev) -> None:
    _um_target(e, e.acct.name)
    e.req = {"limit": 100, "include_settings": g.rng.random() < 0.5}
    e.resp = {"total_results": g.rng.randrange(60, 75), "limit": 100}


def _b_user_read(g: _Gen, e: _Ev) -> None:
    u = g.pick_user()
    _um_target(e, u.id)
    e.req = {"iam_id": u.id}
    e.resp = {"state": "ACTIVE", "email": u.label}


def _b_invite_accept(g: _Gen, e: _Ev) -> None:
    e.channel, e.agent, e.cred = "ui", e.ini.browser, "token"
    _um_target(e, e.acct.name)
    e.req = {"account_id": e.acct.id, "iam_id": e.ini.id}
    e.resp = {"update": [{"initialValue": f"BSS-{g.hex(32)}", "newValue": e.ini.id,
                          "updateType": "IAM ID Update during Accept"}]}


def _catalog_target(g: _Gen, e: _Ev, kind: str) -> tuple[str, str]:
    cid, name = g.rng.choice(e.acct.catalogs)
    e.target = _tgt(f"crn:v1:bluemix:public:globalcatalog-collection:global:a/{e.acct.id}:{cid}::",
                    name, f"globalcatalog-collection/{kind}")
    return cid, name


def _b_catalogs(g: _Gen, e: _Ev) -> None:
    e.target = _tgt(f"crn:v1:bluemix:public:globalcatalog-collection:global:a/{e.acct.id}:::",
                    e.acct.name, "globalcatalog-collection/instances")
    e.req = {"limit": 50, "offset": 0}
    e.resp = {"total_count": len(e.acct.catalogs)}


def _b_offering(g: _Gen, e: _Ev) -> None:
    cid, _ = _catalog_target(g, e, "offering")
    name = g.rng.choice(_OFFERINGS)
    e.target["name"] = name
    # Catalog updates often report only "unavailable" instead of the changes (seed 001).
    e.req = {"catalog_id": cid, "offering_id": g.hex(32), "offering_name": name,
             "changes": "unavailable"}
    r = g.rng
    e.resp = {"version": f"{r.randrange(1, 5)}.{r.randrange(0, 20)}.{r.randrange(0, 9)}"}


def _tag_req(g: _Gen, crn: str) -> JSONObject:
    return {"tag_names": g.rng.sample(_TAGS, g.rng.randrange(1, 3)),
            "tag_type": "user" if g.rng.random() < 0.8 else "access",
            "resources": [{"resource_id": crn}]}


def _b_tag_create(g: _Gen, e: _Ev) -> None:
    tag = g.rng.choice(_TAGS)
    e.target = _tgt(f"crn:v1:bluemix:public:global-search-tagging:global:a/{e.acct.id}::tag:{tag}",
                    tag, "global-search-tagging/tag")
    e.req = {"tag_names": [tag], "tag_type": "access", "account_id": e.acct.id}


def _b_tag_cloudant(g: _Gen, e: _Ev) -> None:
    inst = g.rng.choice(e.acct.cloudant)
    e.target = _tgt(inst.source, inst.name, "cloudantnosqldb/instance")
    e.req = _tag_req(g, inst.source)
    e.resp = {"results": [{"is_error": False}]}


def _b_tag_cos(g: _Gen, e: _Ev) -> None:
    crn, name = g.rng.choice(e.acct.cos)
    e.target = _tgt(crn, name, "cloud-object-storage/instance")
    e.req = _tag_req(g, crn)
    e.resp = {"results": [{"is_error": False}]}


def _cloudant(g: _Gen, e: _Ev, kind: str, doc: bool,
              rg: bool = True) -> tuple[_Cloudant, str, str]:
    """Target one database (or document) of a Cloudant instance; the instance is the log source."""
    rng = g.rng
    inst = e.acct.cloudant[0 if rng.random() < 0.6 else rng.randrange(1, len(e.acct.cloudant))]
    db = inst.dbs[int(rng.random() * len(inst.dbs))]
    e.source = inst.source
    if doc:
        docid = g.hex(32) if rng.random() < 0.15 else f"{db[:-1]}:{rng.randrange(100000, 999999)}"
        e.target = {"id": f"{inst.crn}:database:{db}", "name": f"{db}/{docid}",
                    "typeURI": f"cloudantnosqldb/{kind}"}
    else:
        docid = ""
        e.target = {"id": f"{inst.crn}:database:{db}", "name": db,
                    "typeURI": f"cloudantnosqldb/{kind}"}
        if rg:
            e.target["resourceGroupId"] = inst.resource_group
    e.agent = e.ini.browser if e.channel == "ui" else e.ini.cloudant_sdk
    return inst, db, docid


def _couch_resp(g: _Gen) -> JSONObject:
    return {"X-Couch-Request-ID": g.hex(10)}


def _b_doc_read(g: _Gen, e: _Ev) -> None:
    _, db, doc = _cloudant(g, e, "any-document", True)
    e.req = {"method": "GET", "path": f"/{db}/{doc}"}
    e.resp = {"bytes": g.rng.randrange(300, 40000)}


def _b_doc_write(g: _Gen, e: _Ev) -> None:
    _, db, doc = _cloudant(g, e, "data-document", True)
    method = "PUT" if g.rng.random() < 0.8 else "DELETE"
    e.req = {"method": method, "path": f"/{db}/{doc}"}
    e.resp = {"ok": True, "rev": f"{g.rng.randrange(1, 30)}-{g.hex(32)}"}


def _b_all_dbs(g: _Gen, e: _Ev) -> None:
    inst, _, _ = _cloudant(g, e, "account-all-dbs", False, rg=False)
    e.target["id"] = inst.source
    e.target["name"] = inst.name
    e.req = {"method": "GET", "path": "/_all_dbs"}
    e.resp = _couch_resp(g)
    e.resp["count"] = len(inst.dbs)


def _b_db_info(g: _Gen, e: _Ev) -> None:
    _, db, _ = _cloudant(g, e, "database-info", False, rg=False)
    e.req = {"method": "GET", "path": f"/{db}", "dbName": db}
    e.resp = _couch_resp(g)
    e.resp["doc_count"] = g.rng.randrange(1000, 5_000_000)


def _b_db_mgmt(g: _Gen, e: _Ev) -> None:
    _, db, _ = _cloudant(g, e, "database", False)
    e.req = {"method": "PUT", "path": f"/{db}?partitioned=false&q=16", "dbName": db}
    e.resp = _couch_resp(g)


def _b_db_delete(g: _Gen, e: _Ev) -> None:
    _, db, _ = _cloudant(g, e, "database", False)
    e.req = {"method": "DELETE", "path": f"/{db}", "dbName": db}
    e.resp = _couch_resp(g)


def _b_db_security(g: _Gen, e: _Ev) -> None:
    _, db, _ = _cloudant(g, e, "database-security", False)
    e.req = {"method": "PUT", "path": f"/{db}/_security", "dbName": db,
             "cloudant": {"nobody": [] if g.rng.random() < 0.8 else ["_reader"]}}
    e.resp = _couch_resp(g)


def _b_design_doc(g: _Gen, e: _Ev) -> None:
    _, db, _ = _cloudant(g, e, "design-document", False)
    ddoc = g.rng.choice(("by-date", "by-customer", "search", "status-index"))
    e.target["name"] = f"{db}/_design/{ddoc}"
    e.req = {"method": "PUT", "path": f"/{db}/_design/{ddoc}"}
    e.resp = _couch_resp(g)


def _b_replication(g: _Gen, e: _Ev) -> None:
    inst, db, _ = _cloudant(g, e, "replication", False)
    other = g.rng.choice(e.acct.cloudant)
    rep = f"{db}-to-{other.region}"
    e.target["name"] = f"_replicator/{rep}"
    e.req = {"method": "PUT", "path": f"/_replicator/{rep}", "dbName": "_replicator",
             "source": f"https://{inst.name}.cloudantnosqldb.appdomain.cloud/{db}",
             "target": f"https://{other.name}.cloudantnosqldb.appdomain.cloud/{db}",
             "continuous": True}
    e.resp = _couch_resp(g)


def _b_instance_cfg(g: _Gen, e: _Ev, kind: str, req: JSONObject, rg: bool = True) -> None:
    inst, _, _ = _cloudant(g, e, kind, False, rg)
    e.target["id"], e.target["name"] = inst.source, inst.name
    e.req = req
    e.resp = _couch_resp(g)


def _b_capacity(g: _Gen, e: _Ev) -> None:
    blocks = g.rng.choice((1, 2, 4, 10, 20))
    _b_instance_cfg(g, e, "capacity-throughput",
                    {"method": "PUT", "path": "/_api/v2/user/capacity/throughput",
                     "blocks": blocks})
    e.severity = "warning"


def _b_at_types(g: _Gen, e: _Ev) -> None:
    types = ["management", "data"] if g.rng.random() < 0.7 else ["management"]
    _b_instance_cfg(g, e, "activity-tracker-event-types",
                    {"method": "POST", "path": "/_api/v2/user/activity_tracker/events",
                     "types": types})
    e.severity = "warning"


def _b_revoke(g: _Gen, e: _Ev) -> None:
    _b_instance_cfg(g, e, "legacy-credentials",
                    {"method": "POST", "path": "/_api/v2/user/legacy_credentials/revoke"})


def _b_throughput(g: _Gen, e: _Ev) -> None:
    _b_instance_cfg(g, e, "current-throughput",
                    {"method": "GET", "path": "/_api/v2/user/current/throughput"}, rg=False)
    e.resp["throughput"] = {"read": g.rng.randrange(0, 400), "write": g.rng.randrange(0, 200),
                            "query": g.rng.randrange(0, 20)}


def _b_iam_session(g: _Gen, e: _Ev) -> None:
    _b_instance_cfg(g, e, "iam-session", {"method": "POST", "path": "/_iam_session"}, rg=False)
    e.resp["ok"] = True


def _b_dash_login(g: _Gen, e: _Ev) -> None:
    e.channel, e.cred = "ui", "token"
    _b_instance_cfg(g, e, "ibmid-login", {"method": "GET", "path": "/_iam_session/authenticate"},
                    rg=False)


def _specs() -> list[_Spec]:
    S = _Spec
    fail_upd = (403, 409, 400, 500)
    cl_read = (404, 401, 403, 500)
    cl_write = (409, 400, 403, 500)
    return [
        # IAM Identity: logins (failed logins never reach the account, seed 000), then CRUD.
        S("iam-identity.user-refreshtoken.login", 8.0, _b_refresh_login, who="user", ui=0.75,
          fail=0),
        S("iam-identity.user-apikey.login", 3.0, _b_apikey_login, who="user", ui=0.0, fail=0),
        S("iam-identity.serviceid-apikey.login", 7.0, _b_apikey_login, who="sid", fail=0),
        S("iam-identity.user-identitycookie.login", 3.5, _b_cookie_login, who="user", fail=0),
        S("iam-identity.user-passcode.login", 0.6, _b_passcode_login, who="user", fail=0),
        S("iam-identity.trustedprofile-apikey.login", 0.8, _b_profile_login, who="profile", fail=0),
        S("iam-identity.user.logout", 2.0, _b_logout, who="user", fail=0),
        S("iam-identity.account-serviceid.create", 0.8, _b_sid_create, ui=0.4, ok=201),
        S("iam-identity.account-serviceid.update", 1.2, _b_sid_update, ui=0.5, severity="warning",
          fail=0.02, codes=fail_upd),
        S("iam-identity.account-serviceid.delete", 0.5, _b_sid_delete, ui=0.5, ok=204,
          severity="critical"),
        S("iam-identity.user-apikey.create", 0.8, _b_uk_create, who="user", ui=0.5, ok=201),
        S("iam-identity.user-apikey.update", 0.8, _b_uk_update, who="user", ui=0.5,
          severity="warning", codes=fail_upd),
        S("iam-identity.user-apikey.delete", 0.5, _b_uk_delete, who="user", ui=0.5, ok=204,
          severity="critical"),
        S("iam-identity.serviceid-apikey.create", 0.7, _b_sk_create, ui=0.4, ok=201),
        S("iam-identity.serviceid-apikey.update", 0.6, _b_sk_update, ui=0.4, severity="warning",
          codes=fail_upd),
        S("iam-identity.serviceid-apikey.delete", 0.5, _b_sk_delete, ui=0.4, ok=204,
          severity="critical"),
        S("iam-identity.account-profile.create", 0.4, _b_profile, who="user", ok=201),
        S("iam-identity.account-profile.update", 0.4, _b_profile, who="user", severity="warning"),
        S("iam-identity.accountsettings.update", 0.5, _b_accountsettings, who="user", ui=0.8),
        S("iam-identity.accountsettings.migrate", 0.25, _b_settings_migrate, who="user", ui=0.8,
          fail=0),
        # IAM Access Groups
        S("iam-groups.group.create", 0.5, _b_group, ok=201, codes=(409, 400, 403)),
        S("iam-groups.group.update", 0.5, _b_group, severity="warning", codes=(409, 400, 403)),
        S("iam-groups.group.delete", 0.3, _b_group_delete, ok=204, severity="warning"),
        S("iam-groups.groups.list", 3.0, _b_groups_list, ui=0.7, fail=0.01),
        S("iam-groups.member.add", 1.0, _b_member, codes=(404, 403, 400)),
        S("iam-groups.member.delete", 0.5, _b_member, ok=204, severity="warning",
          codes=(404, 403)),
        S("iam-groups.members.list", 1.5, _b_members_list, ui=0.7, fail=0.01),
        S("iam-groups.rule.create", 0.3, _b_rule, who="user", ok=201),
        S("iam-groups.federated-member.add", 1.0, _b_fed_member, who="user", ui=1.0, fail=0),
        S("iam-groups.account-settings.update", 0.3, _b_groups_settings, who="user", ui=0.9),
        # IAM Access Management
        S("iam-am.policy.create", 1.0, _b_policy, ok=201, codes=(409, 400, 403, 500)),
        S("iam-am.policy.update", 0.8, _b_policy, severity="warning", codes=(409, 404, 403)),
        S("iam-am.policy.delete", 0.6, _b_policy_delete, ok=204, severity="warning",
          codes=(404, 403)),
        # Billing and usage
        S("billing.account.update", 0.3, _b_account_update, who="user", ui=0.9),
        S("billing.account-traits.update", 0.3, _b_traits, who="user", ui=0.9),
        S("billing.account-summary.read", 2.5, _b_usage_summary, who="user", ui=0.85, fail=0.06,
          codes=(404, 404, 403), nf_severity="normal"),
        S("billing.account-summary.download", 0.4, _b_usage_summary, who="user", ui=0.9,
          fail=0.05, codes=(404, 500), nf_severity="normal"),
        S("billing.account-usage-report.read", 1.5, _b_usage_report, ui=0.6, fail=0.06,
          codes=(404, 404, 403), nf_severity="normal"),
        S("billing.account-instances-usage-report.download", 0.4, _b_usage_summary, who="user",
          ui=0.9, fail=0.05, codes=(404, 500), nf_severity="normal"),
        S("billing.enterprise-usage-report.read", 0.4, _b_enterprise_report, ui=0.7, fail=0.05,
          codes=(404, 403), nf_severity="normal"),
        # User management (invite and delete are asynchronous: pending, then the outcome)
        S("user-management.user.invite", 0.8, _b_invite, who="user", ui=0.8, codes=(409, 400, 403),
          verb_object="invite user"),
        S("user-management.user.delete", 0.4, _b_user_delete, who="user", ui=0.8, codes=(404, 403),
          verb_object="delete user"),
        S("user-management.user.update", 0.4, _b_user_update, who="user", ui=0.9,
          verb_object="update user"),
        S("user-management.user-setting.update", 0.5, _b_user_setting, who="user", ui=0.9),
        S("user-management.cloud-user.list", 2.5, _b_user_list, ui=0.6, fail=0.01),
        S("user-management.user.read", 2.0, _b_user_read, ui=0.6, codes=(404, 403)),
        S("user-management.user-invitation.accept", 0.4, _b_invite_accept, who="user", fail=0,
          verb_object="accept user invitation to account"),
        # Private catalogs
        S("globalcatalog-collection.instances.list", 2.0, _b_catalogs, ui=0.6, fail=0.01),
        S("globalcatalog-collection.offering.update", 0.4, _b_offering, who="user", ui=0.7,
          severity="warning"),
        S("globalcatalog-collection.offering.read", 0.8, _b_offering, ui=0.6, codes=(404, 403)),
        # Tags: <service-name>.tag.attach / detach are emitted on behalf of the tagged service.
        S("global-search-tagging.tag.create", 0.6, _b_tag_create, who="user", ok=201),
        S("cloudantnosqldb.tag.attach", 0.5, _b_tag_cloudant, service="global-search-tagging"),
        S("cloud-object-storage.tag.attach", 0.5, _b_tag_cos, service="global-search-tagging"),
        S("cloudantnosqldb.tag.detach", 0.3, _b_tag_cloudant, service="global-search-tagging"),
        # Cloudant management events
        S("cloudantnosqldb.database.create", 0.6, _b_db_mgmt, who="data", ok=201,
          codes=(409, 403, 400)),
        S("cloudantnosqldb.database.delete", 0.3, _b_db_delete, who="data", severity="critical",
          codes=(404, 403)),
        S("cloudantnosqldb.database-security.write", 0.4, _b_db_security, who="data",
          severity="warning", codes=(403, 400)),
        S("cloudantnosqldb.design-document.write", 0.8, _b_design_doc, who="data", ok=201,
          codes=(409, 400)),
        S("cloudantnosqldb.replication.write", 0.4, _b_replication, who="data", ok=201,
          codes=(409, 403)),
        S("cloudantnosqldb.capacity-throughput.write", 0.3, _b_capacity, who="user", ui=0.7),
        S("cloudantnosqldb.activity-tracker-event-types.write", 0.25, _b_at_types, who="user",
          ui=0.3),
        S("cloudantnosqldb.legacy-credentials.revoke", 0.25, _b_revoke, who="user", ui=0.5,
          severity="critical"),
        # Cloudant data events
        S("cloudantnosqldb.any-document.read", 11.0, _b_doc_read, who="data", ui=0.1, data=True,
          fail=0.04, codes=cl_read),
        S("cloudantnosqldb.data-document.write", 7.0, _b_doc_write, who="data", ui=0.1, data=True,
          ok=201, fail=0.03, codes=cl_write),
        S("cloudantnosqldb.account-all-dbs.read", 2.0, _b_all_dbs, who="data", data=True, fail=0.01,
          codes=(401,)),
        S("cloudantnosqldb.database-info.read", 2.0, _b_db_info, who="data", data=True, fail=0.02,
          codes=(404, 401)),
        S("cloudantnosqldb.iam-session.write", 2.0, _b_iam_session, who="data", data=True,
          fail=0.02, codes=(401,)),
        S("cloudantnosqldb.ibmid-login.authenticate", 0.6, _b_dash_login, who="user", data=True,
          fail=0.02, codes=(401,)),
        S("cloudantnosqldb.current-throughput.read", 1.0, _b_throughput, who="data", data=True,
          fail=0.01, codes=(503,)),
    ]


# ---- public API ----

def _start_centis(start: datetime | None) -> tuple[datetime, int]:
    if start is None:
        start = _DEFAULT_START
    elif start.tzinfo is None:
        start = start.replace(tzinfo=timezone.utc)
    return start, round(start.timestamp() * 100)


def generate_events(count: int | None, *, seed: int = 0, start: datetime | None = None,
                    live: bool = False) -> Iterator[dict[str, object]]:
    """Yields event dicts; count None = endless. start defaults to 2026-11-20T00:00:00Z.
    live=True stamps each event with the current UTC time instead."""
    if live and start is None:
        start = datetime.now(timezone.utc)
    start, t0 = _start_centis(start)
    return _Gen(seed, start).events(count, t0, live)


def generate_lines(count: int | None, *, seed: int = 0, start: datetime | None = None,
                   live: bool = False) -> Iterator[bytes]:
    """Same events as JSON lines (bytes ending in b"\\n")."""
    dumps = orjson.dumps
    opt = orjson.OPT_APPEND_NEWLINE
    for ev in generate_events(count, seed=seed, start=start, live=live):
        yield dumps(ev, option=opt)


def _write_blocks(write: Callable[[bytes], object], count: int, seed: int) -> int:
    total = 0
    block: list[bytes] = []
    size = 0
    for line in generate_lines(count, seed=seed):
        block.append(line)
        size += len(line)
        if size >= _BLOCK_BYTES:
            write(b"".join(block))
            total += size
            block.clear()
            size = 0
    if block:
        write(b"".join(block))
        total += size
    return total


def write_file(path: str | os.PathLike[str], count: int, *, seed: int = 0) -> int:
    """Writes count events as JSON lines to path (overwrites), fast (write in big blocks);
    returns bytes written."""
    with open(path, "wb") as f:
        return _write_blocks(f.write, count, seed)


def _stream(write: Callable[[bytes], object], flush: Callable[[], object], *, rate: float,
            seed: int, count: int | None, burst: int, stop: threading.Event | None) -> int:
    if rate <= 0:
        raise ValueError("rate must be positive")
    lines = generate_lines(None, seed=seed, live=True)
    written = 0
    paced = 0  # events written because the rate made them due (bursts come on top)
    t0 = time.monotonic()
    next_burst = t0 + _FIRST_BURST
    # Above ~100/s, sleeping per event is too coarse; batch whatever is due in each 10 ms tick.
    min_sleep = 0.01 if rate >= 100 else 0.0
    while count is None or written < count:
        if stop is not None and stop.is_set():
            break
        now = time.monotonic()
        # +1: the first event goes out at once instead of 1/rate seconds after start.
        due = int((now - t0) * rate) + 1 - paced
        if due > rate * 2 + 1000:
            # After a stall (suspended machine) drop the backlog instead of flooding the file.
            paced += due - int(rate * 0.01 + 1)
            due = int(rate * 0.01 + 1)
        n = due
        if burst > 0 and now >= next_burst:
            n += burst
            next_burst += _BURST_EVERY
        if count is not None:
            n = min(n, count - written)
        if n > 0:
            write(b"".join(islice(lines, n)))
            flush()
            written += n
            paced += min(due, n)
            if count is not None and written >= count:
                break
        now = time.monotonic()
        wait = paced / rate - (now - t0)
        if burst > 0:
            wait = min(wait, next_burst - now)
        wait = min(max(wait, min_sleep), 0.1)
        if wait > 0:
            if stop is not None:
                stop.wait(wait)
            else:
                time.sleep(wait)
    return written


def stream_to_file(path: str | os.PathLike[str], *, rate: float, seed: int = 0,
                   count: int | None = None, burst: int = 0,
                   stop: threading.Event | None = None) -> int:
    """Appends events live at `rate` events/second, stamped with the current time.
    burst>0: every few seconds write `burst` extra events at once. Stops after count events
    or when stop is set. Returns events written."""
    with open(path, "ab") as f:
        return _stream(f.write, f.flush, rate=rate, seed=seed, count=count, burst=burst, stop=stop)


def main(argv: list[str] | None = None) -> int:
    """CLI: python -m tui.core.generator OUT [--count N] [--seed S] [--rate R] [--burst B]."""
    p = argparse.ArgumentParser(
        prog="python -m tui.core.generator",
        description="Generate realistic IBM Cloud Activity Tracker events as JSON lines.")
    p.add_argument("out", help="output file, or - for stdout")
    p.add_argument("--count", type=int, default=None,
                   help="number of events (default 1000; endless with --rate)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--rate", type=float, default=None,
                   help="append live at this many events per second, stamped with the current time")
    p.add_argument("--burst", type=int, default=0,
                   help="with --rate: every few seconds add this many events at once")
    args = p.parse_args(argv)
    if args.rate is not None and args.rate <= 0:
        p.error("--rate must be positive")
    to_stdout = args.out == "-"
    try:
        if args.rate is None:
            count = 1000 if args.count is None else args.count
            if to_stdout:
                out = sys.stdout.buffer
                _write_blocks(out.write, count, args.seed)
                out.flush()
            else:
                write_file(args.out, count, seed=args.seed)
            return 0
        return _run_live(args.out, args.rate, args.seed, args.count, args.burst)
    except BrokenPipeError:
        # The reader went away (e.g. `| head`); stop quietly and keep Python from
        # complaining again while flushing stdout at exit.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0


def _run_live(out: str, rate: float, seed: int, count: int | None, burst: int) -> int:
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous: list[tuple[signal.Signals, _SignalHandler]] = []
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGINT, signal.SIGTERM):
            previous.append((sig, signal.signal(sig, on_signal)))
    try:
        if out == "-":
            o = sys.stdout.buffer
            _stream(o.write, o.flush, rate=rate, seed=seed, count=count, burst=burst, stop=stop)
        else:
            stream_to_file(out, rate=rate, seed=seed, count=count, burst=burst, stop=stop)
    except KeyboardInterrupt:
        pass
    finally:
        for sig, handler in previous:
            signal.signal(sig, handler)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

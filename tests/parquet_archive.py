"""IBM Cloud Logs archives written for real with pyarrow, in the documented layout and schema,
beside the same audit events as JSON lines (what atlens must show for both alike)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

import orjson

COLUMNS = ("src_obj__event_metadata", "src_obj__event_labels", "src_obj__user_data")
START = datetime(2026, 11, 20, 9, 58, 0, tzinfo=timezone.utc)


def at(second: int) -> str:
    """An eventTime in the documented form, `second` seconds after START."""
    return (START + timedelta(seconds=second)).strftime("%Y-%m-%dT%H:%M:%S.00+0000")


def audit_event(n: int, second: int, service: str = "cloudantnosqldb") -> dict:
    """A realistic audit event of a service, `second` seconds after START."""
    return {
        "eventTime": at(second),
        "action": f"{service}.database.{'create' if n % 2 else 'delete'}",
        "outcome": "failure" if n % 5 == 0 else "success",
        "severity": "warning" if n % 5 == 0 else "normal",
        "message": f"{service}: database db-{n}",
        "logSourceCRN": f"crn:v1:bluemix:public:{service}:us-south:a/0123456789abcdef:inst-{n % 3}::",
        "initiator": {"id": f"IBMid-{n % 4}", "name": f"user{n % 4}@example.com", "typeURI": "service/security/account/user",
                      "host": {"address": f"192.0.2.{n % 250}"}},
        "target": {"id": f"crn:v1:bluemix:public:{service}:us-south:a/0123456789abcdef:inst-{n % 3}::database:db-{n}",
                   "name": f"db-{n}", "typeURI": f"{service}/database"},
        "reason": {"reasonCode": 409 if n % 5 == 0 else 200},
        "requestData": {"seq": n},
    }


@dataclass
class Row:
    """One row of an archive file: its three JSON columns as text."""

    metadata: str | None
    labels: str | None
    user_data: str | None


def audit_row(event: dict, *, application: str = "ibm-audit-event", severity: str = "Info") -> Row:
    service = event["action"].split(".")[0]
    labels = {"applicationname": application, "subsystemname": f"{service}:inst-{event['requestData']['seq'] % 3}",
              "computername": "at-router-1"}
    metadata = {"timestamp": event["eventTime"], "severity": severity, "priorityclass": "medium",
                "logid": f"log-{event['requestData']['seq']}"}
    return Row(orjson.dumps(metadata).decode(), orjson.dumps(labels).decode(), orjson.dumps(event).decode())


def other_row(application: str, n: int) -> Row:
    labels = {"applicationname": application, "subsystemname": "web", "computername": "node-1"}
    metadata = {"timestamp": at(n), "severity": "Debug", "priorityclass": "low", "logid": f"other-{n}"}
    return Row(orjson.dumps(metadata).decode(), orjson.dumps(labels).decode(), orjson.dumps({"log": f"GET /health {n}"}).decode())


def write_parquet(path: Path, rows: list[Row], *, row_group_size: int = 4) -> Path:
    """One archive file with the three documented columns, each a JSON string."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table({
        COLUMNS[0]: pa.array([r.metadata for r in rows], pa.string()),
        COLUMNS[1]: pa.array([r.labels for r in rows], pa.string()),
        COLUMNS[2]: pa.array([r.user_data for r in rows], pa.string()),
    })
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path, row_group_size=row_group_size)
    return path


def partition(root: Path, when: datetime, team: str = "a1b2c3") -> Path:
    """The folder of an hour: cx/parquet/v1/team_id=<TEAM>/dt=YYYY-MM-DD/hr=HH."""
    return root / "cx" / "parquet" / "v1" / f"team_id={team}" / f"dt={when:%Y-%m-%d}" / f"hr={when:%H}"


@dataclass
class Archive:
    """An archive folder, and what it holds: the audit events as a user sees them (labels and
    metadata attached), the skipped rows by application, and where the bad row is."""

    root: Path
    files: list[Path] = field(default_factory=list)
    seen: list[dict] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)
    bad_file: Path | None = None

    def jsonl(self, path: Path) -> Path:
        """The same events as JSON lines, each with its labels and metadata, in archive order."""
        path.write_bytes(b"".join(orjson.dumps(e) + b"\n" for e in self.seen))
        return path


def as_seen(row: Row) -> dict:
    """The event of a row as atlens shows it: labels and metadata attached as objects."""
    event = orjson.loads(row.user_data)
    return {**event, "labels": orjson.loads(row.labels), "metadata": orjson.loads(row.metadata)}


def build_archive(root: Path) -> Archive:
    """Three hours over two days (two files in one hour), other applications mixed in, one row
    whose user_data is not an event, and a _manifest folder."""
    archive = Archive(root)
    n = 0
    layout = [(START, 2), (START + timedelta(hours=1), 1), (START + timedelta(days=1), 1)]
    for hour_index, (when, files) in enumerate(layout):
        for f in range(files):
            rows: list[Row] = []
            for k in range(7):
                second = hour_index * 3600 + f * 600 + k * 7
                event = audit_event(n, second, "cloudantnosqldb" if n % 3 else "iam-identity")
                row = audit_row(event, application="ibm-audit-events" if n == 4 else "ibm-audit-event",
                                severity="Warning" if n % 5 == 0 else "Info")
                rows.append(row)
                archive.seen.append(as_seen(row))
                n += 1
                if k in (1, 4):
                    rows.append(other_row("k8s-app", n))
                    archive.skipped["k8s-app"] = archive.skipped.get("k8s-app", 0) + 1
            if hour_index == 1:
                rows.append(other_row("my-api", n))
                archive.skipped["my-api"] = archive.skipped.get("my-api", 0) + 1
                # Row 9 of the file: row group 2 (rows of 4), its row 1.
                rows.insert(9, Row(rows[0].metadata, rows[0].labels, "this is not an event {"))
            path = write_parquet(partition(root, when) / f"{uuid.UUID(int=n)}.parquet", rows)
            archive.files.append(path)
            if hour_index == 1:
                archive.bad_file = path
    manifest = root / "cx" / "parquet" / "v1" / "team_id=a1b2c3" / "_manifest"
    manifest.mkdir(parents=True)
    (manifest / "manifest.json").write_text('{"files": ["dt=2026-11-20/hr=09"], "eventTime": "2026-11-20"}\n')
    return archive

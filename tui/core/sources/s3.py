"""Buckets of an S3-compatible store (IBM Cloud Object Storage, AWS S3, MinIO) read as local files.

An object is downloaded into a local cache and read from there by the same path as any file
(gzip sniffed, Parquet read by the Parquet reader), so its events are re-read by offset like a
file's. The newest objects are read first; a time range prunes the listing through the
archive layouts. botocore (boto3's core, of the `archives` extra) is imported only when an
s3:// input is given.

Errors are said in one line that names the bucket and what to check; credentials never
appear in them (keys are not echoed, and an endpoint is named without its user part).
"""

from __future__ import annotations

import atexit
import importlib.util
import json
import os
import queue
import re
import signal
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Callable, Iterator
from urllib.parse import quote, urlsplit

from . import layouts
from . import spool as spools

SCHEME = "s3://"
#: What the local cache may hold unless --cache-size says otherwise.
DEFAULT_CACHE_LIMIT = 2 * 1024**3
#: Seconds between two listings of a followed prefix (Event Routing writes an object every few minutes).
DEFAULT_POLL_SECONDS = 30.0
#: Seconds to connect and to wait for an answer, and attempts per request (throttling included),
#: unless ATLENS_S3_TIMEOUT and AWS_MAX_ATTEMPTS say otherwise.
DEFAULT_CONNECT_TIMEOUT = 10.0
DEFAULT_READ_TIMEOUT = 60.0
DEFAULT_ATTEMPTS = 5
#: Objects downloaded at once.
DOWNLOADERS = 8
INSTALL_HINT = "reading s3:// needs boto3: pip install 'atlens[archives]'"


class S3Problem(Exception):
    """A request to the store failed; the text says it in one line (bucket, what to check)."""


def is_s3(text: str) -> bool:
    """Whether an input names a bucket."""
    return text.startswith(SCHEME)


def parse_location(text: str) -> tuple[str, str]:
    """(bucket, prefix) of `s3://bucket/prefix`; InputError when no bucket is named."""
    from .inputs import InputError

    rest = text[len(SCHEME):]
    bucket, _, prefix = rest.partition("/")
    if not bucket:
        raise InputError(f"{text}: name a bucket, as in s3://BUCKET/PREFIX")
    return bucket, prefix


def available() -> bool:
    """Whether boto3 (the archives extra, botocore with it) is installed, without importing it."""
    try:
        return importlib.util.find_spec("boto3") is not None
    except (ImportError, ValueError):
        return False


def size_text(n: float) -> str:
    """Bytes as a person reads them: 3.4 MB, 2.0 GB."""
    for unit in ("bytes", "kB", "MB", "GB", "TB"):
        if n < 1000 or unit == "TB":
            return f"{n:,.0f} {unit}" if unit == "bytes" else f"{n:,.1f} {unit}"
        n /= 1000
    return f"{n:,.1f} TB"


_SIZE = re.compile(r"(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?", re.IGNORECASE)


def parse_size(text: str) -> int:
    """A size as typed: 500M, 2G, 2GB, 1.5g, 1048576. ValueError when it is not one."""
    m = _SIZE.fullmatch(text.strip())
    if not m:
        raise ValueError(f"not a size: {text!r} (as in 500M or 2G)")
    return int(float(m.group(1)) * 1024 ** ("kmgt".find(m.group(2).lower()) + 1 if m.group(2) else 0))


@dataclass(frozen=True, slots=True)
class S3Settings:
    """How buckets are reached and cached (from the command line and the environment)."""

    #: the store's URL; None: AWS_ENDPOINT_URL, else AWS's own
    endpoint: str | None = None
    #: a named profile of ~/.aws/config and ~/.aws/credentials; None: AWS_PROFILE, else the keys in the environment
    profile: str | None = None
    #: a folder kept after atlens ends and reused (objects already there are not fetched again); None: a temporary one
    cache_dir: str | None = None
    cache_limit: int = DEFAULT_CACHE_LIMIT
    poll_seconds: float = DEFAULT_POLL_SECONDS

    def endpoint_url(self) -> str | None:
        return self.endpoint or os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL") or None

    def endpoint_name(self) -> str:
        """The endpoint as messages name it: scheme, host and port, never a user or password in it."""
        url = self.endpoint_url()
        if not url:
            return "the default AWS endpoint"
        try:
            parts = urlsplit(url)
            host = parts.hostname or ""
            port = f":{parts.port}" if parts.port else ""
        except ValueError:
            return "the endpoint given"
        return f"{parts.scheme}://{host}{port}" if parts.scheme else host + port

    def timeouts(self) -> tuple[float, float, int]:
        """(connect timeout, read timeout, attempts): short ones make a dead store fail at once."""
        connect, read = DEFAULT_CONNECT_TIMEOUT, DEFAULT_READ_TIMEOUT
        text = os.environ.get("ATLENS_S3_TIMEOUT")
        if text:
            try:
                connect = read = max(0.1, float(text))
            except ValueError:
                pass
        try:
            attempts = max(1, int(os.environ.get("AWS_MAX_ATTEMPTS") or DEFAULT_ATTEMPTS))
        except ValueError:
            attempts = DEFAULT_ATTEMPTS
        return connect, read, attempts


@dataclass(frozen=True, slots=True)
class ObjectInfo:
    """One object as listed."""

    key: str
    size: int
    #: LastModified, seconds since the epoch
    modified: float
    etag: str = ""


@dataclass(slots=True)
class S3Stats:
    """What reading a prefix cost: objects listed and read, bytes fetched, listing requests."""

    objects: int = 0
    downloaded: int = 0
    bytes: int = 0
    list_requests: int = 0
    #: folders listed under the prefix, and those not opened because their names lie outside the time range
    folders: int = 0
    folders_skipped: int = 0


# ----------------------------------------------------------------------------- the store


class Bucket:
    """A client for one bucket; every failure comes out as S3Problem."""

    def __init__(self, bucket: str, settings: S3Settings) -> None:
        self.bucket = bucket
        self.settings = settings
        self._client = None
        self._lock = threading.Lock()

    def _new_client(self):
        # botocore (which boto3 is built on) alone: two requests are all atlens makes, and boto3's
        # session adds a third of a second to the start for resources and transfers it does not use.
        try:
            import botocore.session
            from botocore.config import Config
        except ImportError:
            raise S3Problem(INSTALL_HINT) from None
        connect, read, attempts = self.settings.timeouts()
        try:
            session = botocore.session.Session(profile=self.settings.profile or None)
            return session.create_client(
                "s3", endpoint_url=self.settings.endpoint_url(),
                region_name=session.get_config_variable("region") or "us-east-1",
                config=Config(connect_timeout=connect, read_timeout=read, retries={"mode": "standard", "max_attempts": attempts},
                              max_pool_connections=DOWNLOADERS + 2),
            )
        except Exception as exc:
            raise S3Problem(self.explain(exc)) from None

    def close(self) -> None:
        """Close the client's connections (a store read many times in one process, as a test
        suite does, otherwise keeps a pool of sockets open for each)."""
        with self._lock:
            client, self._client = self._client, None
        if client is not None:
            client.close()

    def client(self):
        """A client (boto3's are thread-safe; one is made and shared)."""
        with self._lock:
            if self._client is None:
                self._client = self._new_client()
            return self._client

    def list_level(self, prefix: str, delimiter: str | None = "/") -> tuple[list[str], list[ObjectInfo], int]:
        """(child prefixes, objects, requests made) right under prefix; with delimiter None, every object below it."""
        client = self.client()
        prefixes: list[str] = []
        objects: list[ObjectInfo] = []
        requests = 0
        token: str | None = None
        try:
            while True:
                kwargs = {"Bucket": self.bucket, "Prefix": prefix}
                if delimiter:
                    kwargs["Delimiter"] = delimiter
                if token:
                    kwargs["ContinuationToken"] = token
                page = client.list_objects_v2(**kwargs)
                requests += 1
                prefixes.extend(p["Prefix"] for p in page.get("CommonPrefixes", ()) if "Prefix" in p)
                for item in page.get("Contents", ()):
                    key = item.get("Key", "")
                    if not key or key.endswith("/"):
                        continue  # a "folder" made by a console
                    modified = item.get("LastModified")
                    objects.append(ObjectInfo(key, int(item.get("Size", 0)),
                                              modified.timestamp() if modified is not None else 0.0, str(item.get("ETag", ""))))
                if not page.get("IsTruncated"):
                    break
                token = page.get("NextContinuationToken")
                if not token:
                    break
        except S3Problem:
            raise
        except Exception as exc:
            raise S3Problem(self.explain(exc)) from None
        return prefixes, objects, requests

    def download(self, obj: ObjectInfo, path: str) -> bool:
        """Fetch an object into path (written beside it, then renamed); False when it was deleted meanwhile."""
        client = self.client()
        part = f"{path}.part-{threading.get_ident()}"
        try:
            response = client.get_object(Bucket=self.bucket, Key=obj.key)
            body = response["Body"]
            fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
            try:
                while chunk := body.read(1 << 20):
                    view = memoryview(chunk)
                    while view:
                        view = view[os.write(fd, view):]
            finally:
                os.close(fd)
            if obj.modified:
                os.utime(part, (obj.modified, obj.modified))
            os.replace(part, path)
            return True
        except Exception as exc:
            try:
                os.unlink(part)
            except OSError:
                pass
            if _code(exc) in ("NoSuchKey", "404"):
                return False
            if isinstance(exc, OSError) and not _is_network(exc):
                raise S3Problem(f"s3://{self.bucket}/{obj.key}: could not be kept in the local cache ({exc.strerror or exc})") from None
            raise S3Problem(self.explain(exc)) from None

    def explain(self, exc: BaseException) -> str:
        """A failure in one line: the bucket, what went wrong, what to check. Never a key or a secret."""
        b = f"bucket {self.bucket}"
        where = self.settings.endpoint_name()
        name = type(exc).__name__
        code = _code(exc)
        attempts = self.settings.timeouts()[2]
        keys = ("check the HMAC keys (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or the profile named by --profile "
                "or AWS_PROFILE) and that they may read this bucket")
        if name == "ProfileNotFound":
            profile = self.settings.profile or os.environ.get("AWS_PROFILE", "")
            return (f"{b}: the profile {_safe(profile)} is not in ~/.aws/config or ~/.aws/credentials "
                    "(AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE): check --profile or AWS_PROFILE")
        if name in ("NoCredentialsError", "PartialCredentialsError"):
            return (f"{b}: no credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (a COS service "
                    "credential's HMAC keys) or name a profile with --profile or AWS_PROFILE")
        if code in ("NoSuchBucket",):
            return f"{b} does not exist at {where}: check the bucket name and the endpoint (--endpoint or AWS_ENDPOINT_URL; a COS bucket is reached through its own region's endpoint)"
        if code in ("InvalidAccessKeyId", "SignatureDoesNotMatch", "AccessDenied", "InvalidToken", "ExpiredToken",
                    "AuthorizationHeaderMalformed", "InvalidSecurity", "403", "401", "Forbidden", "Unauthorized"):
            return f"access to {b} at {where} was refused ({_safe(code)}): {keys}"
        if code in ("SlowDown", "Throttling", "ThrottlingException", "RequestLimitExceeded", "TooManyRequests",
                    "TooManyRequestsException", "429", "ServiceUnavailable", "503", "RequestThrottled"):
            return (f"{where} is throttling requests for {b} ({_safe(code)}) and still was after {attempts} attempt"
                    f"{'s' if attempts != 1 else ''}: try again later, or allow more attempts with AWS_MAX_ATTEMPTS")
        if name in ("EndpointConnectionError", "ConnectTimeoutError", "ConnectionClosedError", "ProxyConnectionError",
                    "SSLError", "ConnectionError") or (isinstance(exc, OSError) and _is_network(exc)):
            what = "did not answer in time" if "Timeout" in name else "cannot be reached"
            return (f"{where} {what} for {b} ({name}): check the endpoint (--endpoint or AWS_ENDPOINT_URL) "
                    "and the network")
        if name in ("ReadTimeoutError", "ResponseStreamingError", "IncompleteReadError"):
            return f"{where} stopped answering while {b} was read ({name}): check the network; the objects not read are tried again while following"
        if name == "InvalidRegionError" or code == "PermanentRedirect":
            return f"{b} lives in another region than {where} serves ({_safe(code or name)}): check the endpoint (--endpoint or AWS_ENDPOINT_URL)"
        if code:
            return f"{where} refused a request for {b} ({_safe(code)}): check the bucket name, the endpoint and the keys"
        return f"reading {b} at {where} failed ({name}): check the endpoint and the network"


def _code(exc: BaseException) -> str:
    """The error code of a store's answer ("NoSuchBucket"), or its HTTP status when it gave none."""
    response = getattr(exc, "response", None)
    if not isinstance(response, dict):
        return ""
    error = response.get("Error") or {}
    code = str(error.get("Code") or "")
    if code:
        return code
    status = (response.get("ResponseMetadata") or {}).get("HTTPStatusCode")
    return str(status) if status else ""


def _safe(text: str) -> str:
    """A word from the server or the environment, as a message may show it (no markup, no control characters)."""
    return re.sub(r"[^A-Za-z0-9._-]", "", text)[:60]


def _is_network(exc: OSError) -> bool:
    return isinstance(exc, (ConnectionError, TimeoutError)) or exc.errno is None


# ----------------------------------------------------------------------------- the local cache


class ObjectCache:
    """Objects kept on disk so that their events can be re-read by offset; bounded by a size limit.

    A temporary cache (the default) is private to this run and removed at exit like the spools;
    a named one (--cache DIR) is kept, and an object already there (same size and time) is not
    fetched again. When an object does not fit under the limit, objects of earlier runs that this
    one does not use go first (oldest first); if it still does not fit, it is not fetched, and
    the caller says which objects were left unread.
    """

    def __init__(self, settings: S3Settings) -> None:
        self.limit = settings.cache_limit
        self.keep = settings.cache_dir is not None
        if settings.cache_dir is not None:
            self.folder = os.path.abspath(settings.cache_dir)
            os.makedirs(self.folder, mode=0o700, exist_ok=True)
        else:
            self.folder = spools.new_folder()
        #: bytes of the objects this run holds
        self.used = 0
        #: bytes in a kept folder, this run's and earlier runs' (-1 until first needed)
        self._kept = -1
        self._mine: set[str] = set()
        self._lock = threading.Lock()

    def path_for(self, bucket: str, key: str) -> str:
        """Where an object is kept: one folder per bucket, the key's parts made safe as file names
        (no part may climb out of the cache, whatever the object's name)."""
        parts = [_part(bucket)] + [_part(p) for p in key.split("/") if p]
        return os.path.join(self.folder, *parts) if parts[1:] else os.path.join(self.folder, parts[0], "%2F")

    def held(self, path: str, obj: ObjectInfo) -> bool:
        """Whether a kept cache holds this object already (same size, same time)."""
        if not self.keep:
            return False
        try:
            st = os.stat(path)
        except OSError:
            return False
        return st.st_size == obj.size and (not obj.modified or abs(st.st_mtime - obj.modified) < 1)

    def reserve(self, path: str, size: int, *, held: bool = False) -> bool:
        """Count an object against the limit; False when it does not fit. held: it is in the kept
        cache already (it takes no more room, and is not removed to make room for others)."""
        with self._lock:
            if path in self._mine:
                return True
            if held:
                self._mine.add(path)
                self.used += size
                return True
            if self.used + size > self.limit:
                return False
            if self.keep and not self._make_room(size):
                return False
            self.used += size
            self._mine.add(path)
            if self.keep:
                self._kept += size
            return True

    def release(self, path: str, size: int) -> None:
        """An object reserved was not kept after all."""
        with self._lock:
            if path in self._mine:
                self._mine.discard(path)
                self.used -= size
                if self.keep:
                    self._kept -= size

    def _files(self) -> Iterator[tuple[str, int, float]]:
        for root, _, names in os.walk(self.folder):
            for name in names:
                path = os.path.join(root, name)
                try:
                    st = os.stat(path)
                except OSError:
                    continue
                yield path, st.st_size, st.st_atime

    def _make_room(self, size: int) -> bool:
        """Whether size more bytes fit in the kept folder, after removing objects of earlier runs
        that this one does not use, least recently used first, as far as needed."""
        if self._kept < 0:
            self._kept = sum(s for _, s, _ in self._files())  # once: then counted as objects come and go
        if self._kept + size <= self.limit:
            return True
        for path, s, _ in sorted((f for f in self._files() if f[0] not in self._mine), key=lambda f: f[2]):
            try:
                os.unlink(path)
            except OSError:
                continue
            self._kept -= s
            if self._kept + size <= self.limit:
                return True
        return False

    def close(self) -> None:
        """A temporary cache goes; a named one stays."""
        if not self.keep:
            spools.remove_folder(self.folder)


def _part(text: str) -> str:
    """One part of an object's name as a safe file name (never "." or "..", never a separator)."""
    safe = quote(text, safe="=+@,;-_~")
    if safe in (".", ".."):
        safe = safe.replace(".", "%2E")
    if len(safe.encode()) > 200:
        import hashlib

        stem, dot, suffix = safe.rpartition(".")
        digest = hashlib.sha256(text.encode()).hexdigest()[:32]
        safe = f"{stem[:120]}-{digest}{dot}{suffix[-40:]}" if dot else f"{safe[:120]}-{digest}"
    return safe


# ----------------------------------------------------------------------------- one s3:// input


@dataclass(slots=True)
class Fetched:
    """An object downloaded (or found in the kept cache), ready to be read from path."""

    obj: ObjectInfo
    path: str
    display: str


@dataclass(slots=True)
class Polled:
    """What a poll of a followed prefix found: objects fetched, or why it failed."""

    fetched: list[Fetched] = field(default_factory=list)
    problem: str = ""
    full: str = ""


class S3Input:
    """One `s3://bucket/prefix`: listed (pruned by the time range), fetched newest first into the
    cache, and, while following, listed again every poll interval for new objects."""

    def __init__(self, text: str, settings: S3Settings, *, since_us: int | None = None, until_us: int | None = None,
                 cache: ObjectCache | None = None) -> None:
        self.text = text
        self.bucket_name, self.prefix = parse_location(text)
        self.settings = settings
        self.since_us = since_us
        self.until_us = until_us
        self.bucket = Bucket(self.bucket_name, settings)
        self.cache = cache or ObjectCache(settings)
        self.stats = S3Stats()
        #: keys read (or left unread for lack of room), with the ETag they had
        self.seen: dict[str, str] = {}
        self._found: queue.Queue[Polled] = queue.Queue()
        self._poller: threading.Thread | None = None
        #: the listing and the newest object fetched before the reader asked (start_early)
        self._early: threading.Thread | None = None
        self._early_listing: list[ObjectInfo] | None = None
        self._early_problem: S3Problem | None = None
        self._prefetched: dict[str, Future[bool]] = {}
        #: why the last fetch stopped before the end (the cache limit), "" when it did not
        self.full_reason = ""

    # -- listing

    def start_early(self, *, in_child: bool = False) -> S3Input:
        """List the prefix and fetch its newest object now, on a thread of its own: the TUI starts
        this before it loads the catalog and Textual, so the first screen does not wait for both.

        in_child: do it in a child process instead (forked: call it before any thread starts),
        on the other processor: making boto3's client is half a second of Python that would
        otherwise share one interpreter with the catalog and Textual. The child hands over the
        listing and the object's name through a pipe; the object itself is in the cache.
        """
        if in_child and hasattr(os, "fork") and threading.active_count() == 1:
            return self._start_in_child()

        def run() -> None:
            try:
                objects = self._early_listing = self._list_new()
                if not objects:
                    return
                obj = objects[0]
                path = self.cache.path_for(self.bucket_name, obj.key)
                if self.cache.held(path, obj) or not self.cache.reserve(path, obj.size):
                    return
                os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
                done: Future[bool] = Future()
                try:
                    done.set_result(self.bucket.download(obj, path))
                except S3Problem as exc:
                    done.set_exception(exc)
                self._prefetched[obj.key] = done
            except S3Problem as exc:
                self._early_problem = exc
            except Exception as exc:  # said when the reader lists; never a traceback on a thread
                self._early_problem = S3Problem(f"{self.text}: listing failed ({type(exc).__name__})")

        self._early = threading.Thread(target=run, name="atlens-s3-early", daemon=True)
        self._early.start()
        return self

    def _start_in_child(self) -> S3Input:
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: nothing of the parent's runs here, and it ends by os._exit
            try:
                os.close(read_end)
                found: dict[str, object] = {}
                try:
                    objects = self._list_new()
                    found["listing"] = [[o.key, o.size, o.modified, o.etag] for o in objects]
                    found["requests"] = self.stats.list_requests
                    if objects:
                        obj = objects[0]
                        path = self.cache.path_for(self.bucket_name, obj.key)
                        if os.path.isdir(self.cache.folder) and not self.cache.held(path, obj) and obj.size <= self.cache.limit:
                            os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
                            if self.bucket.download(obj, path):
                                found["fetched"] = obj.key
                except S3Problem as exc:
                    found["problem"] = str(exc)
                except BaseException as exc:
                    found["problem"] = f"{self.text}: listing failed ({type(exc).__name__})"
                data = json.dumps(found).encode()
                while data:
                    data = data[os.write(write_end, data):]
            finally:
                os._exit(0)
        os.close(write_end)

        def stop_child() -> None:
            try:
                os.kill(pid, signal.SIGTERM)
            except OSError:
                pass

        atexit.register(stop_child)  # before the cache is removed (atexit runs last registered first)

        def take() -> None:
            chunks = []
            try:
                while chunk := os.read(read_end, 1 << 16):
                    chunks.append(chunk)
            finally:
                os.close(read_end)
                try:
                    os.waitpid(pid, 0)
                except OSError:
                    pass
                atexit.unregister(stop_child)
            try:
                found = json.loads(b"".join(chunks) or b"{}")
            except ValueError:
                found = {}
            if found.get("problem"):
                self._early_problem = S3Problem(str(found["problem"]))
                return
            if "listing" not in found:
                return  # the child ended early (killed): the reader lists again
            objects = [ObjectInfo(str(k), int(n), float(m), str(e)) for k, n, m, e in found["listing"]]
            self._early_listing = objects
            self.stats.list_requests += int(found.get("requests", 0))
            key = found.get("fetched")
            if key and objects and objects[0].key == key:
                path = self.cache.path_for(self.bucket_name, key)
                if self.cache.reserve(path, objects[0].size):
                    done: Future[bool] = Future()
                    done.set_result(True)
                    self._prefetched[key] = done

        self._early = threading.Thread(target=take, name="atlens-s3-early", daemon=True)
        self._early.start()
        return self

    def newest_path(self, timeout: float) -> str | None:
        """The newest object's path once start_early has fetched it (waiting up to timeout), else None."""
        if self._early is not None:
            self._early.join(timeout)
            if self._early.is_alive():
                return None
        for key, done in list(self._prefetched.items()):
            if done.done() and done.exception() is None and done.result():
                return self.cache.path_for(self.bucket_name, key)
        return None

    def list(self) -> list[ObjectInfo]:
        """Objects under the prefix that can hold events of the time range and were not read yet,
        newest first. Pruned by the archive layouts when they know the names; else every object."""
        if self._early is not None:
            self._early.join()
            self._early = None
            if self._early_problem is not None:
                raise self._early_problem
            if self._early_listing is not None:
                listing, self._early_listing = self._early_listing, None
                return listing
        return self._list_new()

    def _list_new(self) -> list[ObjectInfo]:
        objects = self._list_all(self.since_us, self.until_us)
        new = [o for o in objects if self.seen.get(o.key) != o.etag and not layouts.is_manifest(o.key)]
        return sorted(new, key=_newest_first)

    def _list_all(self, since_us: int | None, until_us: int | None) -> list[ObjectInfo]:
        if since_us is None and until_us is None:
            # Every object is wanted: one request per thousand objects.
            _, objects, requests = self.bucket.list_level(self.prefix, delimiter=None)
            self.stats.list_requests += requests
            return objects
        # Level by level with Delimiter='/': only the folders whose names can hold the range
        # (an hour, a day, a month: layouts) are opened; others are not listed at all.
        found: list[ObjectInfo] = []
        pending = [self.prefix]
        while pending:
            prefix = pending.pop(0)
            children, objects, requests = self.bucket.list_level(prefix)
            self.stats.list_requests += requests
            found.extend(o for o in objects if layouts.can_hold(o.key, since_us, until_us))
            kept = layouts.folders_that_can_hold(prefix, children, since_us, until_us)
            self.stats.folders += len(children)
            self.stats.folders_skipped += len(children) - len(kept)
            pending.extend(kept)
        return found

    # -- fetching

    def fetch(self, objects: list[ObjectInfo]) -> Iterator[Fetched]:
        """Download objects (DOWNLOADERS at a time) and yield each in the order given, as it is ready.

        Stops at the cache limit: the objects left are not fetched, and `full_reason` says so.
        Raises S3Problem when the store fails (the objects yielded before stay read).
        """
        self.full_reason = ""
        pending: list[tuple[ObjectInfo, str, Future[bool] | None]] = []
        with ThreadPoolExecutor(DOWNLOADERS, thread_name_prefix="atlens-s3") as pool:
            try:
                left = iter(enumerate(objects))
                stopped_at: int | None = None

                def submit() -> bool:
                    nonlocal stopped_at
                    if stopped_at is not None:
                        return False
                    item = next(left, None)
                    if item is None:
                        return False
                    i, obj = item
                    path = self.cache.path_for(self.bucket_name, obj.key)
                    early = self._prefetched.pop(obj.key, None)
                    if early is not None:
                        pending.append((obj, path, early))
                        return True
                    if self.cache.held(path, obj):
                        self.cache.reserve(path, obj.size, held=True)
                        pending.append((obj, path, None))
                        return True
                    if not self.cache.reserve(path, obj.size):
                        stopped_at = i
                        return False
                    os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
                    pending.append((obj, path, pool.submit(self.bucket.download, obj, path)))
                    return True

                # The newest object alone first, at the whole bandwidth: the first screen waits for
                # it only; the others are fetched DOWNLOADERS at a time while it is read.
                ahead = 1
                while len(pending) < ahead and submit():
                    pass
                while pending:
                    obj, path, future = pending.pop(0)
                    kept = True if future is None else future.result()
                    if ahead > 1 or not kept:
                        ahead = DOWNLOADERS * 2
                        while len(pending) < ahead and submit():
                            pass
                    if not kept:
                        self.cache.release(path, obj.size)
                        self.seen[obj.key] = obj.etag
                        continue
                    self.seen[obj.key] = obj.etag
                    self.stats.objects += 1
                    if future is not None:
                        self.stats.downloaded += 1
                        self.stats.bytes += obj.size
                    yield Fetched(obj, path, f"s3://{self.bucket_name}/{obj.key}")
                    if ahead == 1:
                        # The newest object is read (the first screen is drawn): the others now,
                        # not while it was read (they would have shared the processor with it).
                        ahead = DOWNLOADERS * 2
                        while len(pending) < ahead and submit():
                            pass
                if stopped_at is not None:
                    rest = objects[stopped_at:]
                    for obj in rest:
                        self.seen[obj.key] = obj.etag  # said once; not tried at every poll
                    self.full_reason = (
                        f"{self.text}: the local cache of s3 objects reached its limit ({size_text(self.cache.limit)}): "
                        f"the {len(rest):,} older object{'s' if len(rest) != 1 else ''} ({size_text(sum(o.size for o in rest))}) "
                        f"{'were' if len(rest) != 1 else 'was'} not read; --cache-size raises the limit")
            finally:
                for _, path, future in pending:
                    if future is not None:
                        future.cancel()

    # -- following

    def start_polling(self, stop: threading.Event, wake: Callable[[], None]) -> None:
        """List the prefix every poll interval on a thread of its own; what it finds waits in a queue
        for the reader's thread (take_found), which alone adds to the store."""
        if self._poller is not None:
            return

        def poll() -> None:
            while not stop.wait(self.settings.poll_seconds):
                found = Polled()
                try:
                    objects = self.list()
                    # Oldest first while following: each new object arrives after the one before.
                    found.fetched = list(self.fetch(objects[::-1]))
                    found.full = self.full_reason
                except S3Problem as exc:
                    found.problem = str(exc)
                except Exception as exc:  # said in the status line; the next poll tries again
                    found.problem = f"{self.text}: listing failed ({type(exc).__name__}); tried again in {self.settings.poll_seconds:g} s"
                self._found.put(found)
                wake()

        self._poller = threading.Thread(target=poll, name="atlens-s3-poll", daemon=True)
        self._poller.start()

    def take_found(self) -> list[Polled]:
        """What the poller found since the last call."""
        found: list[Polled] = []
        while True:
            try:
                found.append(self._found.get_nowait())
            except queue.Empty:
                return found

    def close(self) -> None:
        self.bucket.close()
        self.cache.close()


def _newest_first(obj: ObjectInfo) -> tuple[int, float, str]:
    """Objects newest first: by the hour their names say (layouts), else by when they were written."""
    span = layouts.span_of(obj.key)
    order = layouts.newest_first(obj.key)[2]
    if span is None:
        return (0, -obj.modified, order)
    return (1, -span.start_us / 1e6, order)

"""Drive the real atlens program in a real terminal (tmux) and read its screen."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

ATLENS = [sys.executable, "-m", "tui.cli"]
REPO = Path(__file__).resolve().parents[2]


#: Appends events from another process, one every 10 ms (or every argv[6] seconds), each naming
#: its number in the target (svc-N) and in the message; every fifth fails. argv: path, first,
#: count, the initiator's name ("{seq}" stands for the number) and the failures' reason code.
WRITER = """
import sys, time, orjson
path, first, count, initiator, failure_code = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], int(sys.argv[5])
pause = float(sys.argv[6]) if len(sys.argv) > 6 else 0.01
with open(path, "ab") as fh:
    for seq in range(first, first + count):
        event = {"action": "iam-identity.account-serviceid.update", "eventTime": f"2026-11-20T11:{seq // 60 % 60:02d}:{seq % 60:02d}.00+0000",
                 "outcome": "success" if seq % 5 else "failure", "severity": "normal" if seq % 5 else "critical",
                 "message": f"IAM Identity Service: update serviceid svc-{seq}",
                 "initiator": {"id": "IBMid-1", "name": initiator.format(seq=seq)}, "target": {"name": f"svc-{seq}"},
                 "reason": {"reasonCode": 200 if seq % 5 else failure_code}}
        fh.write(orjson.dumps(event) + b"\\n")
        fh.flush()
        time.sleep(pause)
"""


def append_from_another_process(path: Path, first: int, count: int, *, initiator: str, failure_code: int) -> None:
    """Append events seq first to first + count - 1 to path from another process (see WRITER)."""
    subprocess.run([sys.executable, "-c", WRITER, str(path), str(first), str(count), initiator, str(failure_code)],
                   check=True, timeout=30)


def stream_from_another_process(path: Path, first: int, count: int, *, rate: float, initiator: str = "user-{seq}",
                                failure_code: int = 403) -> subprocess.Popen:
    """Start appending events to path at rate a second from another process (see WRITER); the caller ends it."""
    return subprocess.Popen([sys.executable, "-c", WRITER, str(path), str(first), str(count), initiator,
                             str(failure_code), str(1 / rate)])


def ensure_tmux() -> str | None:
    """The tmux binary, installing it with apt-get where missing and allowed; None if impossible."""
    found = shutil.which("tmux")
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        subprocess.run("apt-get update -qq && apt-get install -y -qq tmux", shell=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=300)
    return shutil.which("tmux")


SGR = re.compile(r"\x1b\[([0-9;:]*)m")
#: SGR codes that set an attribute, and those that clear them.
ATTRIBUTE_ON = {1: "bold", 2: "dim", 3: "italic", 4: "underline", 5: "blink", 7: "reverse", 8: "hidden", 9: "strike"}
ATTRIBUTE_OFF = {21: ("bold",), 22: ("bold", "dim"), 23: ("italic",), 24: ("underline",), 25: ("blink",),
                 27: ("reverse",), 28: ("hidden",), 29: ("strike",)}


def read_cells(styled: str) -> list[list[tuple[str, tuple]]]:
    """Lines of text with SGR escapes (capture-pane -e) as, per line, (character, style) for each
    character; style: (foreground, background, attributes), the escapes' state carried along."""
    foreground: object = None
    background: object = None
    attributes: set[str] = set()
    lines: list[list[tuple[str, tuple]]] = []
    for text in styled.removesuffix("\n").split("\n"):
        cells: list[tuple[str, tuple]] = []
        pos = 0
        for match in [*SGR.finditer(text), None]:
            end = match.start() if match else len(text)
            style = (foreground, background, frozenset(attributes))
            cells.extend((char, style) for char in text[pos:end])
            if match is None:
                break
            pos = match.end()
            codes = [int(c) if c else 0 for c in match.group(1).replace(":", ";").split(";")]
            i = 0
            while i < len(codes):
                code = codes[i]
                if code == 0:
                    foreground, background, attributes = None, None, set()
                elif code in ATTRIBUTE_ON:
                    attributes.add(ATTRIBUTE_ON[code])
                elif code in ATTRIBUTE_OFF:
                    attributes.difference_update(ATTRIBUTE_OFF[code])
                elif 30 <= code <= 37 or 90 <= code <= 97:
                    foreground = ("ansi", code)
                elif 40 <= code <= 47 or 100 <= code <= 107:
                    background = ("ansi", code - 10)
                elif code in (39, 49):
                    foreground, background = (None, background) if code == 39 else (foreground, None)
                elif code in (38, 48):
                    size = 3 if codes[i + 1] == 2 else 1
                    colour = tuple(codes[i + 1:i + 2 + size])
                    foreground, background = (colour, background) if code == 38 else (foreground, colour)
                    i += 1 + size
                i += 1
        lines.append(cells)
    return lines


class Terminal:
    """One tmux session on a private server, running one command."""

    def __init__(self, tmux: str, command: list[str], *, width: int, height: int, cwd: Path = REPO,
                 clipboard: bool = False, env: dict[str, str] | None = None) -> None:
        self.tmux = tmux
        self.socket = f"atlens-test-{uuid.uuid4().hex[:8]}"
        self.session = "t"
        env = {"TERM": "xterm-256color", "COLORTERM": "truecolor", "PYTHONPATH": str(REPO), "LANG": "C.UTF-8", **(env or {})}
        # COLUMNS and LINES from the test runner would override the real window size.
        shell = "env -u COLUMNS -u LINES " + " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items()) + " " + " ".join(shlex.quote(c) for c in command)
        # With clipboard, the server turns every OSC 52 (set the clipboard) it is sent into a
        # paste buffer (buffers() lists them); set before the command starts, so none is missed.
        before = ("start-server", ";", "set-option", "-s", "set-clipboard", "on", ";") if clipboard else ()
        # Keep the pane after the program ends, so its last screen and exit can be read.
        self._tmux(*before, "new-session", "-d", "-s", self.session, "-x", str(width), "-y", str(height), "-c", str(cwd), shell)
        self._tmux("set-option", "-t", self.session, "remain-on-exit", "on")

    def _tmux(self, *args: str) -> str:
        result = subprocess.run([self.tmux, "-L", self.socket, *args], capture_output=True, text=True, timeout=20)
        return result.stdout

    def screen(self) -> str:
        """The visible screen as text."""
        return self._tmux("capture-pane", "-p", "-t", self.session)

    def styled_screen(self) -> str:
        """The visible screen with its colours and attributes, as escape sequences."""
        return self._tmux("capture-pane", "-e", "-p", "-t", self.session)

    def cells(self) -> list[list[tuple[str, tuple]]]:
        """The visible screen cell by cell: per line, (character, its colours and attributes).

        Unlike the lines of styled_screen, whose escapes depend on the line above (tmux writes
        only what changes), two cells compare equal exactly when they look the same."""
        return read_cells(self.styled_screen())

    def keys(self, *keys: str) -> None:
        """Type keys (tmux key names: Up, End, Enter, Escape, q...)."""
        self._tmux("send-keys", "-t", self.session, *keys)

    def type_text(self, text: str) -> None:
        """Type text literally (no key names), as fast as the terminal takes it."""
        self._tmux("send-keys", "-t", self.session, "-l", text)

    def buffers(self) -> list[str]:
        """The server's paste buffers, newest first (with clipboard=True: what OSC 52 set)."""
        names = self._tmux("list-buffers", "-F", "#{buffer_name}").split()
        return [self._tmux("show-buffer", "-b", name) for name in names]

    def wait_for(self, text: str, timeout: float = 15.0) -> str:
        """Poll the screen until text is on it; fail with the screen if it never is."""
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            if text in screen:
                return screen
            time.sleep(0.05)
        raise AssertionError(f"{text!r} never appeared on screen; last screen:\n{screen}")

    def wait_until(self, predicate, what: str, timeout: float = 15.0) -> str:
        """Poll the screen until predicate(screen) holds."""
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            if predicate(screen):
                return screen
            time.sleep(0.05)
        raise AssertionError(f"never saw {what}; last screen:\n{screen}")

    def dead(self) -> bool:
        """Whether the program in the pane has exited."""
        return self._tmux("display-message", "-p", "-t", self.session, "#{pane_dead}").strip() == "1"

    def close(self) -> None:
        """End the session and its private server."""
        subprocess.run([self.tmux, "-L", self.socket, "kill-server"], capture_output=True, timeout=20)

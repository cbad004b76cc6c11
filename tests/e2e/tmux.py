"""Drive the real atlens program in a real terminal (tmux) and read its screen."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

ATLENS = [sys.executable, "-m", "tui.cli"]
REPO = Path(__file__).resolve().parents[2]


def ensure_tmux() -> str | None:
    """The tmux binary, installing it with apt-get where missing and allowed; None if impossible."""
    found = shutil.which("tmux")
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        subprocess.run("apt-get update -qq && apt-get install -y -qq tmux", shell=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=300)
    return shutil.which("tmux")


class Terminal:
    """One tmux session on a private server, running one command."""

    def __init__(self, tmux: str, command: list[str], *, width: int, height: int, cwd: Path = REPO,
                 clipboard: bool = False) -> None:
        self.tmux = tmux
        self.socket = f"atlens-test-{uuid.uuid4().hex[:8]}"
        self.session = "t"
        env = {"TERM": "xterm-256color", "COLORTERM": "truecolor", "PYTHONPATH": str(REPO), "LANG": "C.UTF-8"}
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

"""User catalogs at scale: the load of generated actions, and one action looked up against a pattern
with many placeholders.

Run with `python benchmarks/catalog_load.py [COUNT ...]` (default 2000 8000 50000). Each load runs
in this process, one after the other; nothing here is a test.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import catalog  # noqa: E402


def generated(count: int, folder: Path) -> Path:
    """A catalog file of count actions over 50 services, as a large user catalog writes them."""
    folder.mkdir(parents=True, exist_ok=True)
    entries = [f'[[action]]\nname = "svc{i % 50}.object-{i}.do"\nsection = "Generated"\n'
               f'description = "An initiator does thing {i}."\n' for i in range(count)]
    path = folder / "generated.toml"
    path.write_text('[meta]\ntitle = "Generated"\n\n' + "\n".join(entries), encoding="utf-8")
    return folder


def bench_load(count: int, tmp: Path) -> None:
    folder = generated(count, tmp / str(count))
    start = time.perf_counter()
    loaded = catalog.load([folder], builtin=False)
    print(f"load {count:>6,} actions: {time.perf_counter() - start:7.2f} s ({len(loaded.actions):,} loaded)", flush=True)


def bench_pattern(tmp: Path, placeholders: int = 8, parts: int = 40) -> None:
    """Actions that do not match: one the pattern's end rules out, then one only its middle does."""
    name = ".".join(f"<p{i}>" for i in range(placeholders)) + ".x"
    action = ".".join(f"part{i}" for i in range(parts))
    # ":" is no character of a name part: only a walk through the whole name can tell.
    inside = ".".join(f"part{i}" if i != parts // 2 else f"pa:rt{i}" for i in range(parts)) + ".x"
    for n, (tried, what) in enumerate(((action, "ruled out by its end"), (inside, "ruled out only by its middle"))):
        folder = tmp / f"pattern{n}"
        folder.mkdir()
        (folder / "pattern.toml").write_text(f'[[action]]\nname = "{name}"\nsection = "S"\ndescription = "D."\n')
        loaded = catalog.load([folder], builtin=False)
        start = time.perf_counter()
        found = loaded.action(tried)
        print(f"{placeholders} placeholders against {tried.count('.') + 1} parts, {what}: "
              f"{time.perf_counter() - start:7.4f} s ({'matched' if found else 'no match'})", flush=True)


def main() -> int:
    counts = [int(arg) for arg in sys.argv[1:]] or [2000, 8000, 50000]
    with tempfile.TemporaryDirectory() as tmp:
        bench_pattern(Path(tmp))
        for count in counts:
            bench_load(count, Path(tmp))
    return 0


if __name__ == "__main__":
    sys.exit(main())

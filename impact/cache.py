"""On-disk cache of channel fits (and Sobol' base points): data only, safe to share.

What is stored: for each channel, what its estimators produced (coefficients, covariances,
diagnostics, forecast paths, the data arrays needed to rebuild the statsmodels results) as JSON and
numeric arrays in one ``.npz`` file (:mod:`impact.serial`).  Nothing in a cache file can run code:
the loader builds only plain values, arrays, pandas objects and classes impact registered, so a
folder others can write to (a shared ``--cache-dir``, a synced home) cannot make a run execute
anything.  A file that does not parse (truncated, forged, from another version) is a miss: the
channel is refitted and the entry rewritten, with one warning per run.

Key: SHA-256 of the channel name, its estimation code, the versions of impact, statsmodels, numpy,
pandas and scipy, the content of each data series the channel declares, its estimator options,
the base year and the horizon.  Effect parameters are not part of the key (they are applied after
the fit), so changing e.g. ``imports.time_cost_per_day`` reuses the fit.

Where: ``<cache dir>/impact-fit-cache/entry-<sha256>.npz`` with a ``CACHEDIR.TAG`` marker; the
cache dir is ``--cache-dir``/``cache_dir`` or ``$XDG_CACHE_HOME/impact`` (default
``~/.cache/impact``).  Pruning deletes only files of that subfolder named like entries (or their
temporary files) and unused for 60 days; nothing else is ever deleted.  Safe to delete.
"""
from __future__ import annotations

import functools
import hashlib
import logging
import os
import re
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from . import serial

log = logging.getLogger(__name__)

FORMAT = 3  # bump when the layout of stored objects changes
SUBDIR = "impact-fit-cache"
MARKER = "CACHEDIR.TAG"
#: https://bford.info/cachedir/ : backup tools skip folders with this tag
MARKER_TEXT = ("Signature: 8a477f597d28d172789f06886806bc55\n"
               "# This folder is the fit cache of impact (https://pypi.org/project/impact): it holds only files\n"
               "# named entry-<sha256>.npz, which impact may delete when unused. It is safe to delete.\n")
ENTRY = re.compile(r"entry-[0-9a-f]{64}\.npz")
TEMP = re.compile(r"\.entry-[0-9a-f]{64}\.[A-Za-z0-9_]+\.tmp")
MAX_AGE_DAYS = 60  # entries unused for this long are deleted when a new entry is written
TEMP_AGE_DAYS = 1  # temporary files of interrupted writes


def default_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "impact"


@functools.cache
def versions() -> str:
    """Versions that change fitted numbers, read from package metadata (importing statsmodels just
    for its version would cost a warm run about a second)."""
    from importlib.metadata import version

    from . import __version__

    libs = ("statsmodels", "numpy", "pandas", "scipy")
    return f"impact={__version__};" + ";".join(f"{lib}={version(lib)}" for lib in libs)


ESTIMATION_FILES = ("channels/base.py", "channels/common.py", "estimation.py", "panel.py", "destinations.py",
                    "investment_panel.py", "arrivals.py", "results/estimates.py", "results/inference.py", "serial.py")


def hashed_files(channel: str) -> list[Path]:
    """The files whose content keys a channel's fits: its module and the estimation code channels
    call (shared helpers, panel estimators, event studies, the stored result classes)."""
    here = Path(__file__).resolve().parent
    return [here / "channels" / f"{channel}.py"] + [here / f for f in ESTIMATION_FILES]


def code_hash(channel: str) -> str:
    """SHA-256 of the estimation code (:func:`hashed_files`), so that an edited estimator never reuses
    fits of the old code, even within one package version."""
    h = hashlib.sha256()
    for f in hashed_files(channel):
        try:
            h.update(f.read_bytes())
        except OSError:
            h.update(f.name.encode())
    return h.hexdigest()


def fit_key(channel: str, series: Mapping[str, Any], options: Mapping[str, Any], base_year: int,
            horizon: int) -> str:
    """Cache key of one channel's fit: only what its estimators read (see the module docstring)."""
    h = hashlib.sha256()
    h.update(f"format={FORMAT};{versions()};code={code_hash(channel)};channel={channel}".encode())
    for sid in sorted(series):
        h.update(f";{sid}:{series[sid].attrs.get('sha256', '')}".encode())
    h.update(f";options={sorted((k, repr(v)) for k, v in options.items())!r}".encode())
    h.update(f";base_year={base_year};horizon={horizon}".encode())
    return h.hexdigest()


class FitCache:
    """The cache folder.  ``get`` returns ``None`` on any miss; ``put`` never fails a run."""

    def __init__(self, directory: str | os.PathLike[str] | None = None) -> None:
        self.root = Path(directory) if directory else default_dir()
        self.dir = self.root / SUBDIR
        self._warned = False

    def _path(self, key: str) -> Path:
        if not re.fullmatch(r"[0-9a-f]{64}", key):
            raise ValueError(f"cache keys are SHA-256 hex digests (got {key!r})")
        return self.dir / f"entry-{key}.npz"

    def _warn(self, message: str) -> None:
        if not self._warned:  # once per run: a folder of bad entries is one problem
            log.warning("%s", message)
            self._warned = True

    def get(self, key: str) -> Any | None:
        path = self._path(key)
        try:
            raw = path.read_bytes()
        except OSError:
            return None
        try:
            stored_key, value = serial.loads(raw)
            if stored_key != key:
                raise serial.FormatError("entry is stored under another key")
        except (serial.FormatError, TypeError, ValueError) as exc:
            self._warn(f"ignoring an unreadable fit-cache entry in {self.dir} ({exc}); refitting")
            return None
        try:
            os.utime(path)  # mark as used, so pruning keeps it
        except OSError:
            pass
        return value

    def put(self, key: str, value: Any) -> None:
        path = self._path(key)
        try:
            blob = serial.dumps((key, value))
        except TypeError as exc:  # a programming error: report it, never fail the run for the cache
            log.warning("could not store a fit-cache entry: %s", exc)
            return
        tmp = None
        try:
            self._ensure_dir()
            fd, tmp = tempfile.mkstemp(dir=self.dir, prefix=f".{path.stem}.", suffix=".tmp")
            with os.fdopen(fd, "wb") as fh:
                fh.write(blob)
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)  # as any new file (mkstemp's 0o600 would hide a shared cache)
            os.replace(tmp, path)
            tmp = None
            self.prune()
        except OSError as exc:  # an unwritable cache never fails a run
            self._warn(f"could not write the fit cache in {self.dir}: {exc.strerror or exc}")
        finally:
            if tmp is not None:
                try:
                    os.unlink(tmp)
                except OSError:
                    pass

    def _ensure_dir(self) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        marker = self.dir / MARKER
        if not marker.exists():
            marker.write_text(MARKER_TEXT, encoding="utf-8")

    def _owned(self) -> bool:
        """True when the subfolder carries impact's marker (so its entry-named files are ours)."""
        try:
            return (self.dir / MARKER).read_text(encoding="utf-8") == MARKER_TEXT
        except (OSError, UnicodeDecodeError):
            return False

    def entries(self) -> list[Path]:
        """The cache's own entry files (nothing else in the folder)."""
        if not self.dir.is_dir():
            return []
        return sorted(p for p in self.dir.iterdir() if ENTRY.fullmatch(p.name) and p.is_file())

    def prune(self, max_age_days: float = MAX_AGE_DAYS) -> int:
        """Delete entries unused for ``max_age_days`` and temporary files of interrupted writes older
        than a day; only files of the marked subfolder whose names match; returns the count."""
        if not self._owned():
            return 0
        now = time.time()
        n = 0
        for p in self.dir.iterdir():
            if ENTRY.fullmatch(p.name):
                limit = max_age_days
            elif TEMP.fullmatch(p.name):
                limit = TEMP_AGE_DAYS
            else:
                continue
            try:
                if p.is_file() and not p.is_symlink() and p.stat().st_mtime < now - limit * 86400:
                    p.unlink()
                    n += 1
            except OSError:
                pass
        return n


class MemoryStore:
    """Fits kept in memory, in front of an optional :class:`FitCache` (or none): what a sweep's worker
    uses, seeded with the base assumptions' fits so that variants over effect parameters never refit.

    ``get``/``put`` as :class:`FitCache`.  Entries beyond the seeded ones are kept for the ``limit``
    most recent estimator inputs (a design that refits every variant keeps memory bounded)."""

    def __init__(self, entries: Mapping[str, Any] | None = None, fallback: FitCache | None = None,
                 limit: int = 32) -> None:
        self.seeded = dict(entries or {})
        self.recent: dict[str, Any] = {}
        self.fallback = fallback
        self.limit = limit

    def get(self, key: str) -> Any | None:
        if key in self.seeded:
            return self.seeded[key]
        if key in self.recent:
            self.recent[key] = self.recent.pop(key)  # most recently used last
            return self.recent[key]
        value = self.fallback.get(key) if self.fallback is not None else None
        if value is not None:
            self._keep(key, value)
        return value

    def put(self, key: str, value: Any) -> None:
        self._keep(key, value)
        if self.fallback is not None:
            self.fallback.put(key, value)

    def _keep(self, key: str, value: Any) -> None:
        self.recent[key] = value
        while len(self.recent) > self.limit:
            self.recent.pop(next(iter(self.recent)))

    @property
    def entries(self) -> dict[str, Any]:
        """Every fit held, seeded and recent, by key."""
        return {**self.seeded, **self.recent}

"""On-disk cache of channel fits.

Key: SHA-256 of the channel name, the content hash of every data series, the channel's block of
assumptions (options and parameters), the base year and horizon, and the versions of impact,
statsmodels, numpy, pandas and scipy.  Each entry stores its own SHA-256; an entry that is
truncated, corrupt or from another version is ignored and rebuilt, never trusted.  Entries unused
for 60 days are deleted when a new one is written.  The cache is safe to delete.  Location: ``$XDG_CACHE_HOME/impact`` (default ``~/.cache/impact``) or ``cache_dir``.
"""
from __future__ import annotations

import functools
import hashlib
import logging
import os
import pickle
import tempfile
from pathlib import Path
from typing import Any, Mapping

log = logging.getLogger(__name__)
MAGIC = b"IMPACT-FIT-CACHE-1\n"
FORMAT = 2  # bump when the pickled layout changes
MAX_AGE_DAYS = 60  # entries unused for this long are deleted when a new entry is written


def default_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "impact"


@functools.cache
def _versions() -> str:
    # read from package metadata: importing statsmodels just for its version would cost a second
    from importlib.metadata import version

    from . import __version__

    libs = ("statsmodels", "numpy", "pandas", "scipy")
    return f"impact={__version__};" + ";".join(f"{lib}={version(lib)}" for lib in libs)


def _code_hash(channel: str) -> str:
    """SHA-256 of the estimation code (the channel module and the shared estimators), so that an
    edited estimator never reuses fits made by the old code, even within one package version."""
    here = Path(__file__).resolve().parent
    h = hashlib.sha256()
    for f in (here / "channels" / f"{channel}.py", here / "channels" / "base.py", here / "estimates.py"):
        try:
            h.update(f.read_bytes())
        except OSError:
            h.update(f.name.encode())
    return h.hexdigest()


class FitCache:
    def __init__(self, directory: str | os.PathLike[str] | None = None) -> None:
        self.dir = Path(directory) if directory else default_dir()

    def key(self, channel: str, block: Any, settings: Any, series: Mapping[str, Any]) -> str:
        h = hashlib.sha256()
        h.update(f"format={FORMAT};{_versions()};code={_code_hash(channel)}".encode())
        h.update(channel.encode())
        for sid in sorted(series):
            h.update(f"{sid}:{series[sid].attrs.get('sha256', '')}".encode())
        h.update(repr(dict(block.options)).encode())
        for name, p in block.parameters.items():
            h.update(repr((name, p.value, p.unit, p.estimate, p.prior, p.distribution)).encode())
        h.update(f"{settings.base_year}:{settings.horizon}".encode())
        return h.hexdigest()

    def _path(self, key: str) -> Path:
        return self.dir / f"{key}.pkl"

    def get(self, key: str) -> Any | None:
        path = self._path(key)
        try:
            raw = path.read_bytes()
        except OSError:
            return None
        try:
            if not raw.startswith(MAGIC):
                raise ValueError("bad header")
            digest, payload = raw[len(MAGIC): len(MAGIC) + 64], raw[len(MAGIC) + 65:]
            if hashlib.sha256(payload).hexdigest().encode() != digest:
                raise ValueError("checksum mismatch")
            value = pickle.loads(payload)  # noqa: S301 - our own file, checksum verified
            try:
                os.utime(path)  # mark as used, so pruning keeps it
            except OSError:
                pass
            return value
        except Exception as exc:  # corrupt entry: ignore and rebuild
            log.warning("ignoring corrupt fit-cache entry %s (%s); refitting", path.name, exc)
            try:
                path.unlink()
            except OSError:
                pass
            return None

    def put(self, key: str, value: Any) -> None:
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
            payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
            blob = MAGIC + hashlib.sha256(payload).hexdigest().encode() + b"\n" + payload
            fd, tmp = tempfile.mkstemp(dir=self.dir, prefix=".tmp-", suffix=".pkl")
            with os.fdopen(fd, "wb") as fh:
                fh.write(blob)
            os.replace(tmp, self._path(key))
            self.prune()
        except OSError as exc:  # an unwritable cache never fails a run
            log.warning("could not write the fit cache in %s: %s", self.dir, exc)

    def prune(self, max_age_days: float = MAX_AGE_DAYS) -> int:
        """Delete entries not used for ``max_age_days`` (stale fits of older code or data); returns the count."""
        import time

        cutoff = time.time() - max_age_days * 86400
        n = 0
        for p in self.dir.glob("*.pkl"):
            try:
                if p.stat().st_mtime < cutoff:
                    p.unlink()
                    n += 1
            except OSError:
                pass
        return n

    def clear(self) -> int:
        n = 0
        if self.dir.is_dir():
            for p in self.dir.glob("*.pkl"):
                p.unlink()
                n += 1
        return n

"""Writing a run's outputs all or nothing: pre-flight checks, staging beside each target, one commit.

Every output (the workbook, the CSV folder) is first checked (:func:`check_workbook_path`,
:func:`check_csv_folder`) before any work is done, then written in full to a temporary sibling
(same folder, so same file system) and only then moved into place by :meth:`OutputSet.commit`:
renames that cannot run out of space, with Ctrl-C held back until the last one is done.  A failure
or an interruption before the commit leaves every previous output byte-for-byte as it was and
removes the temporary files; :attr:`OutputSet.committed` says exactly what was replaced.
"""
from __future__ import annotations

import contextlib
import os
import shutil
import signal
import tempfile
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path

from ..errors import Issue, OutputError


def write_bytes(data: bytes, path: str) -> None:
    """Write and flush to disk (the one place output bytes hit the file system)."""
    with open(path, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def file_mode(target: Path) -> int:
    """Permissions for a new output: those of the file it replaces, else 0o666 less the umask
    (mkstemp's 0o600 would make shared workbooks unreadable to colleagues)."""
    try:
        return target.stat().st_mode & 0o777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _writable_parent(p: Path, option: str) -> None:
    parent = p.parent if str(p.parent) else Path(".")
    probe = parent
    while not probe.exists():
        probe = probe.parent
    if not probe.is_dir():
        raise OutputError(Issue(f"cannot create folder {parent}: {probe} is a file", hint=f"choose another {option} path"))
    if not os.access(probe, os.W_OK | os.X_OK):
        raise OutputError(Issue(f"cannot write to folder {probe}", hint=f"choose another {option} path or fix permissions"))


def _lock_files(p: Path) -> None:
    for lock, app in ((p.parent / f"~${p.name}", "Excel"), (p.parent / f".~lock.{p.name}#", "LibreOffice")):
        if lock.exists():
            raise OutputError(Issue(f"{p} is open in {app} (lock file {lock.name} present)",
                                    hint="close it and run again; the previous file was left untouched"))


def check_workbook_path(path: str | os.PathLike[str]) -> None:
    """Fail early (exit 2) when the workbook cannot be written; nothing is touched."""
    p = Path(path)
    if p.suffix.lower() != ".xlsx":
        raise OutputError(Issue(f"output must be an .xlsx file (got {str(p)!r})", hint="e.g. --out outputs/impact.xlsx"))
    check_file_path(p, "--out")


def check_file_path(p: Path, option: str) -> None:
    """Fail early (exit 2) when output file ``p`` (given with ``option``) cannot be written."""
    if p.exists() and p.is_dir():
        raise OutputError(Issue(f"{option}: {p} is a folder", hint="give a file name"))
    _lock_files(p)
    _writable_parent(p, option)
    if p.exists() and not os.access(p, os.W_OK):
        raise OutputError(Issue(f"{p} is read-only or locked",
                                hint=f"close it or choose another {option} path; it was left untouched"))


def check_csv_folder(path: str | os.PathLike[str], names: tuple[str, ...] = (), workbook: str | None = None) -> None:
    """Fail early (exit 2) when the CSV tables cannot be written to folder ``path``; nothing is touched.

    ``names`` are the file names that may be written (checked for Excel/LibreOffice lock files and
    write permission); ``workbook`` is the workbook path of the same run (they must differ)."""
    p = Path(path)
    if workbook is not None and p.resolve() == Path(workbook).resolve():
        raise OutputError(Issue(f"--csv and --out name the same path ({p})", hint="give --csv a folder, e.g. --csv outputs/tables"))
    if p.exists() and not p.is_dir():
        raise OutputError(Issue(f"--csv must name a folder, but {p} is a file",
                                hint="give a folder for the CSV tables, e.g. --csv outputs/tables; the file was left untouched"))
    _writable_parent(p / "x", "--csv") if p.exists() else _writable_parent(p, "--csv")
    if p.is_dir():
        for name in names:
            f = p / name
            _lock_files(f)
            if f.exists() and (f.is_dir() or not os.access(f, os.W_OK)):
                raise OutputError(Issue(f"{f} is {'a folder' if f.is_dir() else 'read-only'}",
                                        hint="remove it or choose another --csv folder; nothing was written"))


@contextlib.contextmanager
def sigint_deferred() -> Iterator[None]:
    """Hold back Ctrl-C until the block ends (then raise it): a commit is never left half done."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    got: list[int] = []
    try:
        previous = signal.signal(signal.SIGINT, lambda signum, frame: got.append(signum))
    except ValueError:  # pragma: no cover - signals unavailable (embedded interpreters)
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        if got:
            raise KeyboardInterrupt


class OutputSet:
    """The outputs of one run: staged one by one, committed together.

    >>> out = OutputSet()
    >>> out.stage_file(Path("outputs/impact.xlsx"), data)          # doctest: +SKIP
    >>> out.stage_folder(Path("outputs/tables"), {"central.csv": b"..."}, known={...})  # doctest: +SKIP
    >>> out.commit()                                                # doctest: +SKIP
    """

    def __init__(self) -> None:
        self._files: list[tuple[Path, str]] = []  # (target, temporary file)
        self._folders: list[tuple[Path, str, frozenset[str]]] = []  # (target, temporary folder, known names)
        self.committed: list[Path] = []

    # -------------------------------------------------------------- staging
    def stage_file(self, target: Path, data: bytes) -> None:
        """Write ``data`` to a temporary file beside ``target`` (raises OutputError; nothing replaced)."""
        target = Path(target)
        tmp = None
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.stem}-", suffix=f"{target.suffix}.tmp")
            os.close(fd)
            self._files.append((target, tmp))
            write_bytes(data, tmp)
            os.chmod(tmp, file_mode(target))
        except OSError as exc:
            if tmp is None:
                raise OutputError(Issue(f"cannot write to folder {target.parent}: {exc.strerror or exc}",
                                        hint="choose another path or fix permissions")) from None
            raise OutputError(Issue(f"cannot write {target}: {exc.strerror or exc}",
                                    hint="free disk space or choose another path; previous outputs were left "
                                         "untouched")) from None

    def stage_folder(self, target: Path, files: Mapping[str, bytes], known: frozenset[str] = frozenset()) -> None:
        """Write ``files`` into a temporary sibling folder of ``target``.  On commit they replace the
        files of the same names in ``target``; files named in ``known`` (tables an earlier run may have
        written) that this run does not write are removed, so the folder never mixes two runs."""
        target = Path(target)
        tmp = None
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}-", suffix=".tmp")
            self._folders.append((target, tmp, frozenset(known) | frozenset(files)))
            os.chmod(tmp, file_mode(target) | 0o111 if target.exists() else 0o777 & ~_umask())
            for name, data in files.items():
                dest = os.path.join(tmp, name)
                write_bytes(data, dest)
                os.chmod(dest, file_mode(target / name))
        except OSError as exc:
            raise OutputError(Issue(f"cannot write the CSV tables to {target}: {exc.strerror or exc}",
                                    hint="free disk space or choose another --csv folder; previous outputs were "
                                         "left untouched")) from None

    # -------------------------------------------------------------- commit / abort
    def commit(self) -> list[Path]:
        """Move every staged output into place (Ctrl-C waits until all are done)."""
        with sigint_deferred():
            try:
                for target, tmp in self._files:
                    os.replace(tmp, target)
                    self.committed.append(target)
                for target, tmp, known in self._folders:
                    self._commit_folder(target, tmp, known)
                    self.committed.append(target)
            except OSError as exc:
                done = ", ".join(str(p) for p in self.committed) or "nothing"
                self.abort()
                raise OutputError(Issue(f"could not move the outputs into place: {exc.strerror or exc} "
                                        f"(already replaced: {done})", hint="check the output folders")) from None
            self._files, self._folders = [], []
        return list(self.committed)

    @staticmethod
    def _commit_folder(target: Path, tmp: str, known: frozenset[str]) -> None:
        staged = sorted(os.listdir(tmp))
        if not target.exists():
            os.rename(tmp, target)
            return
        for name in staged:
            os.replace(os.path.join(tmp, name), target / name)
        for name in sorted(known - set(staged)):
            stale = target / name
            if stale.is_file() and not stale.is_symlink():
                stale.unlink()
        os.rmdir(tmp)

    def abort(self) -> None:
        """Remove whatever was staged and not committed."""
        for _target, tmp in self._files:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        for _target, tmp, _known in self._folders:
            shutil.rmtree(tmp, ignore_errors=True)
        self._files, self._folders = [], []

    def __enter__(self) -> OutputSet:
        return self

    def __exit__(self, *exc: object) -> None:
        self.abort()  # a no-op after a commit


def _umask() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return umask

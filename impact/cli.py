"""Command-line interface: ``python -m impact [run|validate|init|data] ...``.

The only module that prints, reads ``sys.argv`` or sets exit codes.
Exit status: 0 success; 2 invalid input (arguments, assumptions, data, output path) with one
message per problem and no traceback; 1 unexpected error (``--debug`` shows the traceback).
"""
from __future__ import annotations

import argparse
import gc
import logging
import os
import shutil
import sys
import time
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from . import __version__, sweep_cli
from .errors import ImpactError, ImpactWarning, Issue, UsageError

log = logging.getLogger("impact")

DESCRIPTION = """\
Economic impact of a U.S. Foreign Terrorist Organization designation of Mexican cartels:
U.S. tourism to Mexico, U.S. imports from Mexico and costs of U.S. businesses in Mexico, by
scenario and year, with Monte Carlo ranges and sensitivity tables, written to an Excel workbook.

Without a command, runs `run` on ./assumptions (or the defaults shipped with the package)."""

EPILOG = """\
examples:
  python -m impact                              run everything, write outputs/impact.xlsx
  python -m impact run --scenario designation --draws 2000 --out outputs/quick.xlsx
  python -m impact validate --assumptions my_analysis
  python -m impact init my_analysis             copy the default assumptions to start a new analysis
  python -m impact data                         list the bundled data series and their sources
  python -m impact sweep assumptions/sweep.yaml  many assumption variants to Parquet (impact sweep --help)

exit status: 0 ok, 2 invalid input (file:line messages on stderr), 1 unexpected error (use --debug)."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # exit 2 with one clear line, no usage dump noise
        self.print_usage(sys.stderr)
        hint = f"see `{self.prog} --help`"
        if message.startswith("unrecognized arguments:"):
            import difflib

            opts = set(self._option_string_actions)
            for action in self._actions:
                if isinstance(action, argparse._SubParsersAction):
                    for sp in action.choices.values():
                        opts |= set(sp._option_string_actions)
            for tok in message.split(":", 1)[1].split():
                close = difflib.get_close_matches(tok.split("=")[0], sorted(o for o in opts if o.startswith("--")), n=1)
                if tok.startswith("-") and close:
                    hint = f"did you mean {close[0]}? {hint}"
                    break
        raise UsageError(Issue(message, hint=hint))


def _default_assumptions() -> Path | None:
    local = Path("assumptions")
    return local if (local / "settings.yaml").exists() else None


def _build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="impact", description=DESCRIPTION, epilog=EPILOG,
                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--version", action="version", version=f"impact {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    def common(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("--assumptions", "-a", metavar="DIR",
                        help="assumption folder (default: ./assumptions if present, else the shipped defaults)")
        sp.add_argument("--allow-absolute-paths", action="store_true",
                        help="let data overrides point outside the assumptions folder")
        sp.add_argument("--debug", action="store_true", help="show tracebacks of unexpected errors")
        sp.add_argument("--quiet", "-q", action="store_true", help="print only errors")
        sp.add_argument("--verbose", "-v", action="store_true", help="log progress details and the time each phase takes")

    r = sub.add_parser("run", help="fit, simulate, analyse sensitivity and write the workbook",
                       description="Fit the estimators, run every scenario (central + Monte Carlo), compute "
                                   "sensitivity tables and write the Excel workbook.")
    common(r)
    r.add_argument("--out", "-o", metavar="FILE", help="workbook path (default: settings.output, outputs/impact.xlsx)")
    r.add_argument("--scenario", "-s", metavar="NAME", action="append", nargs="+",
                   help="run only these scenarios (--scenario A B, or -s A -s B); the baseline is always included")
    r.add_argument("--draws", "-n", type=int, metavar="N", help="Monte Carlo draws per scenario (0 skips the Monte Carlo)")
    r.add_argument("--seed", type=int, metavar="N", help="random seed (default: settings.seed)")
    r.add_argument("--no-sensitivity", action="store_true", help="skip tornado, two-way and Sobol tables")
    r.add_argument("--jobs", "-j", type=int, metavar="N", default=None,
                   help="processes to use: 2 computes the sensitivity tables in a worker process while the workbook "
                        "is written, 1 runs everything in one process (default: 2 on Linux with 2+ CPUs, else 1; the "
                        "results are identical)")
    r.add_argument("--no-cache", action="store_true", help="refit the estimators instead of using the fit cache")
    r.add_argument("--cache-dir", metavar="DIR",
                   help="fit-cache folder (default: $XDG_CACHE_HOME/impact when set, else ~/.cache/impact)")
    r.add_argument("--csv", metavar="DIR", help="also write the tables as tidy CSV files to DIR")
    r.add_argument("--draws-out", metavar="FILE",
                   help="also write every Monte Carlo draw of every scenario (inputs and impacts) to FILE: Parquet "
                        "(.parquet, needs pyarrow) or CSV (.csv, .csv.gz); never into the workbook")

    v = sub.add_parser("validate", help="check the assumption files and data overrides; exit 2 on problems",
                       description="Check every assumption file and data override; print all problems with file:line.")
    common(v)
    i = sub.add_parser("init", help="copy the default assumptions to DIR to start a new analysis",
                       description="Copy the default assumption files (and their README) to DIR.")
    i.add_argument("dir", metavar="DIR")
    i.add_argument("--force", action="store_true", help="overwrite existing files")
    i.add_argument("--debug", action="store_true", help=argparse.SUPPRESS)
    i.add_argument("--quiet", "-q", action="store_true", help=argparse.SUPPRESS)
    i.add_argument("--verbose", "-v", action="store_true", help=argparse.SUPPRESS)
    sweep_cli.add_parser(sub, common)
    d = sub.add_parser("data", help="list the bundled data series with units and sources")
    d.add_argument("--debug", action="store_true", help=argparse.SUPPRESS)
    d.add_argument("--quiet", "-q", action="store_true", help=argparse.SUPPRESS)
    d.add_argument("--verbose", "-v", action="store_true", help=argparse.SUPPRESS)
    return p


class _Progress:
    """A one-line progress indicator on stderr (only when stderr is a terminal)."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled and sys.stderr.isatty()
        self.last = 0.0

    def __call__(self, what: str, done: int, total: int) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if done < total and now - self.last < 0.2:
            return
        self.last = now
        end = "\n" if done >= total else ""
        sys.stderr.write(f"\r{what}: {done:,}/{total:,} ({100 * done / max(total, 1):.0f}%)   {end}")
        sys.stderr.flush()


class _Formatter(logging.Formatter):
    """Messages as they are; warnings and errors say so in front (like ``warning:`` from warnings)."""

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        if record.levelno >= logging.WARNING and record.name != "py.warnings":
            prefix = "warning: " if record.levelno == logging.WARNING else "error: "
            if not text.startswith(prefix):
                text = prefix + text
        return text


def _setup_logging(quiet: bool, verbose: bool) -> None:
    level = logging.ERROR if quiet else (logging.DEBUG if verbose else logging.INFO)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_Formatter("%(message)s"))
    root = logging.getLogger("impact")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False
    logging.captureWarnings(True)
    wlog = logging.getLogger("py.warnings")
    wlog.handlers[:] = [handler]
    wlog.setLevel(logging.ERROR if quiet else logging.WARNING)
    wlog.propagate = False


def _warning_format(message, category, filename, lineno, line=None):  # type: ignore[no-untyped-def]
    return f"warning: {message}"


def _cmd_validate(args: argparse.Namespace) -> int:
    from .api import load_assumptions

    folder = args.assumptions or _default_assumptions()
    a = load_assumptions(folder, allow_absolute_paths=args.allow_absolute_paths)
    n_par = sum(len(c.parameters) for c in a.channels.values())
    log.info("ok: %s (%d channels, %d parameters, %d scenarios)", folder or "shipped defaults", len(a.channels), n_par,
             len(a.scenario_names))
    design = Path(folder or a.folder) / "sweep.yaml"
    if design.is_file():  # the folder's sweep design is checked too (as `impact sweep` would)
        from .sweep_design import read_design

        d = read_design(design, a)
        log.info("ok: %s (%s, %d variants)", design, d.method, d.n_variants)
    return 0


def _cmd_init(args: argparse.Namespace) -> int:
    from .assumptions import DEFAULT_DIR, FILES

    dest = Path(args.dir)
    if dest.exists() and not dest.is_dir():
        raise UsageError(Issue(f"{dest} is a file, not a folder", hint="give the name of a new folder, e.g. my_analysis"))
    existing = [f for f in (*FILES, "README.md", "sweep.yaml") if (dest / f).exists()]
    if existing and not args.force:
        raise UsageError(Issue(f"{dest} already has {', '.join(existing)}", hint="use --force to overwrite"))
    try:
        dest.mkdir(parents=True, exist_ok=True)
        for f in (*FILES, "README.md", "sweep.yaml"):
            src = DEFAULT_DIR / f
            if src.exists():
                shutil.copyfile(src, dest / f)
    except OSError as exc:
        raise UsageError(Issue(f"cannot write to {dest}: {exc.strerror or exc}",
                               hint="choose a folder you can write to")) from None
    log.info("wrote the default assumptions to %s; edit them and run `python -m impact run --assumptions %s`", dest, dest)
    return 0


def _cmd_data(args: argparse.Namespace) -> int:
    """One block per bundled series, wrapped to the terminal: id, unit, frequency, coverage; source."""
    import textwrap

    from .data import describe

    width = min(100, shutil.get_terminal_size((80, 24)).columns)
    df = describe()
    blocks = ["\n".join(textwrap.wrap(f"{len(df)} bundled data series (unit, frequency, coverage; source "
                                       f"[series code]). Full details: impact/data/catalog.yaml and the "
                                       f"workbook's Data sheet.", width))]
    for r in df.itertuples(index=False):
        cols = f"; columns period,{r.keys.replace(' ', ',')},value" if r.keys else ""
        head = f"{r.id}: {r.unit}, {r.frequency}{' panel' if r.keys else ''}, {r.coverage}{cols}"
        src = f"{r.source} [{r.series_code}]" if r.series_code else str(r.source)
        blocks.append("\n".join([*textwrap.wrap(head, width, subsequent_indent="    "),
                                  *textwrap.wrap(src, width, initial_indent="    ", subsequent_indent="    ")]))
    print("\n\n".join(blocks))
    return 0


def _check_cache_dir(path: str | None) -> None:
    if path is None:
        return
    p = Path(path)
    if p.exists() and not p.is_dir():
        raise UsageError(Issue(f"--cache-dir must name a folder, but {p} is a file",
                               hint="give a folder for the fit cache (it is created if missing), or use --no-cache"))


def _cmd_run(args: argparse.Namespace) -> int:
    from .api import check_run_arguments, load_assumptions, run_analysis
    from .report.output import OutputSet, check_csv_folder, check_workbook_path

    if args.process_entry:
        # The hundreds of thousands of objects the libraries just created live until exit: freezing
        # them spares every full garbage collection of the run a rescan (~50 ms per run).
        gc.freeze()
    check_run_arguments(draws=args.draws, seed=args.seed, jobs=args.jobs, cli=True)
    _check_cache_dir(None if args.no_cache else args.cache_dir)
    folder = args.assumptions or _default_assumptions()
    t = time.perf_counter()
    a = load_assumptions(folder, allow_absolute_paths=args.allow_absolute_paths)
    log.debug("assumptions loaded and validated: %.3f s", time.perf_counter() - t)
    scenarios = _scenario_args(args.scenario, a.scenario_names)
    draws = a.settings.draws if args.draws is None else args.draws
    check_run_arguments(draws=draws, scenarios=len(scenarios or a.scenario_names), assumptions=a, cli=True)
    out = Path(args.out or a.settings.output)
    check_workbook_path(out)
    if args.csv:
        from .report.tables import KNOWN_CSV

        check_csv_folder(args.csv, KNOWN_CSV, workbook=str(out))
    draws_fmt = _check_draws_out(args, draws, out)
    log.info("%s", _describe_folder(folder, a))
    progress = _Progress(not args.quiet)
    result = run_analysis(a, scenarios, draws=args.draws, seed=args.seed,
                          sensitivity=False if args.no_sensitivity else None, cache=not args.no_cache,
                          cache_dir=args.cache_dir, command="impact " + " ".join(sys.argv[1:]),
                          progress=lambda w, d, t: progress(w, d, t), jobs=2 if args.jobs is None else args.jobs,
                          wait=False)
    t = time.perf_counter()
    from .report.excel import build_workbook

    book, _ = build_workbook(result)
    outputs = OutputSet()
    args.outputs = outputs  # main() reports what was committed if the run is interrupted
    try:
        outputs.stage_file(out, book.getvalue())
        if args.csv:
            from .report.tables import KNOWN_CSV, csv_files

            outputs.stage_folder(Path(args.csv), csv_files(result), known=frozenset(KNOWN_CSV))
        if draws_fmt:
            from .report.draws import draws_bytes

            outputs.stage_file(Path(args.draws_out), draws_bytes(result, draws_fmt))
        outputs.commit()
    finally:
        outputs.abort()
    log.debug("outputs written: %.3f s", time.perf_counter() - t)
    if not args.quiet:
        print(_summary_text(result))
        print(f"\nWorkbook written to {out}")
        if args.csv:
            print(f"Tidy CSV tables written to {args.csv}")
        if draws_fmt:
            print(f"Every Monte Carlo draw written to {args.draws_out}")
    return 0


def _cmd_sweep(args: argparse.Namespace) -> int:
    return sweep_cli.command(args, _scenario_args, _default_assumptions)


def _check_draws_out(args: argparse.Namespace, draws: int, out: Path) -> str | None:
    """The format of ``--draws-out`` (checked before any work), or None without it."""
    if not args.draws_out:
        return None
    if draws == 0:
        raise UsageError(Issue("--draws-out needs Monte Carlo draws, but the run has none (draws = 0)",
                               hint="give --draws N with N > 0, or leave out --draws-out"))
    if Path(args.draws_out).resolve() == out.resolve():
        raise UsageError(Issue("--draws-out and --out name the same file", hint="e.g. --draws-out outputs/draws.parquet"))
    from .report.draws import draws_format

    return draws_format(args.draws_out)


def _scenario_args(given: list[list[str]] | None, known: tuple[str, ...]) -> list[str] | None:
    """Scenario names from ``--scenario A B`` and ``-s A -s B`` (both forms, as the README shows)."""
    if not given:
        return None
    names = [n for group in given for n in (group if isinstance(group, list) else [group])]
    for name in names:
        if name not in known:
            from .assumptions import choices_hint

            raise UsageError(Issue(f"--scenario: unknown scenario {name!r}", hint=choices_hint(name, known)))
    return names


def _describe_folder(folder: Path | None, a: Any) -> str:
    """The start-up line: where the assumptions came from and what they hold, in words."""
    where = (f"the assumption files in {folder}/" if folder is not None else
             "the default assumptions shipped with impact (no ./assumptions folder here)")
    n_sc = len([n for n in a.scenario_names if n != "baseline"])
    return (f"Using {where}: {len(a.channels)} channels ({', '.join(a.channels)}), {n_sc} designation scenarios "
            f"against the baseline, years {a.settings.years[0]}-{a.settings.years[-1]}")


def _summary_text(result: object) -> str:
    from .report.console import headline_text

    return headline_text(result)  # type: ignore[arg-type]


def main(argv: Sequence[str] | None = None) -> int:
    entry = argv is None  # called as the process entry point (python -m impact, the impact script)
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = _build_parser()
    if not argv or argv[0].startswith("-") and argv[0] not in ("-h", "--help", "--version"):
        argv = ["run", *argv]
    debug = "--debug" in argv
    saved = _save_global_state()
    warnings.formatwarning = _warning_format  # type: ignore[assignment]
    args = None
    try:
        args = parser.parse_args(argv)
        if args.command is None:
            args = parser.parse_args(["run"])
        args.process_entry = entry
        _setup_logging(getattr(args, "quiet", False), getattr(args, "verbose", False))
        with warnings.catch_warnings():
            warnings.simplefilter("default", ImpactWarning)
            handler = {"run": _cmd_run, "validate": _cmd_validate, "init": _cmd_init, "data": _cmd_data,
                       "sweep": _cmd_sweep}[args.command]
            return handler(args)
    except ImpactError as exc:
        sys.stderr.write("error: " + exc.render().replace("\n", "\nerror: ") + "\n")
        return exc.exit_code
    except KeyboardInterrupt:
        sys.stderr.write(_interrupted_message(args) + "\n")
        return 130
    except SystemExit as exc:  # argparse --help / --version
        return int(exc.code or 0)
    except BrokenPipeError:  # `impact data | head`: the reader has all it wants
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as exc:  # unexpected: one line, traceback with --debug
        if _interrupted(exc):
            sys.stderr.write(_interrupted_message(args) + "\n")
            return 130
        if debug:
            raise
        sys.stderr.write(f"unexpected error: {type(exc).__name__}: {exc} (run with --debug for the traceback)\n")
        return 1
    finally:
        _restore_global_state(saved)
        if entry:
            gc.freeze()  # the process ends next: skip the interpreter's final full collection (~70 ms)


def _interrupted(exc: BaseException) -> bool:
    """Ctrl-C that a library turned into another error: pybind11 modules (scipy, matplotlib) raise
    ImportError("initialization failed") from a KeyboardInterrupt that arrives while they load."""
    seen = set()
    e: BaseException | None = exc
    while e is not None and id(e) not in seen:
        if isinstance(e, KeyboardInterrupt):
            return True
        seen.add(id(e))
        e = e.__cause__ or e.__context__
    return False


def _interrupted_message(args: argparse.Namespace | None) -> str:
    """What an interrupted command left behind, exactly: outputs are committed all at once, and Ctrl-C
    during the commit takes effect only after it."""
    parts = getattr(args, "sweep_parts", None)
    if parts is not None and parts.exists():
        return f"interrupted; completed chunks are kept in {parts}: add --resume to continue the sweep"
    outputs = getattr(args, "outputs", None)
    done = [str(p) for p in getattr(outputs, "committed", [])]
    if done:
        return f"interrupted after the outputs were written ({', '.join(done)}); nothing else was changed"
    return "interrupted; no output was written or replaced"


def exit_process(status: int) -> None:
    """End the process with ``status``.  After Ctrl-C the exit bypasses the interpreter's shutdown:
    once a KeyboardInterrupt has passed through ``exec`` of a string (scipy does that while it is
    imported), CPython 3.11 re-raises SIGINT at exit although the program handled it, which turns
    status 130 into death by signal.  Streams are flushed and worker processes stopped first."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the interpreter's shutdown is not worth a traceback
    if status != 130:
        sys.exit(status)
    mp = sys.modules.get("multiprocessing")
    if mp is not None:
        for child in mp.active_children():
            child.terminate()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(130)


def entry() -> None:
    """Console-script entry point (``impact ...``): :func:`main`, and Ctrl-C at any moment gives
    status 130 and one line."""
    try:
        status = main()
    except KeyboardInterrupt:
        sys.stderr.write("interrupted; no output was written or replaced\n")
        status = 130
    exit_process(status)


def _save_global_state() -> tuple[object, ...]:
    """Logging and warning settings that main() changes, so in-process callers get them back."""
    loggers = [logging.getLogger(n) for n in ("impact", "py.warnings")]
    return (warnings.formatwarning, logging._warnings_showwarning is not None,  # type: ignore[attr-defined]
            [(lg, list(lg.handlers), lg.level, lg.propagate) for lg in loggers])


def _restore_global_state(saved: tuple[object, ...]) -> None:
    fmt, capturing, loggers = saved
    warnings.formatwarning = fmt  # type: ignore[assignment]
    logging.captureWarnings(bool(capturing))
    for lg, handlers, level, propagate in loggers:  # type: ignore[attr-defined]
        lg.handlers[:] = handlers
        lg.setLevel(level)
        lg.propagate = propagate


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

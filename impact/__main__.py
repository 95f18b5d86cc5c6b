"""``python -m impact``: the command line (see :mod:`impact.cli`).

Ctrl-C at any moment, including while the numerical libraries are being imported, ends the
process with status 130 and one line on stderr, never a traceback.
"""
import sys

try:
    from .cli import exit_process, main

    status = main()
except KeyboardInterrupt:  # before main() took over (its own imports) or after it returned
    sys.stderr.write("interrupted; no output was written or replaced\n")
    status = 130
    from .cli import exit_process
exit_process(status)

"""Tiny launcher: ``python -I -S _spawn.py REPORT -- ARGV...`` runs ARGV and measures it.

Why a launcher: on Linux a child's ``ru_maxrss`` starts from the high-water mark of the
memory image it replaced at ``exec``, so a child spawned straight from the benchmark
process (hundreds of MiB once torch is imported) would report at least that much.  This
bare interpreter is a few MiB, so the RSS it reports for ARGV is ARGV's own.

It writes ``{"returncode", "wall_s", "maxrss", "cpu_s"}`` as JSON to REPORT (``maxrss``
as the OS gives it: KiB on Linux, bytes on macOS).  Wall time runs from spawn to reaping.
"""

import json
import os
import sys
import time


def main() -> int:
    report, sep, *argv = sys.argv[1:]
    if sep != "--" or not argv:
        print("usage: _spawn.py REPORT -- ARGV...", file=sys.stderr)
        return 2
    t0 = time.perf_counter()
    pid = os.posix_spawnp(argv[0], argv, os.environ)
    _, status, usage = os.wait4(pid, 0)
    result = {
        "returncode": os.waitstatus_to_exitcode(status),
        "wall_s": time.perf_counter() - t0,
        "maxrss": usage.ru_maxrss,
        "cpu_s": usage.ru_utime + usage.ru_stime,
    }
    with open(report, "w") as f:
        json.dump(result, f)
    return 0


if __name__ == "__main__":
    sys.exit(main())

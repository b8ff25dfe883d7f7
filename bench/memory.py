"""The peak memory of this process alone, for the benchmarks' children.

``getrusage``'s ``ru_maxrss`` is the wrong figure for a child: Linux keeps the high-water mark across
``exec``, so a child of a large parent starts at the parent's size.  ``VmHWM`` in ``/proc/self/status``
is the peak of the process's own address space since it was made.
"""

from __future__ import annotations

import resource


def peak_mib() -> float:
    """The process's peak resident memory in MiB: ``VmHWM`` where Linux has it, else ``ru_maxrss``."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

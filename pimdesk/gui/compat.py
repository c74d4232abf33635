"""Work-arounds for bugs of the Qt binding this build runs on.

PySide6 6.12.0 on Python 3.11 drops one reference too many on the value a signal emit
returns from Python (``True``) and on what a Python slot returns when Qt calls it (``None``
for nearly every slot). Each emit or slot call leaves the reference count of ``True`` or
``None`` one lower; after some thousands (a minute of scrolling a large table) it reaches
zero and Python aborts with "bool_dealloc" or "none_dealloc". From Python 3.12 on these
objects are immortal and nothing happens. Until the binding is fixed we give ``True``,
``False`` and ``None`` a reference count no session can exhaust (about 10^15 calls).
"""

from __future__ import annotations

import ctypes
import sys

_RESERVE = 10**15
_done = False


def protect_bool_refcounts() -> None:
    """Idempotent; a no-op where the interpreter makes True and False immortal."""
    global _done
    if _done or sys.version_info >= (3, 12):
        return
    for value in (True, False, None):
        count = ctypes.c_ssize_t.from_address(id(value))
        count.value += _RESERVE
    _done = True

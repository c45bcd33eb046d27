"""The objects a process makes while it starts (modules, classes, the catalog, compiled templates and queries) live
as long as it does; Python's cyclic garbage collector still walked all of them in every full collection. In the web
process that was ~200,000 objects every few seconds: a pause of 100-160 ms in whatever request was running (the
p99 of issue 19's pages). Frozen once started (gc.freeze), a full collection walks only what came after: ~10 ms.

Only the cyclic collector skips frozen objects; anything freed by its reference count is still freed at once.
"""

from __future__ import annotations

import gc


def settle_startup_objects() -> int:
    """Collects what starting left behind, then keeps every object alive now out of later collections; returns
    how many objects that is."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()

"""Process start-up for serving: load everything a request will need, then take it out of the garbage
collector's sight.

A full (generation 2) collection walks every tracked object; once the views, templates' modules and their
libraries are loaded a worker holds a quarter of a million, and such a collection took 120-170 ms on the
England-scale benchmark machine, landing on an unlucky request every few dozen (it was most of the person
page's p99). ``gc.freeze()`` moves what exists at start-up into a permanent generation the collector skips;
what requests create is still collected as before. The same reasoning is behind freezing before fork in
pre-fork servers: frozen objects are also never written to by the collector, so forked workers share them.
"""

from __future__ import annotations

import atexit
import gc


def settle_for_serving() -> None:
    """Import every view (the URL configuration loads lazily otherwise), collect once, then freeze."""
    from django.urls import get_resolver

    resolver = get_resolver()
    resolver.url_patterns  # noqa: B018 - the attribute's evaluation imports every app's views
    gc.collect()
    gc.freeze()
    # Hand the objects back at exit so that shutdown frees them: extension modules that count their objects
    # (DuckDB's bindings) otherwise report them as leaked.
    atexit.register(gc.unfreeze)

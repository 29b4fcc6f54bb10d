"""Voilà, with a preheated pool that never makes a visitor wait out its refill delay.

Voilà replaces a preheated kernel taken by a visitor after ``fill_delay`` seconds (``toolkit
app`` holds a large pool's refill back further, so a crowd's refill does not slow the pages
just handed out). The pool holds the sleeping refills too, and a visitor who arrives when
every ready kernel is taken is handed one of them: in Voilà that visitor sleeps out the rest
of the delay before a kernel even starts (37 s on a pool of 20). Here a visitor who takes a
sleeping refill wakes it, so the wait is a kernel's start, as with no pool at all.

``python -m toolkit.kernel_pool ARGS`` runs ``voila ARGS`` with this change (``toolkit app``
does). It hooks two names of Voilà 0.5 (``voila.voila_kernel_manager.wait_before``, looked up
each time a refill is scheduled, and ``voila.app.voila_kernel_manager_factory``); with a
Voilà that lacks them it says so and runs Voilà as it is.
"""

from __future__ import annotations

import asyncio
import sys

# a sleeping refill (the pool's task) -> the event that wakes it
_SLEEPING: dict[asyncio.Future, asyncio.Event] = {}


async def wait_before(delay: float, aw):
    """Voilà's refill step: wait ``delay`` seconds, or until ``hurry`` wakes this refill,
    then start the kernel (``aw``)."""
    task = asyncio.current_task()
    wake = asyncio.Event()
    if task is not None:
        _SLEEPING[task] = wake
    try:
        await asyncio.wait_for(wake.wait(), delay)
    except TimeoutError:  # the delay is over
        pass
    finally:
        if task is not None:
            _SLEEPING.pop(task, None)
    return await aw


def hurry(pool: list) -> bool:
    """Wake the refill at the head of ``pool`` (the one Voilà hands out next) if it is still
    sleeping; True when one was woken."""
    wake = _SLEEPING.get(pool[0]) if pool else None
    if wake is None or wake.is_set():
        return False
    wake.set()
    return True


def hurried_factory(factory):
    """Voilà's kernel manager factory, whose preheated pool wakes a sleeping refill that a
    visitor is about to be handed."""

    def make(base_class, preheat_kernel, default_pool_size, page_config_hook=None):
        cls = factory(base_class, preheat_kernel, default_pool_size, page_config_hook)
        if not preheat_kernel:
            return cls

        class HurriedPool(cls):
            async def get_rendered_notebook(self, notebook_name, *args, **kwargs):
                if hurry(self._pools.get(notebook_name, [])):
                    self.log.info("A visitor took the refill of %s: started now", notebook_name)
                return await super().get_rendered_notebook(notebook_name, *args, **kwargs)

        return HurriedPool

    return make


def install() -> bool:
    """Hook the pool of the installed Voilà; False (and nothing changed) when its internals
    are not the ones this module knows."""
    import voila.app
    import voila.voila_kernel_manager as manager

    if not callable(getattr(manager, "wait_before", None)) or not callable(
        getattr(voila.app, "voila_kernel_manager_factory", None)
    ):
        return False
    manager.wait_before = wait_before
    voila.app.voila_kernel_manager_factory = hurried_factory(voila.app.voila_kernel_manager_factory)
    return True


def main() -> None:
    if not install():
        print(
            "warning: this Voilà's kernel pool is not the one toolkit.kernel_pool knows; "
            "a visitor who finds only refills waits for the refill delay",
            file=sys.stderr,
        )
    from voila.app import main as voila_main

    sys.argv[0] = "voila"
    voila_main()


if __name__ == "__main__":
    main()

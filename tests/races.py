"""Running the same action in racing threads, for rules that must hold under
concurrency (PostgreSQL row locks)."""

import threading
from collections.abc import Callable

from django.db import connections


def race(actions: list[Callable[[], str]], *, refused: type[Exception]) -> list[str]:
    """Start every action at the same moment, each in its own thread and database
    connection; the sorted outcomes: what each returned, or the code of the `refused` error."""
    start = threading.Barrier(len(actions))
    outcomes = []

    def run(action: Callable[[], str]) -> None:
        try:
            start.wait()
            outcomes.append(action())
        except refused as error:
            outcomes.append(error.code)  # type: ignore[attr-defined]
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(action,)) for action in actions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(outcomes)

"""Many solver jobs side by side, their model runs gathered into one batch-engine call per round.

A fit, a profile or a multi-start is a sequential algorithm (scipy's ``least_squares``, ``brentq``)
that asks for model runs one small batch at a time. Run alone, each ask would be a batch-engine call
of a few runs; the call's fixed cost would dominate. Here each job runs in its own thread; whenever
every unfinished job is waiting for runs, their requests are joined into one call, and each job gets
its own rows back. The numbers are those each job would get alone (the engine's runs are independent).
"""

from __future__ import annotations

import threading
from typing import Any, Callable, Generic, Sequence, TypeVar

T = TypeVar("T")
R = TypeVar("R")
#: What a job calls to get model runs: ``ask(request) -> answer``.
Ask = Callable[[Any], Any]


class _Job(Generic[T]):
    def __init__(self, function: Callable[[Ask], T]) -> None:
        self.function = function
        self.request: Any = None
        self.answer: Any = None
        self.ready = threading.Event()
        self.result: T | None = None
        self.error: BaseException | None = None


def run_lockstep(jobs: Sequence[Callable[[Ask], T]], evaluate: Callable[[list[R]], list[Any]]) -> list[T]:
    """Run every ``job(ask)``; each round, ``evaluate(requests)`` answers all waiting requests at once.

    ``evaluate`` gets the requests of every job waiting, in job order, and returns one answer each.
    A job's exception is raised here once every job has finished (the first one, in job order); an
    exception of ``evaluate`` is raised in every job that was waiting for it.
    """
    states = [_Job(job) for job in jobs]
    if not states:
        return []
    changed = threading.Condition()
    waiting: set[int] = set()
    finished: set[int] = set()

    def ask_for(index: int) -> Ask:
        state = states[index]

        def ask(request: Any) -> Any:
            state.ready.clear()
            state.request = request
            with changed:
                waiting.add(index)
                changed.notify()
            state.ready.wait()
            if isinstance(state.answer, _Failure):
                raise state.answer.error
            return state.answer

        return ask

    def work(index: int) -> None:
        state = states[index]
        try:
            state.result = state.function(ask_for(index))
        except BaseException as error:  # noqa: BLE001 - handed to the caller below
            state.error = error
        finally:
            with changed:
                finished.add(index)
                changed.notify()

    threads = [threading.Thread(target=work, args=(i,), daemon=True, name=f"lockstep-{i}") for i in range(len(states))]
    for thread in threads:
        thread.start()
    while True:
        with changed:
            changed.wait_for(lambda: len(waiting) + len(finished) == len(states))
            if len(finished) == len(states):
                break
            batch = sorted(waiting)
            waiting.clear()
        try:
            answers = evaluate([states[i].request for i in batch])
        except BaseException as error:  # noqa: BLE001 - every waiting job raises it
            answers = [_Failure(error)] * len(batch)
        for index, answer in zip(batch, answers):
            states[index].answer = answer
            states[index].ready.set()
    for thread in threads:
        thread.join()
    for state in states:
        if state.error is not None:
            raise state.error
    return [state.result for state in states]  # type: ignore[misc]


class _Failure:
    def __init__(self, error: BaseException) -> None:
        self.error = error

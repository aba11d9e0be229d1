"""The bad-input battery: a table of calls that must fail clearly, and how each one is judged.

Each :class:`Case` is one call with a bad (or suspicious) input and what a user should meet:
an exception of the expected type whose message names the argument (or, for a file, the
file), or, for the few inputs that are legal but suspicious, a warning that says so.

An outcome falls into one of four categories:

``clear``
    The expected exception type (or warning) was raised, and its message contains every
    expected fragment (the argument's name, or the file's name and what it should hold) and
    none of the case's misleading ones.
``unclear``
    An exception of the expected type was raised by this library, but its message does not
    name the argument or the file (or explains it wrongly).
``foreign``
    Another exception type was raised (``IndexError``, ``ZeroDivisionError``, a reader's
    ``EOFError``, ...), or an error of the expected type was raised inside another library
    (NumPy, SciPy, xarray, pickle) in its own words: the user sees someone else's traceback.
``silent``
    Nothing was raised: the call returned a result (or only NumPy runtime warnings), so a bad
    input went through as if it were good.

``classify`` returns the category; the tests assert ``"clear"``. Run
``python tests/bad_inputs/_battery.py`` to print the counts of every category.
"""

from __future__ import annotations

import traceback
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest


@dataclass(frozen=True)
class Case:
    """One bad input: ``call()`` must raise ``raises`` (or warn ``warns``) naming ``names``."""

    id: str
    call: Callable[[], Any]
    names: Sequence[str]
    raises: tuple[type[BaseException], ...] = (ValueError, TypeError)
    warns: type[Warning] | None = None
    #: fragments the message must NOT contain (a misleading explanation)
    forbidden: Sequence[str] = ()
    #: why the case is expected to fail today (its fix belongs to another module)
    xfail: str | None = None
    marks: tuple[Any, ...] = field(default=())


def _raised_in_library(error: BaseException) -> bool:
    frames = traceback.extract_tb(error.__traceback__)
    return bool(frames) and "v1pushpull" in frames[-1].filename


def _names_all(message: str, names: Sequence[str], forbidden: Sequence[str] = ()) -> bool:
    lowered = message.lower()
    return all(str(name).lower() in lowered for name in names) and not any(
        str(word).lower() in lowered for word in forbidden
    )


def classify(case: Case) -> tuple[str, str]:
    """Run ``case`` and return its category and a one-line description of what happened."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            case.call()
        except BaseException as error:  # every outcome is judged
            if isinstance(error, (KeyboardInterrupt, SystemExit)):
                raise
            text = f"{type(error).__name__}: {error}"
            if case.warns is None and isinstance(error, case.raises):
                if _names_all(str(error), case.names, case.forbidden):
                    return "clear", text
                return ("unclear" if _raised_in_library(error) else "foreign"), text
            if isinstance(error, (ValueError, TypeError)) and _raised_in_library(error):
                return (
                    "clear" if _names_all(str(error), case.names, case.forbidden) else "unclear"
                ), text
            return "foreign", text
    if case.warns is not None:
        relevant = [w for w in caught if issubclass(w.category, case.warns)]
        if any(_names_all(str(w.message), case.names) for w in relevant):
            return "clear", f"{case.warns.__name__}: {relevant[0].message}"
        if relevant:
            return "unclear", f"{case.warns.__name__}: {relevant[0].message}"
    shown = "; ".join(f"{w.category.__name__}: {w.message}" for w in caught[:2])
    return "silent", "returned" + (f" with {shown}" if shown else "")


def params(cases: Sequence[Case]) -> list[Any]:
    """The cases as pytest parameters, with the strict xfail of those that belong elsewhere."""
    return [
        pytest.param(
            case,
            id=case.id,
            marks=[*case.marks]
            + ([pytest.mark.xfail(strict=True, reason=case.xfail)] if case.xfail else []),
        )
        for case in cases
    ]


def assert_clear(case: Case) -> None:
    category, happened = classify(case)
    assert category == "clear", f"{case.id}: {category} — {happened}"


if __name__ == "__main__":  # pragma: no cover - the counting report
    import collections
    import importlib
    import pathlib
    import sys

    here = pathlib.Path(__file__).parent
    sys.path.insert(0, str(here))
    totals: collections.Counter[str] = collections.Counter()
    for path in sorted(here.glob("test_bad_*.py")):
        module = importlib.import_module(path.stem)
        counts: collections.Counter[str] = collections.Counter()
        for case in module.CASES:
            category, happened = classify(case)
            counts[category] += 1
            if category != "clear" and "-v" in sys.argv:
                print(f"  {path.stem}::{case.id}: {category}: {happened[:150]}")
        totals.update(counts)
        print(f"{path.stem:28s} {len(module.CASES):4d} cases  {dict(counts)}")
    print(f"{'total':28s} {sum(totals.values()):4d} cases  {dict(totals)}")

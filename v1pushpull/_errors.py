"""One error type for a bad argument, carrying the argument's name as data.

Library functions raise :class:`ArgumentError` (a :class:`ValueError`) when one of their
arguments is not valid. Its message reads with the Python names (``batch_size=0 is not valid;
expected >= 1``); :meth:`ArgumentError.render` spells the same message with other names, which
is how the ``v1pushpull`` command shows its own flags (``--batch-size 0 is not valid; ...``)
from one table instead of rewriting messages by substring.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

__all__ = ["ArgumentError"]


class ArgumentError(ValueError):
    """A :class:`ValueError` about one argument, with its name and value as attributes.

    Parameters
    ----------
    argument : str
        Name of the offending parameter in the Python API (e.g. ``"batch_size"``).
    value
        Its value.
    problem : str
        What is wrong, after the ``name=value`` subject, e.g. ``"is not valid; expected >= 1"``.
        It may name other parameters as ``{name}`` fields, spelled by ``mentions``; with an
        ``{argument}`` field it is the whole message (no subject is put in front) and that
        field is the argument's name.
    whole : bool
        ``problem`` is the whole message (no ``name=value`` subject is put in front).
    **mentions : str
        The Python spelling of each ``{name}`` field of ``problem`` (``resume="resume=False"``);
        only these fields (and ``{argument}``) are replaced.

    Attributes
    ----------
    argument, value, problem, mentions
        As given.

    Examples
    --------
    >>> error = ArgumentError("batch_size", 0, "is not valid; expected >= 1")
    >>> str(error)
    'batch_size=0 is not valid; expected >= 1'
    >>> error.render({"batch_size": "--batch-size"})
    '--batch-size 0 is not valid; expected >= 1'
    """

    def __init__(
        self, argument: str, value: Any, problem: str, *, whole: bool = False, **mentions: str
    ) -> None:
        self.argument = argument
        self.whole = whole or "{argument}" in problem
        self.value = value
        self.problem = problem
        self.mentions = mentions
        super().__init__(self.render())

    def render(self, spellings: Mapping[str, str] | None = None) -> str:
        """The message with the names in ``spellings`` (argument → spelling) replaced.

        Parameters
        ----------
        spellings : mapping or None
            For instance the command-line flag of each argument. The subject is written
            ``name=value`` without a spelling and ``spelling value`` with one.

        Returns
        -------
        str
        """
        spellings = spellings or {}
        spelled = spellings.get(self.argument)
        names = {field: spellings.get(field, api) for field, api in self.mentions.items()}
        names["argument"] = spelled or self.argument
        # only the declared fields are replaced: data in the text may hold braces
        text = _FIELD.sub(lambda m: names.get(m.group(1), m.group(0)), self.problem)
        if self.whole:
            return text
        subject = (
            f"{self.argument}={self.value!r}" if spelled is None else f"{spelled} {self.value!r}"
        )
        return f"{subject} {text}"


_FIELD = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")

"""The kinds of value a scenario or study field takes, checked as strictly as TOML types them.

TOML has real booleans, numbers and text, so a number field refuses ``true`` and ``"3"``, a yes/no
field refuses ``"yes"`` and ``1``, and a whole-number field refuses ``true``; a number field still
takes a whole number (``120`` for ``120.0``). The messages use the Python API's words
("expected a number, got bool"), so a file and :func:`sim.simulate` refuse the same value alike.
"""

from __future__ import annotations

import numbers
from typing import Annotated, Any

from pydantic import BeforeValidator, Field
from pydantic_core import PydanticCustomError

from sim.limits import is_bool, is_number

#: The error type of every refusal here; its message is written for the user as it stands.
REFUSED = "scenario_value"


def kind_of(value: Any) -> str:
    """How a TOML value is named in a message."""
    if is_bool(value):
        return "bool"
    names = {str: "text", dict: "a table", list: "a list", tuple: "a list", numbers.Real: "a number"}
    return next((name for cls, name in names.items() if isinstance(value, cls)), type(value).__name__)


def refuse(message: str, **context: Any) -> PydanticCustomError:
    """A refusal with ``message`` as the user reads it (``context["key"]``: the table key it is about)."""
    return PydanticCustomError(REFUSED, message.replace("{", "{{").replace("}", "}}"), context or None)


def _number(value: Any) -> Any:
    if not is_number(value):
        raise refuse(f"expected a number, got {kind_of(value)}")
    return float(value)


def _whole(value: Any) -> Any:
    if not is_number(value):
        raise refuse(f"expected a whole number, got {kind_of(value)}")
    if isinstance(value, numbers.Integral) or float(value).is_integer():
        return int(value)
    raise refuse(f"expected a whole number, got {float(value):g}")


def _flag(value: Any) -> Any:
    if not is_bool(value):
        raise refuse(f"expected true or false, got {kind_of(value)}")
    return bool(value)


def pair(what: str):
    """A validator for two values written ``[a, b]`` (``what`` names them, e.g. ``[month, value]``)."""

    def check(value: Any) -> Any:
        if not isinstance(value, (list, tuple)):
            raise refuse(f"expected two numbers {what}, got {kind_of(value)}")
        if len(value) != 2:
            raise refuse(f"expected two numbers {what}, got {len(value)}")
        return value

    return BeforeValidator(check)


#: A finite number (an int is taken too); never a bool or text.
Number = Annotated[float, BeforeValidator(_number), Field(allow_inf_nan=False)]
#: A whole number; never a bool, text or a fraction.
Whole = Annotated[int, BeforeValidator(_whole)]
#: ``true`` or ``false``; never text or a number.
Flag = Annotated[bool, BeforeValidator(_flag)]
#: Two numbers ``[first, last]`` (a window, a range).
Span = Annotated[tuple[Number, Number], pair("[first, last]")]

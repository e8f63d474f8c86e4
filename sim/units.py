"""Dimensional analysis of a Vensim model file (behaviour B20 units), with pint doing the algebra.

Why: an equation whose units do not add up is wrong whatever its numbers say, and neither engine
nor behaviour test notices. The checker walks PySD's abstract syntax of each equation, as
``sim.engine.batch`` does, with Vensim's and Stella's rules: ``+ - MIN MAX`` and comparisons need
equal units, ``* /`` (and ZIDZ/XIDZ) combine them; ``^`` needs a Dmnl exponent, and a literal
integer one on a base with units; EXP, LN... need Dmnl; IF THEN ELSE branches agree. INTEG: flow x
Month = the stock's units, as are its initial value's. SMOOTH/DELAY: time in Month, output and
initial value in the input's units. A lookup (standalone or WITH LOOKUP) takes a Dmnl argument, as
Vensim wants, and gives its declared units. Each equation gives its variable's declared units;
Time and the control settings are Month. Bare numbers adopt the units of what they are added to or
compared with and are Dmnl in ``* /`` (Stella), so ``MAX(0, X - Y)`` and ``1 - x`` pass.

Declared units are read by pint after two textual changes to the *units strings* only: ``$`` ->
``USD`` (so ``k$`` is kilo-USD) and ``Dmnl`` -> dimensionless; empty units are read as Dmnl.
"""

from __future__ import annotations

import functools
import math
import numbers
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Union

import pint

from sim.model import CONTROL_NAMES, Model, ModelError, Variable, get_model

#: A bare number: adopts the units of what it is added to, Dmnl in ``* /``.
NUMBER = "number"
#: Units not known (a problem was already reported there): checks that involve them are skipped,
#: so one mistake is reported once rather than in every equation downstream.
UNKNOWN = None
Units = Union[pint.Unit, str, None]

SUMS = {"+": "'+' adds {} and {}", "-": "'-' subtracts {1} from {0}"}
#: Functions whose arguments must be Dmnl and whose result is Dmnl.
DIMENSIONLESS_FUNCTIONS = ("exp", "ln", "log", "sin", "cos", "tan", "arcsin", "arccos", "arctan")
#: Functions of time: the positions of their arguments that are times (Month).
TIME_FUNCTIONS = {"step": (1,), "pulse": (0, 1), "ramp": (1, 2), "Xramp": (1,)}


def _known(*values: Units) -> bool:
    """True when every value is a pint unit (identity checks: pint compares strings as units)."""
    return all(value is not UNKNOWN and value is not NUMBER for value in values)


@dataclass(frozen=True)
class UnitProblem:
    """One inconsistency: the variable (as named in the model file) and what does not add up."""

    variable: str
    message: str
    file: str = ""

    def __str__(self) -> str:
        return f"{self.file}: {self.variable}: {self.message}"


def _vensim_spelling(text: str) -> str:
    """pint preprocessor: Vensim's ``$`` and ``Dmnl`` in the names pint knows."""
    return text.replace("Dmnl", "dimensionless").replace("dmnl", "dimensionless").replace("$", "USD")


@functools.lru_cache(maxsize=1)
def registry() -> pint.UnitRegistry:
    """pint's registry with currency and Vensim's capitalised time units (Month, Months, ...)."""
    ureg = pint.UnitRegistry(preprocessors=[_vensim_spelling])
    ureg.define("USD = [currency]")  # prefixes make k$ (kUSD) = 1000 $ and M$ = 1e6 $
    for name in ("Month", "Year", "Week", "Day", "Hour"):
        ureg.define(f"{name} = {name.lower()} = _ = {name}s")
    return ureg


def parse(text: str) -> pint.Unit:
    """Declared units as a pint unit; empty is Dmnl. Raises ``ValueError`` when unreadable."""
    try:
        return registry().parse_units(text.strip() or "Dmnl")
    except Exception as error:  # pint raises several kinds (undefined, syntax, scaling factor)
        raise ValueError(str(error) or type(error).__name__) from error


def show(unit: pint.Unit) -> str:
    """Units as a modeller writes them: ``k$/Month``, ``1/Month**2``, ``Dmnl``."""
    text = f"{unit:~C}"
    return text.replace("USD", "$") if text else "Dmnl"


def same(a: pint.Unit, b: pint.Unit) -> bool:
    """Equal dimensions and scale (k$ is not $: mixing them is off by a factor of 1000)."""
    if a.dimensionality != b.dimensionality:
        return False
    return math.isclose(registry().Quantity(1.0, a).to(b).magnitude, 1.0)


def load(path: Path | str | None = None) -> Model:
    """The model at ``path`` (default: the shipped one); ``ModelError`` when missing or not a model."""
    if path is None:
        return get_model()
    path = Path(path)
    if not path.is_file():
        raise ModelError(f"{path}: " + ("a folder, not a model file" if path.is_dir() else "no such model file"))
    try:
        model = Model(path)
    except Exception as error:  # PySD's parser raises many kinds; all mean "not a model"
        detail = (str(error).strip().splitlines() or [""])[0][:160]
        raise ModelError(f"{path}: not a Vensim model file ({type(error).__name__}: {detail})") from error
    if not model.variables:
        raise ModelError(f"{path}: not a Vensim model file (no variables)")
    return model


def equation_count(model: Model) -> int:
    """Equations checked: every variable but the lookup tables."""
    return sum(v.kind != "lookup" for v in model.variables.values())


def check_units(path: Path | None = None) -> list[UnitProblem]:
    """Every unit problem of the model at ``path`` (default: the shipped model), in file order."""
    return check_model(load(path))


def check_model(model: Model) -> list[UnitProblem]:
    """Every unit problem of an already loaded model, each reported once."""
    return _Checker(model).run()


class _Checker:
    """Walks each equation's abstract syntax to its units, reporting what does not add up."""

    def __init__(self, model: Model) -> None:
        self.model, self.file = model, str(model.path)
        ureg = registry()
        self.month, self.dmnl = ureg.Month, ureg.dimensionless
        self.problems: list[UnitProblem] = []
        self.owner: Variable | None = None
        self.declared: dict[str, Units] = {}
        for variable in model.variables.values():
            self.owner = variable
            try:
                self.declared[variable.py_name] = parse(variable.units)
            except ValueError as error:
                self.declared[variable.py_name] = UNKNOWN
                self.problem(f"declares units '{variable.units}', which cannot be read: {error}")

    def run(self) -> list[UnitProblem]:
        for variable in self.model.variables.values():
            self.owner = variable
            declared = self.declared[variable.py_name]
            if variable.kind == "control":
                self.need(declared, self.month, "simulation control is in {wanted} but the variable declares {got}")
            elif variable.kind != "lookup":
                self.need(self.units(variable.ast), declared, "equation gives {got} but the variable declares {wanted}")
        return list(dict.fromkeys(self.problems))

    # -- rules --------------------------------------------------------------------------------

    def problem(self, message: str) -> None:
        self.problems.append(UnitProblem(self.owner.name if self.owner else "", message, self.file))

    def need(self, got: Units, wanted: Units, message: str) -> None:
        """``got`` must be ``wanted`` (a number fits anything; unknown units are not judged)."""
        if _known(got, wanted) and not same(got, wanted):
            self.problem(message.format(got=show(got), wanted=show(wanted)))

    def agree(self, message: str, a: Units, b: Units) -> Units:
        """Units of two operands that must match; a number adopts the other's."""
        if a is UNKNOWN or b is UNKNOWN:
            return UNKNOWN
        if a is NUMBER or b is NUMBER:
            return b if a is NUMBER else a
        if same(a, b):
            return a
        self.problem(message.format(show(a), show(b)))
        return UNKNOWN

    def combine(self, a: Units, b: Units, divide: bool) -> Units:
        """``a * b`` or ``a / b``; numbers are Dmnl here."""
        if a is UNKNOWN or b is UNKNOWN:
            return UNKNOWN
        if a is NUMBER and b is NUMBER:
            return NUMBER
        a, b = (self.dmnl if x is NUMBER else x for x in (a, b))
        return a / b if divide else a * b

    def power(self, what: str, base: Units, exponent: Units, exponent_ast: Any) -> Units:
        self.need(exponent, self.dmnl, what + " exponent is {got} but must be Dmnl")
        if not _known(base) or base.dimensionless:
            return base
        if isinstance(exponent_ast, numbers.Real) and float(exponent_ast).is_integer():
            return base ** int(exponent_ast)
        self.problem(f"{what} raises {show(base)} to a power that is not a constant integer")
        return UNKNOWN

    def lookup(self, what: str, argument: Units, output: Units) -> Units:
        self.dimensionless(what, argument)
        return output

    def dimensionless(self, what: str, argument: Units) -> None:
        self.need(argument, self.dmnl, what + " needs a Dmnl argument but gets {got}")

    def time_argument(self, what: str, value: Units) -> None:
        self.need(value, self.month, what + " is {got} but must be Month")

    # -- abstract syntax, one method per PySD structure (as sim.engine.batch._Compiler) --------

    def units(self, ast: Any) -> Units:
        if isinstance(ast, numbers.Number):
            return NUMBER
        method = getattr(self, f"_{type(ast).__name__}", None)
        if method is None:
            self.problem(f"{type(ast).__name__.replace('Structure', '').upper()} is not unit-checked")
            return UNKNOWN
        return method(ast)

    def _ReferenceStructure(self, ast) -> Units:
        if ast.reference == "time" or ast.reference in CONTROL_NAMES:
            return self.month
        return self.declared.get(ast.reference, UNKNOWN)

    def _ArithmeticStructure(self, ast) -> Units:
        values = [self.units(argument) for argument in ast.arguments]
        if len(values) == 1:  # unary minus
            return values[0]
        if ast.operators[0] == "^":  # right-associative, as Python's ** that PySD writes
            result, exponent_ast = values[-1], ast.arguments[-1]
            for base in values[-2::-1]:  # only the last exponent can be a literal
                result, exponent_ast = self.power("'^'", base, result, exponent_ast), None
            return result
        result = values[0]
        for operator, value in zip(ast.operators, values[1:]):
            if operator in ("*", "/"):
                result = self.combine(result, value, operator == "/")
            else:
                result = self.agree(SUMS[operator], result, value)
        return result

    def _LogicStructure(self, ast) -> Units:
        values = [self.units(argument) for argument in ast.arguments]
        for operator, (a, b) in zip(ast.operators, zip(values, values[1:])):
            if operator not in (":AND:", ":OR:"):
                self.agree(f"'{operator}' compares {{}} and {{}}", a, b)
        return self.dmnl

    def _CallStructure(self, ast) -> Units:
        name = ast.function.reference
        values = [self.units(argument) for argument in ast.arguments]
        variable = self.model.variables.get(name)
        what = name.replace("_", " ").upper()
        try:
            if variable is not None and variable.kind == "lookup":
                return self.lookup(f"lookup {variable.name}", values[0], self.declared[name])
            return self._call(name, what, values, ast.arguments)
        except IndexError:
            self.problem(f"{what} is called with {len(values)} arguments")
            return UNKNOWN

    def _call(self, name: str, what: str, values: list[Units], asts: tuple) -> Units:
        if name in ("min", "max", "modulo"):
            result = values[0]
            for value in values[1:]:
                result = self.agree(what + " compares {} and {}", result, value)
            return result
        if name in ("abs", "integer"):
            return values[0]
        if name in DIMENSIONLESS_FUNCTIONS:
            for value in values:
                self.dimensionless(what, value)
            return self.dmnl
        if name == "sqrt":
            return values[0] ** 0.5 if _known(values[0]) else values[0]
        if name == "power":
            return self.power(what, values[0], values[1], asts[1])
        if name in ("zidz", "xidz"):
            ratio = self.combine(values[0], values[1], divide=True)
            return self.agree("XIDZ gives {} but its fallback is {}", ratio, values[2]) if name == "xidz" else ratio
        if name == "if_then_else":
            return self.agree("IF THEN ELSE branches give {} and {}", values[1], values[2])
        if name in TIME_FUNCTIONS:
            for position, value in enumerate(values):
                if position in TIME_FUNCTIONS[name]:
                    self.time_argument(f"{what} argument {position + 1}", value)
            if name == "pulse":
                return self.dmnl
            return values[0] if name == "step" else self.combine(values[0], self.month, divide=False)
        self.problem(f"the function {what} is not unit-checked")
        return UNKNOWN

    def _InlineLookupsStructure(self, ast) -> Units:
        return self.lookup("WITH LOOKUP", self.units(ast.argument), self.declared[self.owner.py_name])

    def _IntegStructure(self, ast) -> Units:
        stock = self.declared[self.owner.py_name]
        flow = self.units(ast.flow)
        if _known(stock, flow) and not same(flow * self.month, stock):
            self.problem(f"INTEG flow gives {show(flow)} but the stock declares {show(stock)}, "
                         f"so its flows must be {show(stock / self.month)}")
        self.need(self.units(ast.initial), stock, "INTEG initial value gives {got} but the stock declares {wanted}")
        return stock

    def _stateful(self, what: str, ast, time_ast: Any) -> Units:
        order = getattr(ast, "order", None)  # a number (SMOOTH3, DELAY1), an expression (N), none (FIXED)
        if isinstance(order, numbers.Number):
            what += f"{order:g}" if what == "DELAY" or order != 1 else ""
        elif order is not None:
            self.need(self.units(order), self.dmnl, what + " N order is {got} but must be Dmnl")
        value = self.units(ast.input)
        self.time_argument(f"{what} time", self.units(time_ast))
        return self.agree(what + " input gives {} but its initial value gives {}", value, self.units(ast.initial))

    def _SmoothStructure(self, ast) -> Units:
        return self._stateful("SMOOTH", ast, ast.smooth_time)

    def _DelayStructure(self, ast) -> Units:
        return self._stateful("DELAY", ast, ast.delay_time)

    _SmoothNStructure = _SmoothStructure
    _DelayNStructure = _DelayFixedStructure = _DelayStructure

    def _InitialStructure(self, ast) -> Units:
        return self.units(ast.initial)

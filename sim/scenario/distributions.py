"""The distributions a scenario file draws uncertain values from (``[uncertainty.params]``, and studies)."""

from __future__ import annotations

from typing import Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Field

from sim.scenario.values import Number


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Uniform(_Strict):
    dist: Literal["uniform"]
    low: Number
    high: Number


class Triangular(_Strict):
    dist: Literal["triangular"]
    low: Number
    mode: Number
    high: Number


class Normal(_Strict):
    """Truncated to ``low``/``high`` when given, and always to the input's documented range."""

    dist: Literal["normal"]
    mean: Number
    sd: Number = Field(gt=0)
    low: Number | None = None
    high: Number | None = None


class Lognormal(_Strict):
    """``median`` and ``sigma`` (standard deviation of the logarithm); truncated like normal."""

    dist: Literal["lognormal"]
    median: Number = Field(gt=0)
    sigma: Number = Field(gt=0)
    low: Number | None = None
    high: Number | None = None


Distribution = Annotated[Union[Uniform, Triangular, Normal, Lognormal], Field(discriminator="dist")]

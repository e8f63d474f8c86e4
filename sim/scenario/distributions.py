"""The distributions a scenario file draws uncertain values from (``[uncertainty.params]``, and studies)."""

from __future__ import annotations

from typing import Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Field

Finite = Annotated[float, Field(allow_inf_nan=False)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Uniform(_Strict):
    dist: Literal["uniform"]
    low: Finite
    high: Finite


class Triangular(_Strict):
    dist: Literal["triangular"]
    low: Finite
    mode: Finite
    high: Finite


class Normal(_Strict):
    """Truncated to ``low``/``high`` when given, and always to the input's documented range."""

    dist: Literal["normal"]
    mean: Finite
    sd: Finite = Field(gt=0)
    low: Finite | None = None
    high: Finite | None = None


class Lognormal(_Strict):
    """``median`` and ``sigma`` (standard deviation of the logarithm); truncated like normal."""

    dist: Literal["lognormal"]
    median: Finite = Field(gt=0)
    sigma: Finite = Field(gt=0)
    low: Finite | None = None
    high: Finite | None = None


Distribution = Annotated[Union[Uniform, Triangular, Normal, Lognormal], Field(discriminator="dist")]

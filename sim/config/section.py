"""The base of every scenario section: strict numbers, no unknown keys, and the error type.

Every section of a scenario file (sim.config.scenario and the schema modules beside it)
derives from :class:`_Section`; a bad value becomes one :class:`ScenarioError`.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from sim.config.strict import check_no_coercion

Share = Annotated[float, Field(ge=0.0, le=1.0)]
Positive = Annotated[float, Field(gt=0.0)]
NonNegative = Annotated[float, Field(ge=0.0)]


class ScenarioError(ValueError):
    """A scenario (or override) is invalid. The message names field, value and what is allowed."""


class _Section(BaseModel):
    # NaN and ±inf are refused; booleans and quoted numbers are never taken as numbers
    model_config = ConfigDict(extra="forbid", validate_assignment=True, allow_inf_nan=False)

    @field_validator("*", mode="before")
    @classmethod
    def _strict_numbers(cls, value: Any, info: Any) -> Any:
        return check_no_coercion(value, cls.model_fields[info.field_name].annotation)

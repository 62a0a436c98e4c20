"""Input models -> field-named errors. Table models are not validated on construction, so services parse
their input through a plain pydantic model first and report every bad field by its label."""

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from domain.errors import ValidationFailed

M = TypeVar("M", bound=BaseModel)


def validation_errors(exc: ValidationError, labels: dict[str, str]) -> ValidationFailed:
    """Pydantic's errors as {field label: message}, first error per field."""
    errors: dict[str, str] = {}
    for error in exc.errors():
        name = str(error["loc"][0]) if error["loc"] else "input"
        message = error["msg"].removeprefix("Value error, ")
        errors.setdefault(labels.get(name, name.replace("_", " ").capitalize()), message)
    return ValidationFailed(errors)


def parse(model: type[M], fields: dict[str, Any], labels: dict[str, str]) -> M:
    """Validate `fields` with `model`, raising ValidationFailed that names each bad field by its label."""
    try:
        return model.model_validate(fields)
    except ValidationError as exc:
        raise validation_errors(exc, labels) from None

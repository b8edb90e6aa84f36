from __future__ import annotations

from django.core.exceptions import ValidationError


def validation_detail(exc: ValidationError) -> list[dict[str, object]]:
    """A Django ValidationError as the API's error list: one entry per field and message."""
    if hasattr(exc, "error_dict"):
        return [
            {"loc": ["body", field], "msg": message, "type": "value_error"}
            for field, errors in exc.message_dict.items()
            for message in errors
        ]
    return [{"loc": ["body"], "msg": message, "type": "value_error"} for message in exc.messages]

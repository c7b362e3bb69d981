"""SCIM errors (RFC 7644 §3.12): one exception, rendered as the Error message with the
right HTTP status and ``scimType``. Services and views raise :class:`ScimError`; the view
layer turns it (and only it) into the response, so a refused request changes nothing
(every write runs in one transaction that the error rolls back)."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpResponse

ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error"
CONTENT_TYPE = "application/scim+json"


class ScimError(Exception):
    def __init__(
        self, status: int, detail: str, scim_type: str | None = None, retry_after: int = 0
    ) -> None:
        super().__init__(detail)
        self.retry_after = retry_after
        self.status = status
        self.detail = str(detail)
        self.scim_type = scim_type

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "schemas": [ERROR_SCHEMA],
            "status": str(self.status),
            "detail": self.detail,
        }
        if self.scim_type:
            body["scimType"] = self.scim_type
        return body

    def response(self) -> HttpResponse:
        response = HttpResponse(
            json.dumps(self.body()), status=self.status, content_type=CONTENT_TYPE
        )
        if self.status == 401:
            response["WWW-Authenticate"] = 'Bearer realm="scim"'
        if self.retry_after:
            response["Retry-After"] = str(self.retry_after)
        return response


def invalid_value(detail: str) -> ScimError:
    return ScimError(400, detail, "invalidValue")


def invalid_syntax(detail: str) -> ScimError:
    return ScimError(400, detail, "invalidSyntax")


def invalid_filter(detail: str) -> ScimError:
    return ScimError(400, detail, "invalidFilter")


def uniqueness(detail: str) -> ScimError:
    return ScimError(409, detail, "uniqueness")


def not_found(detail: str) -> ScimError:
    return ScimError(404, detail)

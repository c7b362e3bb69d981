"""Statements shaped as H5P core builds them (h5p-x-api-event.js as bundled by
h5p-standalone), observed in Chromium with the official content types of the corpus:
``actor`` from the page's user, ``verb`` from ADL's list (``consume`` from Activity Streams
for Accordion), ``object`` with the activity IRI and the ``h5p-local-content-id``
extension, ``context.contextActivities.category`` naming the library, and, for
sub-content, an ``h5p-subContentId`` extension, ``?subContentId=`` in the IRI and usually a
``parent``. The texts are this project's own."""

from __future__ import annotations

import uuid
from typing import Any

ADL = "http://adlnet.gov/expapi/verbs/"
ACTIVITY = "http://testserver/courses/detecting/landscape/live-channels/#block"


def h5p_statement(
    verb: str,
    *,
    library: str = "H5P.MultiChoice-1.16",
    content_id: str = "1",
    score: tuple[float, float] | dict[str, Any] | None = None,
    completion: bool | None = None,
    success: bool | None = None,
    sub_content: str | None = None,
    parent: bool | None = None,
    ending_point: int | None = None,
    statement_id: str | None = "new",
    actor: dict[str, Any] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    verb_id = verb if ":" in verb else ADL + verb
    object_id = ACTIVITY + (f"?subContentId={sub_content}" if sub_content else "")
    extensions: dict[str, Any] = {"http://h5p.org/x-api/h5p-local-content-id": content_id}
    if sub_content:
        extensions["http://h5p.org/x-api/h5p-subContentId"] = sub_content
    if ending_point is not None:
        extensions["http://id.tincanapi.com/extension/ending-point"] = ending_point
    statement: dict[str, Any] = {
        "actor": actor
        or {"name": "Forged Person", "mbox": "mailto:forged@example.org", "objectType": "Agent"},
        "verb": {"id": verb_id, "display": {"en-US": verb_id.rsplit("/", 1)[-1]}},
        "object": {
            "id": object_id,
            "objectType": "Activity",
            "definition": {"extensions": extensions, "name": {"en-US": "Live channels"}},
        },
        "context": {
            "contextActivities": {
                "category": [
                    {"id": f"http://h5p.org/libraries/{library}", "objectType": "Activity"}
                ]
            }
        },
    }
    if parent if parent is not None else bool(sub_content):
        statement["context"]["contextActivities"]["parent"] = [
            {"id": ACTIVITY, "objectType": "Activity"}
        ]
    result: dict[str, Any] = {}
    if score is not None:
        if isinstance(score, dict):
            result["score"] = score
        else:
            raw, maximum = score
            result["score"] = {"min": 0, "max": maximum, "raw": raw}
            if maximum > 0:
                result["score"]["scaled"] = round(raw / maximum, 4)
    if completion is not None:
        result["completion"] = completion
    if success is not None:
        result["success"] = success
    if result:
        result["duration"] = "PT3.52S"
        statement["result"] = result
    if statement_id == "new":
        statement["id"] = str(uuid.uuid4())
    elif statement_id is not None:
        statement["id"] = statement_id
    statement.update(extra)
    return statement


def answered(raw: float = 1, maximum: float = 1, **kwargs: Any) -> dict[str, Any]:
    """What a question type sends when checked (setScoredResult: completion true)."""
    return h5p_statement(
        "answered", score=(raw, maximum), completion=True, success=raw == maximum, **kwargs
    )

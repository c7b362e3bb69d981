"""The SCIM 2.0 endpoints (RFC 7644) under /scim/v2/: thin. Each view authenticates the
bearer token (:mod:`.authentication`), parses the request with ``scim2-models``, calls a
selector or a service, and renders the resource; every refusal is a SCIM Error message
(:class:`.errors.ScimError`) with its status and ``scimType``.

Writes check ``If-Match`` against the current ETag under a row lock (412 on a mismatch);
reads answer 304 to a matching ``If-None-Match``. Request bodies must be JSON sent as
``application/scim+json`` or ``application/json`` (else 415).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from pydantic import ValidationError
from scim2_models import (
    Context,
    Group,
    ListResponse,
    PatchOp,
    ResponseParameters,
    SCIMException,
)

from . import errors, resources, selectors, services
from .authentication import authenticate
from .errors import CONTENT_TYPE, ScimError
from .filters import filter_query
from .models import ScimToken
from .resources import MAX_RESULTS, ScimUserResource

JSON_TYPES = ("application/scim+json", "application/json")
MAX_BODY = 1024 * 1024


def _json(data: Any, status: int = 200, etag: str | None = None) -> HttpResponse:
    response = HttpResponse(json.dumps(data), status=status, content_type=CONTENT_TYPE)
    if etag:
        response["ETag"] = etag
    return response


def scim_endpoint(methods: tuple[str, ...]) -> Callable:
    """Wrap a SCIM view: allowed methods, the token, SCIM errors as responses."""

    def decorate(view: Callable) -> Callable:
        @csrf_exempt
        @never_cache
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            try:
                if request.method not in methods:
                    raise ScimError(405, _("This method is not allowed here."))
                token = authenticate(request)
                return view(request, token, *args, **kwargs)
            except ScimError as error:
                return error.response()
            except SCIMException as exc:
                error = exc.to_error()
                return ScimError(
                    error.status or 400, error.detail or str(exc), error.scim_type
                ).response()

        return wrapped

    return decorate


def _base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri(reverse("scim:root")).rstrip("/")


def _body(request: HttpRequest) -> dict[str, Any]:
    content_type = (request.content_type or "").lower()
    if content_type not in JSON_TYPES:
        raise ScimError(
            415, _("Send the request body as application/scim+json (or application/json).")
        )
    if len(request.body) > MAX_BODY:
        raise ScimError(413, _("The request body is too large."))
    try:
        data = json.loads(request.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise errors.invalid_syntax(_("The request body is not valid JSON.")) from exc
    if not isinstance(data, dict):
        raise errors.invalid_syntax(_("The request body must be a JSON object."))
    return data


def _validation_error(exc: ValidationError) -> ScimError:
    first = exc.errors()[0] if exc.errors() else {}
    ctx = first.get("ctx") or {}
    where = ".".join(str(part) for part in first.get("loc", ()))
    message = first.get("msg", "")
    detail = f"{where}: {message}" if where else message
    if ctx.get("scim_type"):
        return ScimError(int(ctx.get("status") or 400), detail, ctx["scim_type"])
    if first.get("type") in ("extra_forbidden", "missing", "model_type", "dict_type", "list_type"):
        return errors.invalid_syntax(detail)
    return errors.invalid_value(detail)


def _parse(model: Any, data: dict[str, Any], context: Context) -> Any:
    try:
        return model.model_validate(data, scim_ctx=context)
    except ValidationError as exc:
        raise _validation_error(exc) from exc


def _response_parameters(request: HttpRequest, model: Any, source: dict | None = None) -> Any:
    source = source if source is not None else request.GET
    attributes = source.get("attributes")
    excluded = source.get("excludedAttributes")
    if not attributes and not excluded:
        return None
    try:
        return ResponseParameters[model].model_validate(
            {"attributes": attributes, "excludedAttributes": excluded}
        )
    except ValidationError as exc:
        raise errors.invalid_value(_validation_error(exc).detail) from exc


def _check_if_match(request: HttpRequest, current: str) -> None:
    wanted = request.headers.get("If-Match")
    if not wanted:
        return
    tags = [tag.strip() for tag in wanted.split(",")]
    if "*" in tags or current in tags:
        return
    raise ScimError(412, _("The resource has changed since you read it (ETag mismatch)."))


def _not_modified(request: HttpRequest, current: str) -> bool:
    wanted = request.headers.get("If-None-Match")
    return bool(wanted) and ("*" in wanted or current in [tag.strip() for tag in wanted.split(",")])


def _int_parameter(source: Any, name: str, default: int) -> int:
    raw = source.get(name)
    if raw in (None, ""):
        return default
    try:
        return int(raw)
    except (TypeError, ValueError) as exc:
        raise errors.invalid_value(_("%(name)s must be an integer.") % {"name": name}) from exc


# --- discovery --------------------------------------------------------------------------


@scim_endpoint(("GET",))
def root(request: HttpRequest, token: ScimToken) -> HttpResponse:
    raise errors.not_found(
        _("Use /ServiceProviderConfig, /ResourceTypes, /Schemas, /Users or /Groups.")
    )


@scim_endpoint(("GET",))
def service_provider_config(request: HttpRequest, token: ScimToken) -> HttpResponse:
    config = resources.service_provider_config(_base_url(request))
    return _json(resources.dump(config))


def _list_of(items: list[Any], context: Context = Context.RESOURCE_QUERY_RESPONSE) -> dict:
    return {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
        "totalResults": len(items),
        "startIndex": 1,
        "itemsPerPage": len(items),
        "Resources": [resources.dump(item, context) for item in items],
    }


@scim_endpoint(("GET",))
def resource_types(request: HttpRequest, token: ScimToken, name: str | None = None) -> HttpResponse:
    items = resources.resource_types(_base_url(request))
    if name is None:
        return _json(_list_of(items))
    for item in items:
        if item.id == name:
            return _json(resources.dump(item))
    raise errors.not_found(_("No such resource type."))


@scim_endpoint(("GET",))
def schemas(request: HttpRequest, token: ScimToken, uri: str | None = None) -> HttpResponse:
    items = resources.schemas(_base_url(request), token.administration)
    if uri is None:
        return _json(_list_of(items))
    for item in items:
        if item.id == uri:
            return _json(resources.dump(item))
    raise errors.not_found(_("No such schema."))


# --- users -----------------------------------------------------------------------------


def _list(request, token, kind: str, source: Any, *, search: bool = False) -> HttpResponse:
    model = ScimUserResource if kind == "user" else Group
    query = filter_query(kind, source.get("filter"))
    start = max(1, _int_parameter(source, "startIndex", 1))
    count = min(MAX_RESULTS, max(0, _int_parameter(source, "count", MAX_RESULTS)))
    params = _response_parameters(request, model, source)
    base = _base_url(request)
    if kind == "user":
        queryset = selectors.scim_user_list(token.administration).filter(query).distinct()
    else:
        queryset = selectors.scim_unit_list(token.administration).filter(query).distinct()
    total = queryset.count()
    rows = list(queryset[start - 1 : start - 1 + count]) if count else []
    if kind == "user":
        items = [resources.user_resource(person, base) for person in rows]
    else:
        items = [resources.group_resource(unit, unit.scim_members, base) for unit in rows]
    listing = ListResponse[model](
        total_results=total, start_index=start, items_per_page=len(items), resources=items
    )
    context = Context.SEARCH_RESPONSE if search else Context.RESOURCE_QUERY_RESPONSE
    return _json(listing.model_dump(scim_ctx=context, response_parameters=params))


def _one(request: HttpRequest, resource: Any, model: Any, status: int = 200) -> HttpResponse:
    params = _response_parameters(request, model)
    context = (
        Context.RESOURCE_CREATION_RESPONSE if status == 201 else Context.RESOURCE_QUERY_RESPONSE
    )
    response = _json(
        resource.model_dump(scim_ctx=context, response_parameters=params),
        status=status,
        etag=resource.meta.version,
    )
    if status == 201:
        response["Location"] = resource.meta.location
    return response


@scim_endpoint(("GET", "POST"))
def users(request: HttpRequest, token: ScimToken) -> HttpResponse:
    if request.method == "GET":
        return _list(request, token, "user", request.GET)
    data = _body(request)
    parsed = _parse(ScimUserResource, data, Context.RESOURCE_CREATION_REQUEST)
    fields = resources.user_fields(parsed, token.administration)
    person = services.scim_user_create(token=token, fields=fields)
    person = selectors.access_scim_user(token.administration, str(person.pk))
    return _one(request, resources.user_resource(person, _base_url(request)), ScimUserResource, 201)


@scim_endpoint(("POST",))
def users_search(request: HttpRequest, token: ScimToken) -> HttpResponse:
    return _list(request, token, "user", _body(request), search=True)


@scim_endpoint(("GET", "PUT", "PATCH", "DELETE"))
def user(request: HttpRequest, token: ScimToken, pk: str) -> HttpResponse:
    base = _base_url(request)
    administration = token.administration
    if request.method == "GET":
        current = resources.user_resource(selectors.access_scim_user(administration, pk), base)
        if _not_modified(request, current.meta.version):
            return HttpResponse(status=304, headers={"ETag": current.meta.version})
        return _one(request, current, ScimUserResource)
    data = _body(request) if request.method in ("PUT", "PATCH") else None
    with transaction.atomic():
        person = selectors.access_scim_user(administration, pk, for_update=True)
        current = resources.user_resource(person, base)
        _check_if_match(request, current.meta.version)
        if request.method == "DELETE":
            services.scim_user_delete(token=token, user=person)
            return HttpResponse(status=204)
        if request.method == "PUT":
            wanted = _parse(ScimUserResource, data, Context.RESOURCE_REPLACEMENT_REQUEST)
            fields = resources.user_fields(wanted, administration, keep_from=person)
        else:
            patch = _parse(PatchOp[ScimUserResource], data, Context.RESOURCE_PATCH_REQUEST)
            wanted = current.model_copy(deep=True)
            patch.patch(wanted)
            fields = resources.user_fields(wanted, administration, patch=True)
        services.scim_user_update(token=token, user=person, fields=fields)
    person = selectors.access_scim_user(administration, pk)
    return _one(request, resources.user_resource(person, base), ScimUserResource)


# --- groups ----------------------------------------------------------------------------


@scim_endpoint(("GET", "POST"))
def groups(request: HttpRequest, token: ScimToken) -> HttpResponse:
    if request.method == "GET":
        return _list(request, token, "group", request.GET)
    parsed = _parse(Group, _body(request), Context.RESOURCE_CREATION_REQUEST)
    unit = services.scim_group_create(token=token, fields=resources.group_fields(parsed))
    unit = selectors.access_scim_unit(token.administration, str(unit.pk))
    resource = resources.group_resource(unit, unit.scim_members, _base_url(request))
    return _one(request, resource, Group, 201)


@scim_endpoint(("POST",))
def groups_search(request: HttpRequest, token: ScimToken) -> HttpResponse:
    return _list(request, token, "group", _body(request), search=True)


@scim_endpoint(("GET", "PUT", "PATCH", "DELETE"))
def group(request: HttpRequest, token: ScimToken, pk: str) -> HttpResponse:
    base = _base_url(request)
    administration = token.administration
    if request.method == "GET":
        unit = selectors.access_scim_unit(administration, pk)
        current = resources.group_resource(unit, unit.scim_members, base)
        if _not_modified(request, current.meta.version):
            return HttpResponse(status=304, headers={"ETag": current.meta.version})
        return _one(request, current, Group)
    data = _body(request) if request.method in ("PUT", "PATCH") else None
    with transaction.atomic():
        unit = selectors.access_scim_unit(administration, pk, for_update=True)
        current = resources.group_resource(unit, unit.scim_members, base)
        _check_if_match(request, current.meta.version)
        if request.method == "DELETE":
            services.scim_group_delete(token=token, unit=unit)
            return HttpResponse(status=204)
        if request.method == "PUT":
            wanted = _parse(Group, data, Context.RESOURCE_REPLACEMENT_REQUEST)
        else:
            patch = _parse(PatchOp[Group], data, Context.RESOURCE_PATCH_REQUEST)
            wanted = current.model_copy(deep=True)
            patch.patch(wanted)
        services.scim_group_update(token=token, unit=unit, fields=resources.group_fields(wanted))
    unit = selectors.access_scim_unit(administration, pk)
    return _one(request, resources.group_resource(unit, unit.scim_members, base), Group)


@scim_endpoint(("POST",))
def root_search(request: HttpRequest, token: ScimToken) -> HttpResponse:
    raise ScimError(
        501, _("Search one resource type at a time: POST /Users/.search or /Groups/.search.")
    )


@scim_endpoint(("GET", "POST", "PUT", "PATCH", "DELETE"))
def unknown(request: HttpRequest, token: ScimToken, rest: str = "") -> HttpResponse:
    raise errors.not_found(_("No such SCIM endpoint."))

"""Opaque tokens for every id the officer's browser sees during an attempt.

Authored ids carry the key far too often: ordering items ``i1, i2, …`` written in the
correct order, matching premises ``pK`` whose answer is ``rK``, GIFT options ``a, b, c`` in
the order the author wrote them (the right one often first). So the attempt page never
shows them. When an attempt starts, every entry a question shows (the lists its type's
``entries`` names: :data:`assessments.grading.ENTRY_LISTS`, or lists nested in the data
like the options of each cloze gap) gets a random token, stored with the attempt's
option order; the page carries tokens only, and answers come back in tokens and are
turned into ids on the server before they are checked and stored. An answer that names
an authored id instead of a token is refused like any unknown choice, so guessing the
authored ids gains nothing.

Plain Python, no Django. Tokens come from :mod:`secrets`: nothing about them (their
order, their length, their letters) relates to the entry they stand for.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any

from .grading import ENTRY_LISTS, RESPONSE_FIELDS, RESPONSE_ID_SHAPES, ResponseError
from .types import REGISTRY

TOKEN_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"
TOKEN_LENGTH = 10  # 50 bits: unguessable within one question, and short in the page
# 32 letters: the low five bits of a random byte pick one with equal chances, so one read
# of the system's random source serves every token of a question (a read per letter cost
# more than the rest of starting an attempt).
_LETTER = bytes(TOKEN_ALPHABET, "ascii") * (256 // len(TOKEN_ALPHABET))


def _new_tokens(count: int) -> list[str]:
    """``count`` distinct random tokens, from one read of :mod:`secrets`."""
    tokens: list[str] = []
    while len(tokens) < count:
        letters = secrets.token_bytes(TOKEN_LENGTH * (count - len(tokens))).translate(_LETTER)
        for start in range(0, len(letters), TOKEN_LENGTH):
            token = letters[start : start + TOKEN_LENGTH].decode("ascii")
            if token not in tokens:  # 2**-50 per pair: a repeat is redrawn
                tokens.append(token)
    return tokens


def token_names(qtype: str, data: Mapping[str, Any]) -> list[str]:
    """The names (:func:`token_key`) of the entries of a question that get a token: every
    entry id the type shows, per list (a premise and a response both called "a" are two)."""
    names: dict[str, None] = {}
    kind = REGISTRY.get(qtype)
    for key, entries in (kind.entries(data) if kind is not None else {}).items():
        for entry in entries:
            ident = entry.get("id") if isinstance(entry, Mapping) else None
            if isinstance(ident, str) and ident:
                names[token_key(key, ident)] = None
    return list(names)


def tokens_draw(qtype: str, data: Mapping[str, Any]) -> dict[str, str]:
    """A fresh token for every entry id the type shows (``{id: token}``); ids shared by
    two lists (a premise and a response both called "a") get distinct tokens per list."""
    names = token_names(qtype, data)
    return dict(zip(names, _new_tokens(len(names)), strict=True))


def token_key(list_name: str, ident: str) -> str:
    """How :func:`tokens_draw` keys an entry: its list and its id."""
    return f"{list_name}:{ident}"


def _lists_of(qtype: str) -> tuple[str, str]:
    """The entry lists an answer's ids come from: (the ids, the values of pairs)."""
    lists = ENTRY_LISTS.get(qtype, ())
    if not lists:
        return "", ""
    return lists[0], lists[-1]


def _gap_list(qtype: str, gap: Any) -> str:
    """The entry list whose tokens the answer of ``gap`` names (shape ``gaps``)."""
    kind = REGISTRY.get(qtype)
    return kind.gap_list(gap) if kind is not None and isinstance(gap, str) else ""


def _unique(items: list[Any]) -> None:
    """Refuses a repeated token, in the browser's words, before any id is known."""
    seen: set[str] = set()
    for item in items:
        if isinstance(item, str) and item in seen:
            raise ResponseError("duplicate", value=item)
        if isinstance(item, str):
            seen.add(item)


def _ids_by_token(tokens: Mapping[str, str], list_name: str) -> dict[str, str]:
    prefix = token_key(list_name, "")
    return {token: key[len(prefix) :] for key, token in tokens.items() if key.startswith(prefix)}


def _refuse(value: Any) -> ResponseError:
    text = value if isinstance(value, str) else repr(value)
    return ResponseError("unknown_option", value=text if len(text) <= 40 else text[:39] + "…")


def answer_from_browser(qtype: str, answer: Any, tokens: Mapping[str, str]) -> Any:
    """The answer with its tokens turned back into authored ids.

    Strict: a string where an id belongs must be one of this attempt's tokens for that
    list, otherwise :class:`ResponseError` (``unknown_option``) is raised, so an authored
    id sent directly is refused. Anything of the wrong shape is passed on unchanged for
    :func:`assessments.grading.normalize_response` to refuse with its own reason.
    """
    shape = RESPONSE_ID_SHAPES.get(qtype)
    field = RESPONSE_FIELDS.get(qtype)
    if shape is None or field is None or not isinstance(answer, Mapping) or field not in answer:
        return answer
    first, last = _lists_of(qtype)
    ids, values = _ids_by_token(tokens, first), _ids_by_token(tokens, last)

    def one(value: Any, table: Mapping[str, str]) -> Any:
        if not isinstance(value, str) or value == "":
            return value
        if value not in table:
            raise _refuse(value)
        return table[value]

    value = answer[field]
    if shape == "one":
        converted: Any = one(value, ids)
    elif shape == "gaps" and isinstance(value, Mapping):
        # Gap ids are the page's own names (g1, g2: they say nothing of the key); a gap
        # whose list has tokens names its entries by token, any other gap holds text.
        converted = {}
        for gap, item in value.items():
            table = _ids_by_token(tokens, _gap_list(qtype, gap))
            if not table:
                converted[gap] = item
            elif isinstance(item, list):
                _unique(item)
                converted[gap] = [one(entry, table) for entry in item]
            else:
                converted[gap] = one(item, table)
    elif shape == "many" and isinstance(value, list):
        _unique(value)
        converted = [one(item, ids) for item in value]
    elif shape == "pairs" and isinstance(value, Mapping):
        converted = {one(key, ids): one(item, values) for key, item in value.items()}
    elif shape == "keyed" and isinstance(value, Mapping):
        converted = {one(key, ids): item for key, item in value.items()}
    else:
        converted = value
    return {**answer, field: converted}


def answer_for_browser(qtype: str, answer: Any, tokens: Mapping[str, str]) -> Any:
    """A stored (canonical) answer with its ids turned into this attempt's tokens, to fill
    the attempt page again after a reload. Ids without a token are left out."""
    shape = RESPONSE_ID_SHAPES.get(qtype)
    field = RESPONSE_FIELDS.get(qtype)
    if shape is None or field is None or not isinstance(answer, Mapping) or field not in answer:
        return answer
    first, last = _lists_of(qtype)
    value = answer[field]
    if shape == "one":
        converted: Any = tokens.get(token_key(first, value)) if isinstance(value, str) else None
    elif shape == "gaps":
        converted = {}
        for gap, item in (value or {}).items():
            name = _gap_list(qtype, gap)
            if not _ids_by_token(tokens, name):
                converted[gap] = item
            elif isinstance(item, list):
                converted[gap] = [
                    tokens[token_key(name, entry)]
                    for entry in item
                    if isinstance(entry, str) and token_key(name, entry) in tokens
                ]
            elif isinstance(item, str) and token_key(name, item) in tokens:
                converted[gap] = tokens[token_key(name, item)]
    elif shape == "many":
        converted = [
            tokens[token_key(first, item)]
            for item in value or []
            if token_key(first, item) in tokens
        ]
    elif shape == "keyed":
        converted = {
            tokens[token_key(first, key)]: item
            for key, item in (value or {}).items()
            if token_key(first, key) in tokens
        }
    else:
        converted = {
            tokens[token_key(first, key)]: tokens[token_key(last, item)]
            for key, item in (value or {}).items()
            if token_key(first, key) in tokens and token_key(last, item) in tokens
        }
    return {field: converted}


def refusal_in_tokens(error: ResponseError, tokens: Mapping[str, str]) -> ResponseError:
    """``error`` with every authored id among its values replaced by the attempt's token:
    a refusal must never tell the browser an authored id (ordering ids are written in the
    correct order). An id that two lists share, or that has no token, becomes ``…``."""
    by_id: dict[str, set[str]] = {}
    for key, token in tokens.items():
        by_id.setdefault(key.split(":", 1)[1], set()).add(token)
    params = {}
    for name, value in error.params.items():
        if isinstance(value, str) and value in by_id:
            found = by_id[value]
            value = next(iter(found)) if len(found) == 1 else "…"
        params[name] = value
    return ResponseError(error.code, **params)

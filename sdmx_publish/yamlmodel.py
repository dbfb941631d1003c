"""Reading a reviewed YAML file into a checked pydantic model, with an error that names the file, the key
and the fix (a misspelt key: the allowed key it is closest to).

Imports neither pandas nor the pipeline: the DAG processor reads spec headers and country files with
it at parse time (:mod:`sdmx_publish.orchestrate.sources`); :mod:`sdmx_publish.spec` reads whole specs.
"""

from __future__ import annotations

import difflib
import typing
from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from .errors import SpecError

M = TypeVar("M", bound=BaseModel)


def load_yaml_model(path: Path, model: type[M], *, extra: dict | None = None, example: str) -> M:
    """Read a YAML mapping into ``model``; a :class:`SpecError` names the file, the key and the fix."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as e:
        raise SpecError(f"not valid YAML: {e}", where=str(path), fix="fix the YAML syntax") from None
    if not isinstance(data, dict):
        raise SpecError("the file must be a YAML mapping", where=str(path), fix=f"see {example}")
    try:
        return model.model_validate({**data, **(extra or {})})
    except ValidationError as e:
        raise _spec_error(e, model, path, example, internal=set(extra or {})) from None


def _spec_error(e: ValidationError, model: type[BaseModel], path: Path, example: str, *,
                internal: set[str]) -> SpecError:
    """The first problem of a validation error, as a :class:`SpecError` with its key and fix.

    A misspelt key gives two errors, the unknown key and (if it was required) the missing one; the
    unknown key is the cause, so it is reported, with the allowed key it is closest to.
    """
    errors = e.errors()
    err = next((x for x in errors if x["type"] == "extra_forbidden"), errors[0])
    loc = err["loc"]
    ctx = err.get("ctx") or {}
    key = ctx.get("key") or ".".join(str(p) for p in loc) or "(top level)"
    if err["type"] == "extra_forbidden":
        parent, name = loc[:-1], str(loc[-1])
        prefix = "".join(f"{p}." for p in parent)
        missing = [str(x["loc"][-1]) for x in errors if x["type"] == "missing" and x["loc"][:-1] == parent]
        allowed = [k for k in _allowed_keys(model, parent) if not (parent == () and k in internal)]
        close = difflib.get_close_matches(name, missing, n=1, cutoff=0.5) or \
            difflib.get_close_matches(name, allowed, n=1, cutoff=0.6)
        what = f"key `{key}` is not allowed here (unknown key)"
        if close:
            fix = f"did you mean `{prefix}{close[0]}`? rename `{key}` to `{prefix}{close[0]}`"
        else:
            fix = f"remove or correct `{key}` (unknown key; check its spelling)"
            if allowed:
                fix += f"; the keys allowed here are {', '.join(allowed)}"
        return SpecError(what, where=str(path), fix=fix)
    if err["type"] == "spec_problem":
        return SpecError(f"key `{key}`: {ctx['what']}", where=str(path), fix=ctx["fix"])
    fix = {"missing": f"add `{key}`"}.get(err["type"], f"correct `{key}` (see {example})")
    return SpecError(f"key `{key}`: {err['msg']}", where=str(path), fix=fix)


def _models_in(annotation: object) -> list[type[BaseModel]]:
    """The pydantic models inside a field's type (``X | None``, ``list[X]``, ``dict[str, X]``)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    if typing.get_origin(annotation) is not None:  # X | None, list[X], dict[str, X], Annotated[...]
        return [m for a in typing.get_args(annotation) for m in _models_in(a)]
    return []


def _allowed_keys(model: type[BaseModel], loc: tuple) -> list[str]:
    """The keys a YAML mapping may have at ``loc`` (list indexes and dict keys are passed over)."""
    current: type[BaseModel] | None = model
    for part in loc:
        if current is None:
            return []
        fields = {f.alias or n: f for n, f in current.model_fields.items()}
        if part in fields:
            inner = _models_in(fields[part].annotation)
            current = inner[0] if inner else None
    return [] if current is None else [f.alias or n for n, f in current.model_fields.items()]

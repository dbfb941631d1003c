"""Read respondent-level microdata as national offices distribute it, keeping the value labels.

SPSS ``.sav`` and Stata ``.dta`` through pyreadstat, R ``.rds``/``.rda``/``.RData`` through pyreadr
(haven value labels, which pyreadr drops, are read from the same file with ``rdata``; factor levels
are the labels of a factor), and CSV through pandas. The result is a frame with one row per
respondent (or incident) and ``attrs["labels"]``: variable -> {code: label}.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputError

#: file suffix -> reader kind
KINDS = {".sav": "spss", ".zsav": "spss", ".dta": "stata", ".rds": "rds", ".rda": "rda", ".rdata": "rda", ".csv": "csv"}

Labels = dict[str, dict[str, str]]


def code_text(values: pd.Series) -> pd.Series:
    """Codes as text, the way the spec and the maps write them: ``3.0`` -> ``"3"``; missing -> ``""``."""
    if pd.api.types.is_numeric_dtype(values.dtype):
        num = values.to_numpy(dtype=float)
        whole = np.isfinite(num) & (num == np.round(num))
        out = values.astype(object).astype(str)
        out[whole] = num[whole].astype(np.int64).astype(str)
        return out.where(values.notna(), "")
    return values.astype(object).where(values.notna(), "").astype(str).str.strip()


def read_microdata(path: Path, variables: list[str], *, obj: str | None = None,
                   also: str | None = None) -> tuple[pd.DataFrame, Labels]:
    """The ``variables`` of a microdata file, and those whose whole name matches the regular expression
    ``also`` (replicate weights), with their value labels; an :class:`InputError` names the file and
    the variable when one is absent."""
    kind = KINDS.get(path.suffix.lower())
    if kind is None:
        raise InputError(f"unknown microdata format {path.suffix!r}", where=str(path),
                         fix=f"give a file ending in one of {', '.join(sorted(KINDS))}")
    if not path.is_file():
        raise InputError("microdata file not found", where=str(path), fix="correct source.path (relative to the spec)")
    try:
        frame, labels = _READERS[kind](path, obj)
    except InputError:
        raise
    except Exception as e:  # the readers raise their own kinds on corrupt files
        raise InputError(f"not a readable {kind} file: {e.__class__.__name__}: {e}", where=str(path),
                         fix="export the microdata again from the original") from None
    missing = [v for v in variables if v not in frame.columns]
    if missing:
        import difflib

        hints = [f"{m!r} (did you mean {c[0]!r}?)" if (c := difflib.get_close_matches(m, frame.columns, n=1))
                 else repr(m) for m in missing]
        raise InputError(f"variable(s) {', '.join(hints)} not in the file ({len(frame.columns)} variables)",
                         where=str(path), fix="correct the variable name in the spec's survey block")
    if also is not None:
        pattern = re.compile(also)
        variables = [*variables, *(c for c in frame.columns if c not in variables and pattern.fullmatch(c))]
    frame = frame[list(dict.fromkeys(variables))].copy()
    for v in frame.columns:
        if isinstance(frame[v].dtype, pd.CategoricalDtype):
            labels.setdefault(v, {str(c): str(c) for c in frame[v].cat.categories})
            frame[v] = frame[v].astype(object)
    return frame, {v: labels[v] for v in frame.columns if v in labels}


def _spss(path: Path, obj: str | None) -> tuple[pd.DataFrame, Labels]:
    import pyreadstat

    frame, meta = pyreadstat.read_sav(str(path))
    return frame, _meta_labels(meta)


def _stata(path: Path, obj: str | None) -> tuple[pd.DataFrame, Labels]:
    import pyreadstat

    frame, meta = pyreadstat.read_dta(str(path))
    return frame, _meta_labels(meta)


def _meta_labels(meta) -> Labels:
    return {var: {code_text(pd.Series([k])).iloc[0]: str(v) for k, v in meta.value_labels[name].items()}
            for var, name in meta.variable_to_label.items()}


def _rds(path: Path, obj: str | None) -> tuple[pd.DataFrame, Labels]:
    import pyreadr

    frames = pyreadr.read_r(str(path))
    return _one(frames, obj, path), _haven_labels(path, obj)


_rda = _rds


def _one(frames: dict, obj: str | None, path: Path) -> pd.DataFrame:
    if obj is not None:
        if obj not in frames:
            raise InputError(f"object {obj!r} not in the file; it has {sorted(map(str, frames))}", where=str(path),
                             fix="correct survey.object")
        return frames[obj]
    if len(frames) != 1:
        raise InputError(f"the file holds {len(frames)} objects {sorted(map(str, frames))}", where=str(path),
                         fix="name the one to read in survey.object")
    return next(iter(frames.values()))


def _haven_labels(path: Path, obj: str | None) -> Labels:
    """Value labels of haven_labelled columns (attribute ``labels``) in an R file, by variable."""
    import rdata

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # rdata warns about the file type it guesses
        parsed = rdata.parser.parse_file(path)
    top = parsed.object
    if top.info.type.name == "LIST":  # .rda/.RData: a pairlist of named objects
        top = _named_object(top, obj)
    names = _attrs(top).get("names")
    if names is None or top.info.type.name != "VEC":
        return {}
    out: Labels = {}
    for name, col in zip((_text(n) for n in names.value), top.value):
        lab = _attrs(col).get("labels")
        if lab is not None and _attrs(lab).get("names") is not None:
            values = [_text(v) for v in lab.value] if lab.info.type.name == "STR" else np.asarray(lab.value)
            codes = code_text(pd.Series(values))
            out[name] = dict(zip(codes, (_text(n) for n in _attrs(lab)["names"].value)))
    return out


def _named_object(pairlist, obj: str | None):
    node, found = pairlist, []
    while node is not None and node.info.type.name == "LIST":
        found.append((_tag(node), node.value[0]))
        node = node.value[1]
    for tag, value in found:
        if obj is None or tag == obj:
            return value
    return found[0][1]


def _attrs(o) -> dict:
    out, a = {}, getattr(o, "attributes", None)
    while a is not None and a.info.type.name == "LIST":
        out[_tag(a)] = a.value[0]
        a = a.value[1]
    return out


def _tag(node) -> str:
    t = node.tag
    t = t.referenced_object if t.info.type.name == "REF" else t
    return _text(t.value)


def _text(o) -> str:
    v = getattr(o, "value", o)
    return v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v)


def _csv(path: Path, obj: str | None) -> tuple[pd.DataFrame, Labels]:
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig"), {}


_READERS = {"spss": _spss, "stata": _stata, "rds": _rds, "rda": _rda, "csv": _csv}

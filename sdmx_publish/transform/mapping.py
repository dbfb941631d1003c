"""The correspondence engine: reviewable CSV tables from national values to SDMX codes, on any column.

A table has the source column(s), the target column(s) and optionally ``note``
(:func:`sdmx_publish.spec.maps.read_map` checks it). Applied to the parsed rows (``__obs``, the value):

- one row per value: the value goes to that code; several values with one target are summed when the
  map declares ``aggregate: sum`` (:func:`sum_rows` at once, :mod:`.rollup` at the end), else the
  collision is an error naming the map's rows (:func:`refuse_ambiguous`);
- a value on several rows with shares (numbers, or ``pro_rata``: :func:`pro_rata_shares`): split,
  each part ``share`` x the value (whole counts stay whole, :func:`apportion`), published as
  estimated (``OBS_STATUS`` E) where an observation holds only some of the parts;
- a row with empty targets excludes its value on purpose (with its note and totals in the review);
- declared summary rows (totals of other values) that have no row or an empty target are checks:
  their details must add up to them (:func:`check_summaries`), and they are left out of the
  national total of the review;
- values no row matches are *unmapped*: reported with their counts, never silently dropped.

What went where is the mapping review (:mod:`.review`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import pandas as pd

from ..errors import SpecError
from ..frames import stripped
from ..spec.maps import (
    NOTE,
    PARENT,
    ROW,
    SHARE,
    key_names,
    read_map,
    refuse_double_counting,
    summary_links,
    summary_values,
)
from ..spec.model import Spec, ValueMap
from ..structure import Flow
from .status import STATUS, sum_status

#: frame columns the engine carries: the parsed value, the row (a split's parts share their row's)
OBS, RID = "__obs", "__rid"
#: for a part of a split: the national value split, the row it was split from, its code, the split's number of parts
SPLIT_OF, SPLIT_RID, SPLIT_CODE, N_PARTS = "__split_of", "__split_rid", "__split_code", "__nparts"
#: the split columns every parsed frame starts with (a row that is no part of a split)
TRACKING = {SPLIT_OF: "", SPLIT_RID: -1, SPLIT_CODE: "", N_PARTS: 1}
#: for a map that sums: each row's national value, and how many national values the table has for its target
MEMBER, MEMBERS = "__member", "__members"


@dataclass
class MapOutcome:
    """What the maps did: unmapped values (with counts and first row), excluded values, the review per
    map, and the summary rows whose details do not add up to them."""

    unmapped: list[dict] = field(default_factory=list)
    excluded: list[dict] = field(default_factory=list)
    reviews: list[dict] = field(default_factory=list)
    summary_checks: list[dict] = field(default_factory=list)


def maprow(i: int) -> str:
    """The frame column holding the CSV line of map ``i`` that mapped each row."""
    return f"__maprow{i}"


def apply_map(frame: pd.DataFrame, spec: Spec, i: int, outcome: MapOutcome, *, context: list[str],
              period: str | None, flow: Flow) -> pd.DataFrame:
    """Apply map ``i`` of ``spec`` to ``frame``: add its targets, split by shares, drop excluded, unmapped and
    summary-check rows (recording each), and add the map's review to ``outcome``. A map with
    ``aggregate: sum`` then sums the rows it made alike (so that a later split divides the sums).

    ``context``: the frame's other key columns (a summary is checked, and a pro-rata split weighed,
    within each of their combinations); ``period``: the column of the period, for totals per period."""
    from .review import map_review

    m = spec.maps[i]
    table = read_map(spec, m)
    keys = key_names(m)
    left = frame.assign(**{k: stripped(frame[s]) for k, s in zip(keys, m.source)})
    left = left.drop(columns=[t for t in m.target if t in left.columns])
    is_summary = pd.Series(False, index=left.index)
    if m.summary_pattern or m.parent_column:
        if spec.roll_up.get(m.target[0]) == "codelist" and len(m.target) == 1:
            refuse_double_counting(table, m, f"{spec.path}: maps[{i}]", code_tree(flow, m.target[0]))
        is_summary = summary_values(left["__key0"], m, table)
        outcome.summary_checks += check_summaries(left, m, table, context)
    merged = left.merge(table, on=keys, how="left", sort=False)
    hit = merged[ROW].notna()
    pro = hit & merged[SHARE].isna()
    if pro.any():
        merged.loc[pro, SHARE] = pro_rata_shares(merged, pro, hit & ~pro & merged[SHARE].eq(1), m, keys, context,
                                                 code_tree(flow, m.target[0]))
    excluded = hit & (merged[m.target] == "").all(axis=1)
    check_only = (~hit | excluded) & merged[keys[0]].isin(set(left.loc[is_summary, keys[0]]))
    miss = ~hit & ~check_only
    if miss.any():
        grouped = merged[miss].groupby(keys, sort=False).agg(count=("_row", "size"), first_row=("_row", "first"),
                                                             source=("_source", "first")).reset_index()
        outcome.unmapped += [{"map": m.file, "columns": m.source, "value": [rec[k] for k in keys],
                              "count": int(rec["count"]), "first_row": int(rec["first_row"]), "source": rec["source"]}
                             for rec in grouped.to_dict("records")]
    review = map_review(merged, m, keys, hit=hit, excluded=excluded, check_only=check_only, period=period, flow=flow,
                        constant_period=None if period else spec.constants.get(flow.dsd.time_dimension))
    outcome.reviews.append(review)
    outcome.excluded += [{"map": m.file, "value": x["value"], "note": x["note"], "rows": x["rows"],
                          "total": x["total"]} for x in review["excluded_values"]]
    out = merged.loc[hit & ~excluded].drop(columns=[NOTE, PARENT])
    split = out[SHARE].lt(1)
    out[OBS] = apportion(out[OBS] * out[SHARE], out[RID], split)
    if split.any():  # what a published part of a split says: of which value, and how many parts it has
        out[SPLIT_OF] = out[SPLIT_OF].mask(split, joined(out, keys))
        out[SPLIT_RID] = out[SPLIT_RID].mask(split, out[RID])
        out[SPLIT_CODE] = out[SPLIT_CODE].mask(split, out[m.target[0]])
        out[N_PARTS] = out[N_PARTS].mask(split, out.groupby(RID)[m.target[0]].transform("nunique"))
    if m.national_attribute:
        out[nat(m.national_attribute)] = joined(out, keys)
    if m.aggregate == "sum":  # which national value each row is, and how many meet on its target in its period
        out[MEMBER] = joined(out, keys)
        within = [*m.target, *([period] if period in out.columns and period not in m.target else [])]
        out[MEMBERS] = out.groupby(within, sort=False)[MEMBER].transform("nunique")
    out = out.drop(columns=[*keys, SHARE]).rename(columns={ROW: maprow(i)})
    if m.aggregate == "sum":
        out = sum_rows(out, [c for c in context if c not in m.source] + m.target)
    return out


def nat(attribute: str) -> str:
    """The frame column listing a map's national values for ``attribute``."""
    return f"__nat:{attribute}"


def joined(frame: pd.DataFrame, cols: list[str], sep: str = "/") -> pd.Series:
    """Each row's ``cols`` joined with ``sep``: a national value of several columns is written 강력범죄/살인기수."""
    out = frame[cols[0]].astype(str)
    for c in cols[1:]:
        out = out + sep + frame[c].astype(str)
    return out


def sum_rows(frame: pd.DataFrame, key: list[str]) -> pd.DataFrame:
    """Rows alike on ``key`` (and on the national values recorded, and the split they are part of) summed into
    one: a missing part makes the sum missing (OBS_STATUS O), and so does an absent one (a national value the table has
    for the same target elsewhere in the period but not here: 1A without its 1B is not the share 1A + 1B;
    a value new in a later period leaves the earlier sums as they are); origin and
    other columns are the first row's; each new row can be split again."""
    keep = [*key, *[c for c in frame.columns if c.startswith("__nat:")], SPLIT_OF, SPLIT_RID, SPLIT_CODE, N_PARTS]
    keep = list(dict.fromkeys(keep))
    rest = [c for c in frame.columns if c not in keep and c not in (OBS, "__missing", MEMBER, MEMBERS, STATUS)]
    met = frame.groupby(key, sort=False, dropna=False)[MEMBER].transform("nunique")  # on the observation, splits too
    grouped = frame.assign(__gap=frame[OBS].isna(), __met=met).groupby(keep, sort=False, dropna=False)
    out = grouped.agg(**{OBS: (OBS, "sum"), "__missing": ("__missing", "max"), "__gap": ("__gap", "max"),
                         "__met": ("__met", "max"), "__want": (MEMBERS, "max"),
                         **{c: (c, "first") for c in rest}}).reset_index()
    out[OBS] = out[OBS].round(10)  # no float noise: 42.4 + 48.7 is 91.1, not 91.10000000000001
    out["__gap"] |= out["__met"].lt(out["__want"])
    out.loc[out["__gap"], OBS] = np.nan
    out["__missing"] |= out["__gap"]
    out[STATUS] = sum_status(frame, keep, STATUS, out["__missing"].to_numpy())
    out = out.drop(columns=["__gap", "__met", "__want"])
    out[RID] = np.arange(len(out))
    return out


def pro_rata_shares(merged: pd.DataFrame, pro: pd.Series, whole: pd.Series, m: ValueMap, keys: list[str],
                    context: list[str], tree: pd.DataFrame) -> pd.Series:
    """Shares of the rows split ``pro_rata``: in proportion, within the same ``context``, to the values mapped
    whole to each target or below it in its codelist; where those are all zero, to the same proportions
    over every context; where those are zero too, equal shares."""
    target = m.target[0]
    under = merged.loc[whole, [*context, target, OBS]].merge(tree, left_on=target, right_on="code")
    weights = under.groupby([*context, "ancestor"], dropna=False)[OBS].sum().rename("__weight").reset_index()
    rows = merged.loc[pro, [*context, target, *keys, RID]]
    w = rows.merge(weights.rename(columns={"ancestor": target}), on=[*context, target], how="left")["__weight"]
    w = w.fillna(0.0).to_numpy()
    value = joined(rows, keys).to_numpy()
    overall = pd.Series(w).groupby([value, rows[target].to_numpy()]).transform("sum").to_numpy()
    parent = rows[RID].to_numpy()
    total = pd.Series(w).groupby(parent).transform("sum").to_numpy()
    w = np.where(total > 0, w, overall)
    total = pd.Series(w).groupby(parent).transform("sum").to_numpy()
    n = pd.Series(w).groupby(parent).transform("size").to_numpy()
    return pd.Series(np.where(total > 0, w / np.where(total > 0, total, 1), 1 / n), index=rows.index)


def code_tree(flow: Flow, component: str) -> pd.DataFrame:
    """``code``, ``ancestor``: every code of ``component``'s codelist with itself, its ancestors and ``_T`` (the
    total, where the codelist has it)."""
    codes = flow.codelists[component].codes if component in flow.codelists else {}
    return _tree(str(flow.dsd.ref), component, tuple((c.id, c.parent) for c in codes.values()))


@lru_cache(maxsize=16)
def _tree(_flow: str, _component: str, parents: tuple[tuple[str, str | None], ...]) -> pd.DataFrame:
    parent = dict(parents)
    total = ["_T"] if "_T" in parent else []
    rows = []
    for code in parent:
        chain, c = [code], parent[code]
        while c and c not in chain:
            chain.append(c)
            c = parent.get(c)
        rows += [(code, a) for a in dict.fromkeys(chain + (total if code != "_T" else []))]
    return pd.DataFrame(rows, columns=["code", "ancestor"])


def check_summaries(left: pd.DataFrame, m: ValueMap, table: pd.DataFrame, context: list[str]) -> list[dict]:
    """Each summary row of the source against the sum of its direct details, within each combination of the
    ``context`` columns; the ones further apart than ``summary_tolerance`` (details missing count as 0)."""
    links = summary_links(left["__key0"], m, table)
    links = links[links["direct"]]
    if links.empty:
        return []
    details = left[["__key0", *context, OBS]].merge(links, left_on="__key0", right_on="value")
    sums = details.groupby(["summary", *context], dropna=False, sort=False).agg(
        details_sum=(OBS, "sum"), details=("__key0", "nunique")).reset_index()
    totals = left[["__key0", *context, OBS, "_row", "_source"]].rename(columns={"__key0": "summary", OBS: "value"})
    both = totals.merge(sums, on=["summary", *context], how="inner")
    diff = (both["value"] - both["details_sum"]).abs()
    bad = both[diff.gt(m.summary_tolerance + 1e-9) & both["value"].notna()]
    return [{"map": m.file, "summary": r["summary"], "context": {c: str(r[c]) for c in context},
             "value": float(r["value"]), "details_sum": float(r["details_sum"]), "details": int(r["details"]),
             "row": int(r["_row"]), "source": str(r["_source"]), "tolerance": m.summary_tolerance}
            for r in bad.to_dict("records")]


def refuse_ambiguous(out: pd.DataFrame, spec: Spec, key: list[str]) -> None:
    """Several national values that meet on one observation key through a map without ``aggregate: sum``
    are an ambiguous mapping: an error naming the map's rows, the key and the fix."""
    dup = _duplicated(out, key)
    if not dup.any():
        return
    clash = out[dup]
    for i, m in enumerate(spec.maps):
        if m.aggregate == "sum" or maprow(i) not in clash.columns:
            continue
        differ = clash.groupby(key, sort=False, dropna=False)[maprow(i)].transform("nunique").gt(1)
        if differ.any():
            first = clash[differ].iloc[0]
            same = clash[differ & (clash[key] == first[key]).all(axis=1)]
            rows = sorted({int(r) for r in same[maprow(i)]})
            values = sorted({" | ".join(str(v) for v in r) for r in same[m.source].itertuples(index=False)})
            obs = ", ".join(f"{k}={first[k]}" for k in key if k in (*m.target, key[-1]))
            raise SpecError(f"{m.file} rows {rows}: ambiguous mapping: the national values {values} all go to the "
                            f"observation {obs}", where=f"{spec.path}: maps[{i}]",
                            fix="add `aggregate: sum` to the map to sum them (many to one), or correct the rows "
                                "so that each value has its own code")


def _duplicated(frame: pd.DataFrame, key: list[str]) -> pd.Series:
    """``frame.duplicated(key, keep=False)``; for categorical key columns, over one integer per row made
    from their codes (no column factorized again), counted in an array when the keys' range is small."""
    cols = [frame[c] for c in key]
    if not all(isinstance(c.dtype, pd.CategoricalDtype) for c in cols):
        return frame.duplicated(key, keep=False)
    codes = [c.cat.codes.to_numpy() for c in cols]
    shift = [int(c.min() < 0) if len(c) else 0 for c in codes]  # a column with a missing cell: code -1 -> 0
    sizes = [len(col.cat.categories) + s for col, s in zip(cols, shift)]
    span = np.prod(sizes, dtype=float)
    if span >= 2**63:
        return frame.duplicated(key, keep=False)
    flat = np.zeros(len(frame), dtype=np.int64)
    for c, s, size in zip(codes, shift, sizes):
        flat = flat * size + (c.astype(np.int64) + s)
    if span <= max(2**22, 2 * len(frame)):  # a count per possible key: no hash table
        return pd.Series(np.bincount(flat, minlength=int(span))[flat] > 1, index=frame.index)
    return pd.Series(flat, index=frame.index).duplicated(keep=False)


def apportion(values: pd.Series, groups: pd.Series, split: pd.Series) -> pd.Series:
    """Whole numbers for the parts of each split count, adding up to it (largest remainders).

    A count split by shares gives fractions (11 thefts x 0.75 = 8.25); counts are published as whole
    numbers, so each part gets its floor and the units left over go to the largest fractions (8 and
    3). A split of a value that is not a whole number keeps its fractions.
    """
    out = values.copy()
    if not split.any():
        return out
    part, keys = values[split], groups[split]
    total = part.groupby(keys).transform("sum")
    whole = (total - total.round()).abs() < 1e-6
    floor = np.floor(part + 1e-9)
    short = (total.round() - floor.groupby(keys).transform("sum")).round()
    rank = (part - floor).groupby(keys).rank(method="first", ascending=False)
    out[split] = np.where(whole, floor + (rank <= short), part)
    return out

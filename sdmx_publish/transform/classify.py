"""Classify a national table to ICCS: areas summed, categories mapped and split, codes rolled up.

Order: :func:`classify` reads the table (:mod:`.national`), sums the source columns into areas,
applies the correspondence (whole categories, fixed or pro-rata splits), rolls each ICCS code up
to its ancestors and ``_T`` (deliberately unmapped categories count in ``_T`` only), adds the
national area as the sum of the areas, and returns the observation frame with everything the
coverage report needs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import SpecError
from ..structure import Flow
from .national import (
    NationalTable,
    iccs_tree,
    pro_rata_shares,
    read_areas,
    read_classification,
    read_long,
)


@dataclass
class Classified:
    """The result of :func:`classify`."""

    frame: pd.DataFrame        #: observation frame of the dataflow
    long: pd.DataFrame         #: detail cells: category, region, REF_AREA ('' = excluded), value
    subtotals: pd.DataFrame    #: subtotal cells, same columns (not mapped)
    table: pd.DataFrame        #: the checked correspondence table
    areas: pd.DataFrame        #: the area table rows used
    by_category: pd.Series     #: national count per category (areas only)


def _assign(table: pd.DataFrame, by_area: pd.DataFrame, tree: pd.DataFrame) -> pd.DataFrame:
    """(REF_AREA, category, ICCS, value) after shares; splits carry ``n_targets``."""
    mapped = table[table["ICCS"].ne("")]
    rows = mapped.merge(by_area, on="category")
    pro = rows["kind"].eq("pro_rata")
    share = rows["share_value"].astype("float64")
    if pro.any():
        whole = mapped[mapped["kind"].eq("whole")]
        share[pro] = pro_rata_shares(rows[pro], by_area, whole, tree)
    rows["value"] = _apportion(rows["value"] * share, rows[["REF_AREA", "category"]], rows["kind"].ne("whole"))
    rows["n_targets"] = rows.groupby(["REF_AREA", "category"])["ICCS"].transform("nunique")
    return rows[["REF_AREA", "category", "ICCS", "kind", "n_targets", "value"]]


def _apportion(values: pd.Series, groups: pd.DataFrame, split: pd.Series) -> pd.Series:
    """Whole numbers for the parts of each split count, adding up to it (largest remainders).

    A count split by shares gives fractions (11 thefts x 0.75 = 8.25); counts are published as whole
    numbers, so each part gets its floor and the units left over go to the largest fractions (8 and
    3). A split of a count that is not a whole number keeps its fractions.
    """
    out = values.copy()
    part, keys = values[split], [groups.loc[split, c] for c in groups.columns]
    total = part.groupby(keys).transform("sum")
    whole = (total - total.round()).abs() < 1e-6
    floor = np.floor(part + 1e-9)
    short = (total.round() - floor.groupby(keys).transform("sum")).round()
    rank = (part - floor).groupby(keys).rank(method="first", ascending=False)
    out[split] = np.where(whole, floor + (rank <= short), part)
    return out


def _roll_up(assigned: pd.DataFrame, unmapped: pd.DataFrame, tree: pd.DataFrame) -> pd.DataFrame:
    """Sum by area and every ancestor code; a split counts as estimated where only some of its targets are below."""
    up = assigned.merge(tree[["code", "ancestor"]], left_on="ICCS", right_on="code")
    below = up.groupby(["REF_AREA", "category", "ancestor"])["ICCS"].transform("nunique")
    up["estimated"] = up["kind"].ne("whole") & below.lt(up["n_targets"])
    up = pd.concat([up[["REF_AREA", "category", "ancestor", "value", "estimated"]],
                    unmapped.assign(ancestor="_T", estimated=False)], ignore_index=True)
    g = up.groupby(["REF_AREA", "ancestor"], sort=True)
    out = g.agg(value=("value", "sum"), estimated=("estimated", "any")).reset_index()
    cats = up.drop_duplicates(["REF_AREA", "ancestor", "category"]).sort_values("category")
    out["categories"] = cats.groupby(["REF_AREA", "ancestor"])["category"].agg("; ".join).to_numpy()
    split = up[up["estimated"]].drop_duplicates(["REF_AREA", "ancestor", "category"])
    notes = split.groupby(["REF_AREA", "ancestor"])["category"].agg(", ".join)
    out["split_of"] = pd.MultiIndex.from_frame(out[["REF_AREA", "ancestor"]]).map(notes.to_dict()).fillna("")
    return out


def classify(cfg: NationalTable, flow: Flow, raw: pd.DataFrame | None = None) -> Classified:
    """The national table (``raw``, if already extracted) as ICCS observations of ``flow``."""
    tree = iccs_tree(flow)
    long, subtotals = read_long(cfg, raw)
    areas = read_areas(cfg, list(long["region"].unique()))
    long = long.merge(areas[["region", "REF_AREA"]], on="region", how="left")
    subtotals = subtotals.merge(areas[["region", "REF_AREA"]], on="region", how="left")
    table = read_classification(cfg, flow)
    unknown = sorted(set(long["category"]) - set(table["category"]))
    if unknown:
        raise SpecError(f"national categories not in the correspondence table: {unknown}",
                        where=str(cfg.resolve(cfg.classification)),
                        fix="add a row for each (an empty ICCS with a note if it is deliberately not mapped)")
    inside = long[long["REF_AREA"].ne("")]
    by_area = inside.groupby(["REF_AREA", "category"], as_index=False)["value"].sum()
    assigned = _assign(table, by_area, tree)
    nat_cats = set(table.loc[table["ICCS"].eq(""), "category"])
    unmapped = by_area[by_area["category"].isin(nat_cats)]
    national = pd.concat([assigned, unmapped], ignore_index=True).assign(REF_AREA=cfg.national_area)
    rolled = _roll_up(pd.concat([assigned, national[national["ICCS"].notna()]], ignore_index=True),
                      pd.concat([unmapped, national[national["ICCS"].isna()][unmapped.columns]], ignore_index=True),
                      tree)
    return Classified(frame=_frame(rolled, cfg, flow), long=long, subtotals=subtotals, table=table, areas=areas,
                      by_category=by_area.groupby("category")["value"].sum())


def _frame(rolled: pd.DataFrame, cfg: NationalTable, flow: Flow) -> pd.DataFrame:
    out = pd.DataFrame({"REF_AREA": rolled["REF_AREA"], "ICCS": rolled["ancestor"]})
    for comp, code in cfg.constants.items():
        out[comp] = code
    out["TIME_PERIOD"] = cfg.time_period
    out["OBS_VALUE"] = rolled["value"].astype("float64")
    out["OBS_STATUS"] = np.where(rolled["estimated"], "E", "A")
    if cfg.source_detail:
        out["SOURCE_DETAIL"] = cfg.source_detail
    out["NAT_CATEGORY"] = rolled["categories"].where(rolled["ancestor"].ne("_T"), "all categories of the table")
    out["COMMENT_OBS"] = np.where(rolled["estimated"], "includes an estimated share of " + rolled["split_of"]
                                  + " (split rule in the correspondence table)", "")
    dsd = flow.dsd
    missing = [d for d in dsd.dimension_ids if d not in out.columns]
    if missing:
        raise SpecError(f"dimension(s) {missing} of {dsd.ref} get no value", where=str(cfg.path),
                        fix="add them under `constants`")
    order = [*dsd.dimension_ids, dsd.time_dimension, "OBS_VALUE", *[a for a in dsd.attribute_ids if a in out.columns]]
    return out[order].reset_index(drop=True)

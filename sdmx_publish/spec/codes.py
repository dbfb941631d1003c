"""The codes a spec writes itself, checked against its dataflow's codelists before any data is read.

A code in ``constants`` (and a survey estimate's ``series`` and constants), a total code of ``roll_up``, and every
target code of a correspondence table must be a code of the component's codelist that the
dataflow's content constraints allow. A component without a codelist (a free-text attribute, the
time period) takes any text. A wrong code stops the run here, naming the spec key or the map's
file, line and column, with the nearest codes; not later at a data row it was copied into.
"""

from __future__ import annotations

import pandas as pd

from ..errors import SpecError
from ..structure import Flow
from ..validate.suggest import nearest_codes
from .maps import ROW, breakdown_map, read_map
from .model import Spec, ValueMap

__all__ = ["check_codes"]

#: problems listed in one error at most (the rest counted)
SHOWN = 10


def check_codes(spec: Spec, flow: Flow) -> None:
    """Raise one :class:`SpecError` listing every code of the spec and its maps that ``flow`` does not allow."""
    problems: list[tuple[str, str, str]] = []  # (where, what, fix)
    listing = f"`sdmx-publish codes {flow.id} {{comp}}` lists its codes with their names"
    written = {f"constants.{c}": (c, v) for c, v in spec.constants.items()}
    written.update({f"roll_up.{c}": (c, v) for c, v in spec.roll_up.items() if v != "codelist"})
    for e in spec.survey.estimates if spec.survey else []:
        written[f"survey.estimates[{e.id}].series"] = ("SERIES", e.series)
        written.update({f"survey.estimates[{e.id}].constants.{c}": (c, v) for c, v in e.constants.items()})
    for key, (comp, code) in written.items():
        what = _unknown(flow, comp, code)
        if what:
            problems.append((f"{spec.path}: {key}", what, f"write a code of {comp} in `{key}`: "
                             + listing.format(comp=comp)))
    maps = [(f"maps[{i}]", m) for i, m in enumerate(spec.maps)]
    maps += [(f"survey.breakdowns.{k}.map", breakdown_map(b)) for k, b in
             (spec.survey.breakdowns.items() if spec.survey else [])]
    for key, m in maps:
        problems += _map_problems(spec, m, key, flow, listing)
    if not problems:
        return
    where, what, fix = problems[0]
    more = [f"    {w}: {t}" for w, t, _ in problems[1:SHOWN]]
    if len(problems) > SHOWN:
        more.append(f"    ... and {len(problems) - SHOWN} more")
    if more:
        what += f"\n  and {len(problems) - 1} more code(s) not in the dataflow's codelists:\n" + "\n".join(more)
    raise SpecError(what, where=where, fix=fix)


def _map_problems(spec: Spec, m: ValueMap, key: str, flow: Flow, listing: str) -> list[tuple[str, str, str]]:
    """The target codes of one correspondence table that ``flow`` does not allow, by CSV line and column."""
    coded = [(t, col) for t, col in zip(m.target, m.value_columns or m.target) if flow.allowed(t) is not None]
    if not coded:
        return []
    table = read_map(spec, m, where=f"{spec.path}: {key}")
    out = []
    for comp, col in coded:
        codes = table[comp]
        distinct = pd.unique(codes[codes.ne("")])
        verdict = {code: _unknown(flow, comp, code) for code in distinct}
        bad = codes.map(verdict).fillna("").ne("")
        for _, row in table[bad].iterrows():
            out.append((f"{spec.resolve(m.file)}: line {row[ROW]}, column {col!r}", verdict[row[comp]],
                        f"correct the code in {m.file} (`{key}` of {spec.path.name if spec.path else 'the spec'}); "
                        + listing.format(comp=comp)))
    return out


def _unknown(flow: Flow, comp: str, code: str) -> str | None:
    """Why ``code`` cannot be ``comp``'s value (with the nearest codes it could be), or None if it can."""
    allowed = flow.allowed(comp)
    if allowed is None or code in allowed:
        return None
    cl, near = flow.codelists[comp], nearest_codes(code, sorted(allowed))
    if code in cl.codes:
        names = ", ".join(str(c.ref) for c in flow.constraints if comp in c.include)
        return (f"{comp} code {code!r} is in {cl.ref} but not allowed by the dataflow's constraint {names}"
                + (f": did you mean {' or '.join(near)}?" if near else ""))
    return (f"{comp} code {code!r} is not in the codelist {cl.ref}"
            + (f": did you mean {' or '.join(near)}?" if near else ""))

"""The validation report: counts, every finding, the quarantine and the revision summary.

``as_dict()`` is the stable JSON schema (``schema_version`` 1, documented in
``docs/validation.md``); ``to_html`` renders it for people (see :mod:`.html`); ``to_csv`` writes
the full findings list. Nothing is capped. ``data`` is what to publish: without exact duplicates,
quarantined and held-back rows, with the flags of the rules' outcomes applied (:mod:`.flags`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ValidationFailed
from ..structure.model import Flow
from . import flags
from .context import sdmx_key
from .rules import Rule

SCHEMA_VERSION = 1
#: Columns of ``Report.findings`` (plus ``pos``, the 0-based row in the validated frame or -1).
FINDING_FIELDS = ["rule", "severity", "message", "source", "row", "column", "component", "value",
                  "expected", "key"]


@dataclass(frozen=True)
class RuleRun:
    """How a rule was run: enabled or not, with which severity and parameters."""

    rule: Rule
    enabled: bool
    severity: str
    params: dict[str, Any]
    outcome: str = "warn"
    obs_status: str | None = None


@dataclass
class Report:
    """Outcome of :func:`~sdmx_publish.validate.validate`."""

    flow: Flow
    observations: int
    findings: pd.DataFrame
    quarantine: pd.DataFrame
    revisions: dict[str, Any]
    rules: list[RuleRun]
    #: the validated frame (0-based positions are the findings' ``pos``)
    frame: pd.DataFrame
    #: positions of the rows not to publish: exact duplicates and quarantined rows
    removed: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    dropped: int = 0
    #: rows flagged or held back by the rules' outcomes (columns of ``flags.ACTION_COLUMNS``)
    actions: pd.DataFrame = field(default_factory=flags.no_actions)
    created: str = field(default_factory=lambda: datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))

    @cached_property
    def held(self) -> np.ndarray:
        """Positions of the rows a rule's ``hold`` outcome holds back."""
        return flags.held_positions(self.actions)

    @cached_property
    def data(self) -> pd.DataFrame:
        """The observations to publish: flagged as the rules' outcomes say; without exact duplicates,
        quarantined and held-back rows."""
        frame = flags.apply_flags(self.frame, self.actions, self.flow)
        gone = np.union1d(self.removed, self.held)
        if not len(gone):
            return frame
        keep = np.ones(len(frame), dtype=bool)
        keep[gone] = False
        return frame[keep].reset_index(drop=True)

    @cached_property
    def outcomes(self) -> dict[str, Any]:
        """Counts of flagged and held-back observations per rule, and every held-back one (key, rule, why)."""
        keys = sdmx_key(self.frame, self.flow.dsd.dimension_ids, self.flow.dsd.time_dimension, self.held)
        return flags.summary(self.actions, keys, self.frame)

    def _count(self, severity: str) -> int:
        return int((self.findings["severity"] == severity).sum())

    @property
    def errors(self) -> int:
        return self._count("error")

    @property
    def warnings(self) -> int:
        return self._count("warning")

    @property
    def infos(self) -> int:
        return self._count("info")

    @property
    def ok(self) -> bool:
        """True when no finding is an error: publication may proceed."""
        return self.errors == 0

    def by_rule(self) -> pd.DataFrame:
        """One row per rule of the catalogue (run or turned off): id, title, severity, count."""
        counts = self.findings.groupby("rule", sort=False).size()
        rows = [{"rule": r.rule.id, "title": r.rule.title, "severity": r.severity, "enabled": r.enabled,
                 "count": int(counts.get(r.rule.id, 0))} for r in self.rules]
        return pd.DataFrame(rows, columns=["rule", "title", "severity", "enabled", "count"])

    def summary(self, examples: int = 1) -> str:
        """Terminal text: verdict, counts, revisions, then one line per rule with findings.

        Errors and warnings also show their first ``examples`` findings (where, value, expected).
        """
        verdict = "OK" if self.ok else "FAILED"
        ref = self.flow.dataflow.ref
        lines = [(f"validation {verdict}: {ref} - {self.observations} observations, {self.errors} errors, "
                  f"{self.warnings} warnings, {self.infos} infos"),
                 f"  quarantined rows: {len(self.quarantine)}; exact duplicates dropped: {self.dropped}"]
        rv = self.revisions
        if rv.get("previous_release"):
            lines.append(f"  since the previous release: {rv['new']} new, {rv['revised']} revised "
                         f"({rv['large']} by more than {rv['threshold']:.0%}), {rv['deleted']} deleted")
        else:
            lines.append("  no previous release to compare with")
        table = self.by_rule()
        for rec in table[table["count"] > 0].to_dict("records"):
            lines.append(f"  {rec['severity']:<7} {rec['rule']:<26} {rec['count']:>8}  {rec['title']}")
            if rec["severity"] != "info" and examples > 0:
                first = self.findings[self.findings["rule"] == rec["rule"]].head(examples)
                lines += [f"          e.g. {_where(f)}: {f['message']} (expected {f['expected']})"
                          for f in first.to_dict("records")]
        oc = self.outcomes
        if oc["flagged"] or oc["held"]:
            lines.append(f"  outcomes: {oc['flagged']} observations published with a flag, {oc['held']} held back")
            lines += [f"          {b['outcome']:<5} {b['rule']:<26} {b['observations']:>8}" for b in oc["by_rule"]]
        return "\n".join(lines)

    def raise_for_errors(self, *, where: str | None = None, fix: str | None = None, examples: int = 3) -> None:
        """Raise :class:`ValidationFailed` (exit code 1) if the report has errors: the count per error
        rule and the first ``examples`` findings (file, row, key, message), so a terminal says what failed,
        and the fix of (up to ``examples``) failed rules before ``fix``."""
        if self.ok:
            return
        top = self.by_rule()
        top = top[(top["severity"] == "error") & (top["count"] > 0)]
        what = ", ".join(f"{r} ({c})" for r, c in zip(top["rule"], top["count"]))
        errors = self.findings[self.findings["severity"] == "error"].head(examples)
        lines = [f"\n  e.g. {_where(f)}: {f['message']}" for f in errors.to_dict("records")]
        failed = set(top["rule"][:examples])
        fixes = {r.rule.fix: r.rule.id for r in self.rules if r.rule.id in failed and r.rule.fix}
        if len(fixes) > 1:  # each rule's fix under its id, not one text run together
            fixes = {f"{rule}: {text}": rule for text, rule in fixes.items()}
        raise ValidationFailed(f"{self.errors} validation error(s), nothing was published: {what}" + "".join(lines),
                               where=where or str(self.flow.dataflow.ref),
                               fix="; ".join([*fixes, fix or "see the validation report; fix the source or the "
                                              "mapping, or tune the rules"]))

    def manifest_entry(self, report_path: str = "validation.json") -> dict[str, Any]:
        """The ``validation`` block of a release manifest (the ``revisions`` block is ``self.revisions``)."""
        return {"errors": self.errors, "warnings": self.warnings, "infos": self.infos, "report": report_path,
                "flagged": self.outcomes["flagged"], "held": self.outcomes["held"]}

    def findings_records(self) -> list[dict[str, Any]]:
        f = self.findings[FINDING_FIELDS]
        out = json.loads(f.to_json(orient="records", force_ascii=False))
        return out  # type: ignore[no-any-return]

    def as_dict(self, *, findings: bool = True) -> dict[str, Any]:
        """The report as plain data (schema ``schema_version`` 1, see docs/validation.md).

        ``findings=False`` leaves the (possibly long) findings list out.
        """
        df = self.flow.dataflow
        rules = []
        counts = self.by_rule().set_index("rule")["count"]
        for r in self.rules:
            rules.append({"id": r.rule.id, "title": r.rule.title, "family": r.rule.family, "severity": r.severity,
                          "enabled": r.enabled, "description": r.rule.description, "fix": r.rule.fix,
                          "params": r.params, "outcome": r.outcome, "obs_status": r.obs_status,
                          "count": int(counts.get(r.rule.id, 0))})
        return {
            "schema_version": SCHEMA_VERSION,
            "created": self.created,
            "dataflow": {"agency": df.ref.agency, "id": df.ref.id, "version": df.ref.version},
            "ok": self.ok,
            "counts": {"observations": self.observations, "errors": self.errors, "warnings": self.warnings,
                       "infos": self.infos, "quarantined": len(self.quarantine), "duplicates_dropped": self.dropped,
                       "published": self.observations - len(np.union1d(self.removed, self.held)),
                       "flagged": self.outcomes["flagged"], "held": self.outcomes["held"]},
            "revisions": dict(self.revisions),
            "outcomes": self.outcomes,
            "rules": rules,
            **({"findings": self.findings_records()} if findings else {}),
        }

    def to_json(self, path: str | Path) -> Path:
        """The report as JSON (``as_dict()``); the findings are serialised column-wise by pandas."""
        path = Path(path)
        head = self.as_dict(findings=False)
        text = json.dumps(head, ensure_ascii=False, indent=1, default=_jsonable)
        records = self.findings[FINDING_FIELDS].to_json(orient="records", force_ascii=False)
        path.write_text(text[:-2] + ',\n "findings": ' + records + "\n}", encoding="utf-8")
        return path

    def to_csv(self, path: str | Path) -> Path:
        """The full findings list (one line per finding, no cap)."""
        path = Path(path)
        self.findings[FINDING_FIELDS].to_csv(path, index=False)
        return path

    def quarantine_csv(self, path: str | Path) -> Path:
        """The quarantined rows with a ``reason`` column."""
        path = Path(path)
        self.quarantine.to_csv(path, index=False)
        return path

    def to_html(self, path: str | Path, *, examples: int = 50, csv_name: str | None = None) -> Path:
        """HTML for people; writes the full findings CSV beside it (``<name>.findings.csv``) and links it."""
        from .html import render
        path = Path(path)
        csv_name = csv_name or f"{path.stem}.findings.csv"
        self.to_csv(path.parent / csv_name)
        path.write_text(render(self, examples=examples, csv_href=csv_name), encoding="utf-8")
        return path

    def write(self, folder: str | Path, stem: str = "validation") -> dict[str, Path]:
        """Every output in ``folder``: JSON, HTML, findings CSV and quarantine CSV."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        return {"json": self.to_json(folder / f"{stem}.json"), "html": self.to_html(folder / f"{stem}.html"),
                "csv": folder / f"{stem}.findings.csv", "quarantine": self.quarantine_csv(folder / f"{stem}.quarantine.csv")}


def _where(f: dict[str, Any]) -> str:
    """``file.csv row 12 [key]`` for a finding, leaving out what it does not have."""
    src = Path(str(f["source"])).name if isinstance(f.get("source"), str) and f["source"] else ""
    row = f" row {f['row']}" if f.get("row") is not None and not pd.isna(f["row"]) else ""
    key = f" [{f['key']}]" if f.get("key") else ""
    return (src + row + key).strip() or "(whole frame)"


def _jsonable(o: Any) -> Any:
    if isinstance(o, (np.integer,)):
        return int(o)
    if isinstance(o, (np.floating,)):
        return float(o)
    if isinstance(o, (set, frozenset, tuple)):
        return list(o)
    return str(o)


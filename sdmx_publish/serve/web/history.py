"""Release history of a dataflow and the review of one release: revisions, validation, mapping.

All of it is what the release itself recorded (``manifest.json``: revisions, transform summary,
classification coverage; ``validation.json``: rules and findings); nothing is recomputed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from ...errors import NotFound
from ...store.manifest import FileEntry, ValidationEntry
from ..snapshot import Holdings
from ..store import Release

#: findings listed on a release page (the full list is in validation.findings.csv)
MAX_FINDINGS = 200


@dataclass(frozen=True, kw_only=True)
class Entry:
    """One release in the history list."""

    release: Release
    latest: bool
    revisions: dict
    errors: int
    warnings: int


@dataclass(frozen=True, kw_only=True)
class Rule:
    id: str
    title: str
    severity: str
    count: int
    fix: str


@dataclass(frozen=True, kw_only=True)
class Review:
    """One release: its manifest, validation rules that fired, first findings, mapping review."""

    release: Release
    name: str
    files: list[FileEntry]
    revisions: dict
    validation: ValidationEntry | None
    rules: list[Rule]
    findings: list[dict]
    more_findings: int
    transform: dict
    coverage: dict | None
    #: the mapping review of each correspondence table (coverage, excluded values), and its page in the release
    mapping: list[dict]
    mapping_page: str | None
    parts: dict
    #: the validation report's files that the release lists: (label, path)
    reports: list[tuple[str, str]]


def history(holdings: Holdings, agency: str, flow: str) -> tuple[str, list[Entry]]:
    """The dataflow's name and its releases, newest first."""
    releases = holdings.store.releases(agency, flow)
    if not releases:
        raise NotFound(f"no releases of dataflow {agency}:{flow}", fix="the catalogue at /ui/ lists the dataflows")
    latest = holdings.store.latest(agency, flow).id
    name = holdings.flow(releases[-1]).dataflow.name
    out = []
    for r in reversed(releases):
        v = r.manifest.validation
        out.append(Entry(release=r, latest=r.id == latest, revisions=r.manifest.revisions or {},
                         errors=v.errors if v else 0, warnings=v.warnings if v else 0))
    return name, out


def review(holdings: Holdings, agency: str, flow: str, release_id: str) -> Review:
    """What one release says about itself."""
    rel = holdings.store.release(agency, flow, release_id)
    m = rel.manifest
    report_name = m.validation.report if m.validation else None
    report: dict = {}
    if report_name:
        try:
            report = json.loads(holdings.store.file(rel, report_name).read_text(encoding="utf-8"))
        except (NotFound, ValueError):
            report = {}
    rules = [Rule(id=r["id"], title=r.get("title", ""), severity=r.get("severity", ""), count=int(r.get("count", 0)),
                  fix=r.get("fix", "")) for r in report.get("rules", []) if r.get("count")]
    rank = {"error": 0, "warning": 1, "info": 2}
    rules.sort(key=lambda r: (rank.get(r.severity, 3), -r.count))
    findings = sorted(report.get("findings", []), key=lambda f: rank.get(f.get("severity", ""), 3))
    return Review(release=rel, name=holdings.flow(rel).dataflow.name, files=rel.files,
                  revisions=m.revisions or {}, validation=m.validation, rules=rules,
                  findings=findings[:MAX_FINDINGS], more_findings=max(0, len(findings) - MAX_FINDINGS),
                  transform=m.extra.get("transform") or {}, coverage=m.extra.get("coverage"),
                  mapping=m.extra.get("mapping") or [],
                  mapping_page="mapping.html" if any(f.path == "mapping.html" for f in rel.files) else None,
                  parts=m.part_validation, reports=_reports(rel, report_name))


def _reports(rel: Release, report: str | None) -> list[tuple[str, str]]:
    listed = {f.path for f in rel.files} | ({report} if report else set())
    kinds = (("HTML", "validation.html"), ("JSON", report or "validation.json"), ("CSV of findings", "validation.findings.csv"))
    return [(label, path) for label, path in kinds if path in listed]

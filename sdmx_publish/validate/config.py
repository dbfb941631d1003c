"""Rule configuration: switch rules on or off, change severities and parameters, per dataflow or source.

YAML (or the same as a dict)::

    rules:                      # every dataflow and source
      series.outlier: {threshold: 4.0}
      total.sum_mismatch: {outcome: hold}          # warn | flag | hold (see .flags)
      value.non_integer_count: {outcome: flag, obs_status: E}
      series.gap: {enabled: false}
    dataflows:
      DF_SDG_16_CRIME:
        value.non_integer_count: {severity: info}
    sources:                    # glob on the `_source` column (full path, or file name if no '/')
      "kostat/*.csv":
        total.sum_mismatch: {enabled: false}

Later levels win: defaults < ``rules`` < ``dataflows`` < ``sources``. Dict parameters merge.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from fnmatch import fnmatch
from pathlib import Path
from typing import Any

import yaml

from ..errors import SpecError
from .catalogue import RULES
from .rules import OUTCOMES, SEVERITIES, Outcome, Severity

Overrides = dict[str, dict[str, Any]]


@dataclass(frozen=True, kw_only=True)
class RuleSettings:
    """The effective settings of one rule for one dataflow and source."""

    enabled: bool
    severity: Severity
    params: Mapping[str, Any]
    outcome: Outcome = "warn"
    #: the OBS_STATUS code a ``flag`` sets (None: a COMMENT_OBS note only)
    obs_status: str | None = None


#: settings that are not parameters of the check
_RESERVED = ("enabled", "severity", "outcome", "obs_status")


def _merge(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for k, v in over.items():
        out[k] = _merge(out[k], v) if isinstance(v, Mapping) and isinstance(out.get(k), Mapping) else v
    return out


def _check(overrides: Any, where: str) -> Overrides:
    if overrides is None:
        return {}
    if not isinstance(overrides, Mapping):
        raise SpecError("expected a mapping of rule id -> settings", where=where)
    for rid, s in overrides.items():
        if rid not in RULES:
            raise SpecError(f"unknown rule {rid!r}", where=where, fix=f"use one of: {', '.join(RULES)}")
        if not isinstance(s, Mapping):
            raise SpecError(f"settings of {rid} must be a mapping", where=where, fix="e.g. {enabled: false}")
        for k, v in s.items():
            if k == "enabled" and not isinstance(v, bool):
                raise SpecError(f"{rid}.enabled must be true or false", where=where)
            elif k == "severity" and v not in SEVERITIES:
                raise SpecError(f"{rid}.severity {v!r} is not one of {', '.join(SEVERITIES)}", where=where)
            elif k == "outcome" and v not in OUTCOMES:
                raise SpecError(f"{rid}.outcome {v!r} is not one of {', '.join(OUTCOMES)}", where=where,
                                fix="warn (report only), flag (publish with OBS_STATUS/COMMENT_OBS) or hold (hold back)")
            elif k == "obs_status" and not (v is None or isinstance(v, str) and v):
                raise SpecError(f"{rid}.obs_status must be an OBS_STATUS code or null", where=where)
            elif k not in _RESERVED and k not in RULES[rid].params:
                known = ", ".join(RULES[rid].params) or "none"
                raise SpecError(f"unknown parameter {k!r} of rule {rid}", where=where, fix=f"parameters: {known}")
            elif k not in _RESERVED and not _same_kind(v, RULES[rid].params[k]):
                raise SpecError(f"{rid}.{k} must be {_kind(RULES[rid].params[k])}, not {_kind(v)}", where=where,
                                fix=f"e.g. {rid}: {{{k}: {RULES[rid].params[k]!r}}} (a YAML alias or anchor "
                                    "here copies a whole mapping or list)")
    return {rid: dict(s) for rid, s in overrides.items()}


def _kind(v: Any) -> str:
    if isinstance(v, bool):
        return "true or false"
    if isinstance(v, (int, float)):
        return "a number"
    return {str: "a text", list: "a list", dict: "a mapping"}.get(type(v), type(v).__name__)


def _same_kind(value: Any, default: Any) -> bool:
    """A parameter's value has the kind of its default (numbers are interchangeable; lists hold scalars)."""
    if default is None or isinstance(default, Mapping):
        return True
    if isinstance(default, list):
        return isinstance(value, list) and all(isinstance(x, (str, int, float)) for x in value)
    return _kind(value) == _kind(default)


@dataclass(frozen=True)
class RuleConfig:
    """Per-rule overrides at three levels: all data, per dataflow id, per source glob."""

    rules: Overrides = field(default_factory=dict)
    dataflows: dict[str, Overrides] = field(default_factory=dict)
    sources: dict[str, Overrides] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None, *, where: str = "rule config") -> RuleConfig:
        data = data or {}
        if not isinstance(data, Mapping):
            raise SpecError("the rule configuration must be a mapping", where=where)
        extra = set(data) - {"rules", "dataflows", "sources"}
        if extra:
            raise SpecError(f"unknown keys {sorted(extra)}", where=where, fix="use rules, dataflows, sources")
        return cls(rules=_check(data.get("rules"), f"{where}: rules"),
                   dataflows={k: _check(v, f"{where}: dataflows.{k}") for k, v in (data.get("dataflows") or {}).items()},
                   sources={k: _check(v, f"{where}: sources.{k}") for k, v in (data.get("sources") or {}).items()})

    @classmethod
    def from_yaml(cls, path: str | Path) -> RuleConfig:
        try:
            data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise SpecError(f"cannot read the rule configuration: {exc}", where=str(path)) from exc
        return cls.from_dict(data, where=str(path))

    def source_patterns(self, source: str) -> list[str]:
        """The ``sources`` globs that match a source path."""
        name = Path(source).name
        return [p for p in self.sources if fnmatch(source, p) or ("/" not in p and fnmatch(name, p))]

    def settings(self, rule_id: str, flow_id: str | None = None, source: str | None = None) -> RuleSettings:
        """Effective settings of ``rule_id`` for a dataflow and (optionally) a source."""
        rule = RULES[rule_id]
        layers = [self.rules.get(rule_id, {})]
        if flow_id is not None:
            layers.append(self.dataflows.get(flow_id, {}).get(rule_id, {}))
        if source is not None:
            layers += [self.sources[p].get(rule_id, {}) for p in self.source_patterns(source)]
        enabled, severity, params = True, rule.severity, dict(rule.params)
        outcome, status = rule.outcome, rule.flag_status
        for layer in layers:
            enabled = layer.get("enabled", enabled)
            severity = layer.get("severity", severity)
            outcome = layer.get("outcome", outcome)
            status = layer.get("obs_status", status)
            params = _merge(params, {k: v for k, v in layer.items() if k not in _RESERVED})
        return RuleSettings(enabled=enabled, severity=severity, params=params, outcome=outcome, obs_status=status)

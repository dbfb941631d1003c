"""Validation: structural checks against the DSD plus statistical rules, in one engine with one report.

>>> report = validate(frame, flow, config=RuleConfig.from_yaml("rules.yaml"), previous=last_release)
>>> print(report.summary()); report.write("out/")
>>> report.raise_for_errors()
"""

from .catalogue import RULES
from .config import RuleConfig, RuleSettings
from .engine import validate
from .report import FINDING_FIELDS, SCHEMA_VERSION, Report
from .rules import Rule

#: Ids of the rules that only check the data against the DSD (``validate(..., rules=STRUCTURAL)``).
STRUCTURAL = tuple(r.id for r in RULES.values() if r.family == "structural")

__all__ = ["FINDING_FIELDS", "RULES", "SCHEMA_VERSION", "STRUCTURAL", "Report", "Rule", "RuleConfig",
           "RuleSettings", "validate"]

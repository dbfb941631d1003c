"""The outcome of each source's latest run, kept in the store so that any worker can summarise them.

``STORE/.status/<part>.json`` says whether the part's last run published (or found nothing new) or
failed, at which step and why. The regional DAG and the all-countries DAG end with a summary of
these records, so one failing country is reported without blocking the others.
"""

from __future__ import annotations

import json
import os
import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

STATUS_DIR = ".status"


def record(store: Path, part: str, state: str, *, step: str, run_id: str, **details: Any) -> dict[str, Any]:
    """Write the part's status (replaced atomically) and return it."""
    folder = Path(store) / STATUS_DIR
    folder.mkdir(parents=True, exist_ok=True)
    entry = {"part": part, "state": state, "step": step, "run_id": run_id,
             "at": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"), **details}
    tmp = folder / f".{part}-{uuid.uuid4().hex}"
    tmp.write_text(json.dumps(entry, ensure_ascii=False, default=str), encoding="utf-8")
    os.replace(tmp, folder / f"{part}.json")
    return entry


def read(store: Path, part: str) -> dict[str, Any] | None:
    path = Path(store) / STATUS_DIR / f"{part}.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def summarise(store: Path, parts: list[str]) -> dict[str, Any]:
    """Published, failed and never-run parts among ``parts``, failures with their step and error."""
    entries = {p: read(store, p) for p in parts}
    failed = [e for e in entries.values() if e and e["state"] == "failed"]
    return {"published": sorted(p for p, e in entries.items() if e and e["state"] != "failed"),
            "failed": sorted(failed, key=lambda e: e["part"]),
            "not_run": sorted(p for p, e in entries.items() if e is None)}


def describe(summary: dict[str, Any]) -> str:
    """The summary as a few lines for logs and notifications."""
    lines = [f"{len(summary['published'])} published, {len(summary['failed'])} failed, "
             f"{len(summary['not_run'])} not run yet"]
    lines += [f"  FAILED {e['part']} at {e['step']}: {e.get('error', '').splitlines()[0] if e.get('error') else ''}"
              for e in summary["failed"]]
    if summary.get("config_errors"):
        lines.append(f"  CONFIGURATION ERRORS, nothing published for: {', '.join(summary['config_errors'])} "
                     "(see the config_error_* DAGs)")
    return "\n".join(lines)

"""Atom feeds (RFC 4287) announcing releases: one for the whole store, one per dataflow.

Each entry is one release, with links to its files (``enclosure``, typed and sized from the
manifest), to its manifest (``describedby``), to REST queries for its data and structure
(``alternate``, ``related``) and to the release it replaces (``predecessor-version``).
"""

from __future__ import annotations

from datetime import datetime, timezone

from lxml import etree

from .store import Release, Store

ATOM = "http://www.w3.org/2005/Atom"
A = f"{{{ATOM}}}"
#: entries in one feed document (newest first)
MAX_ENTRIES = 200


def _iso(t: datetime) -> str:
    return t.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _link(parent: etree._Element, href: str, rel: str, **attrs: str) -> None:
    etree.SubElement(parent, A + "link", href=href, rel=rel, **attrs)


def _text(parent: etree._Element, tag: str, text: str, **attrs: str) -> etree._Element:
    el = etree.SubElement(parent, A + tag, **attrs)
    el.text = text
    return el


def entry(release: Release, base: str) -> etree._Element:
    """The Atom entry announcing one release."""
    m = release.manifest
    df = release.dataflow
    e = etree.Element(A + "entry")
    _text(e, "id", f"{base}/releases/{release.agency}/{release.flow}/{release.id}/")
    _text(e, "title", f"{df.agency}:{df.id}({df.version}) release {release.id}")
    _text(e, "updated", _iso(release.created))
    _text(e, "published", _iso(release.created))
    rev = m.revisions or {}
    summary = f"{m.observations} observations"
    if rev:  # the revisions are those of the part this release published, against that part's past
        counts = ", ".join(f"{k} {v}" for k, v in rev.items() if k in ("new", "revised", "deleted", "unchanged"))
        since = "" if rev.get("previous_release") else " (its first publication)"
        summary += f"; part {m.part or '?'}{since}: {counts}"
    retired = m.extra.get("retired")
    if retired:
        summary += f"; retires part {retired['part']} ({retired['observations']} observations deleted): {retired['reason']}"
    if m.previous_release:
        summary += f"; replaces release {m.previous_release}"
    _text(e, "summary", summary)
    _text(e, "category", "", term=f"{df.agency}:{df.id}", label=df.id)
    flow_ref = f"{df.agency},{df.id},{df.version}"
    _link(e, f"{base}/sdmx/v1/data/{flow_ref}/all?release={release.id}", "alternate",
          type="application/vnd.sdmx.genericdata+xml;version=2.1", title="SDMX REST v1 data query for this release")
    _link(e, f"{base}/sdmx/v2/data/dataflow/{df.agency}/{df.id}/{df.version}/*?release={release.id}", "alternate",
          type="application/vnd.sdmx.data+xml;version=3.0.0", title="SDMX REST v2 data query for this release")
    _link(e, f"{base}/sdmx/v1/dataflow/{df.agency}/{df.id}/{df.version}?references=all", "related",
          type="application/vnd.sdmx.structure+xml;version=2.1", title="dataflow and its structures")
    files = f"{base}/releases/{release.agency}/{release.flow}/{release.id}"
    _link(e, f"{files}/manifest.json", "describedby", type="application/json", title="manifest")
    for f in release.files:
        _link(e, f"{files}/{f.path}", "enclosure", type=f.media_type, length=str(f.bytes), title=f.format)
    if m.previous_release:
        _link(e, f"{base}/releases/{release.agency}/{release.flow}/{m.previous_release}/manifest.json",
              "predecessor-version")
    return e


def feed(store: Store, base: str, self_url: str, flow: tuple[str, str] | None = None) -> bytes:
    """The Atom feed of every release (``flow=None``) or of one dataflow's releases, newest first."""
    flows = [flow] if flow else store.flows()
    releases = sorted((r for a, f in flows for r in store.releases(a, f)),
                      key=lambda r: (r.created, r.id), reverse=True)[:MAX_ENTRIES]
    root = etree.Element(A + "feed", nsmap={None: ATOM})
    _text(root, "id", self_url)
    _text(root, "title", f"Releases of {flow[0]}:{flow[1]}" if flow else "SDMX releases")
    _text(root, "updated", _iso(releases[0].created) if releases else "1970-01-01T00:00:00Z")
    author = etree.SubElement(root, A + "author")
    _text(author, "name", flow[0] if flow else "sdmx-publish")
    _text(root, "generator", "sdmx-publish")
    _link(root, self_url, "self", type="application/atom+xml")
    _link(root, f"{base}/sdmx/v1/dataflow/all/all/latest", "related",
          type="application/vnd.sdmx.structure+xml;version=2.1", title="all dataflows")
    root.extend(entry(r, base) for r in releases)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)

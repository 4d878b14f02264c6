"""Applying the stored lifecycle rules: expiring objects, moving them to colder classes and aborting old
multipart uploads, by the server's clock, as OSS does once a day (the embedded server sweeps every
`lifecycle_interval` seconds, and tests call `run` after moving the clock).

A rule applies when Enabled, to keys under its Prefix whose tags include every Tag it names (noncurrent
versions included). Days count from the object's last modification (or the upload's initiation);
CreatedBeforeDate (and the older Date) take what was modified before that day. Of several transitions
the coldest one due wins, and an object never moves to a warmer class. Expiring a current object in a
versioned bucket leaves a delete marker, as DeleteObject does. NoncurrentDays count from when a version
stopped being current (the next newer one's time): NoncurrentVersionExpiration deletes it for good,
NoncurrentVersionTransition moves it to a colder class, and ExpiredObjectDeleteMarker removes a delete
marker that no other version of its key is left under.
"""

from __future__ import annotations

import calendar
import time
from dataclasses import dataclass

from ossh.protocol import COLDNESS

from ..checks.tags import decode
from ..store.configs import TAGS_FIELD
from ..store.sweep import (
    buckets_with_config,
    noncurrent_under,
    objects_under,
    set_storage_class,
    set_version_class,
    uploads_before,
)
from ..wire.errors import OssServerError
from . import versioning

DAY = 86400


@dataclass
class Applied:
    expired: int = 0
    transitioned: int = 0
    aborted: int = 0


def _date(text: str) -> float:
    return calendar.timegm(time.strptime(text[:19], "%Y-%m-%dT%H:%M:%S"))


def _due(action: dict, since: float, now: float) -> bool:
    """Whether an action's time condition holds for something last modified (or initiated) at `since`."""
    if "Days" in action:
        return since <= now - int(action["Days"]) * DAY
    for name in ("CreatedBeforeDate", "Date"):
        if name in action:
            return since < _date(action[name])
    return False


def _colder(due: list[str], current: str | None) -> str | None:
    """The coldest class of the transitions due, if it is colder than where the object is now."""
    target = max(due, key=COLDNESS.__getitem__, default=None)
    return target if target is not None and COLDNESS[target] > COLDNESS.get(current, 0) else None


def _listed(rule: dict, name: str) -> list[dict]:
    value = rule.get(name)
    return [v for v in (value if isinstance(value, list) else [value]) if isinstance(v, dict)]


def _tags_match(rule: dict, headers: dict) -> bool:
    """Whether an object (or version) whose stored headers are `headers` carries every Tag the rule names."""
    wanted = {(t.get("Key") or "", t.get("Value") or "") for t in _listed(rule, "Tag")}
    if not wanted:
        return True
    try:
        have = set(decode(headers.get(TAGS_FIELD, "")))
    except OssServerError:
        return False
    return wanted <= have


def run(app, now: float | None = None) -> Applied:
    """Apply every bucket's Enabled rules once; returns what was done."""
    now = app.clock() if now is None else now
    applied = Applied()
    for bucket in buckets_with_config(app.store, "lifecycle"):
        doc = app.configs.document(bucket, "lifecycle") or {}
        for rule in _listed(doc, "Rule"):
            if rule.get("Status") == "Enabled":
                _apply_rule(app, bucket, rule, now, applied)
    return applied


def _apply_rule(app, bucket: str, rule: dict, now: float, applied: Applied) -> None:
    prefix = rule.get("Prefix") or ""
    expiration = next(iter(_listed(rule, "Expiration")), None)
    transitions = _listed(rule, "Transition")
    if expiration is not None or transitions:
        expire = []
        for record in objects_under(app.store, bucket, prefix):
            if not _tags_match(rule, record.attrs.headers):
                continue
            if expiration is not None and _due(expiration, record.mtime, now):
                expire.append(record.key)
                continue
            due = [t["StorageClass"] for t in transitions if _due(t, record.mtime, now)]
            target = _colder(due, record.attrs.storage_class)
            if target is not None:
                applied.transitioned += set_storage_class(app.store, record, target)
        for start in range(0, len(expire), 1000):
            applied.expired += versioning.delete_keys(app, bucket, expire[start : start + 1000])
    _apply_noncurrent(app, bucket, rule, now, applied)
    abort = next(iter(_listed(rule, "AbortMultipartUpload")), None)
    if abort is not None:
        cutoff = now - int(abort["Days"]) * DAY if "Days" in abort else _date(abort["CreatedBeforeDate"])
        for key, upload_id in uploads_before(app.store, bucket, prefix, cutoff):
            try:
                app.multipart.abort(bucket, key, upload_id)
                applied.aborted += 1
            except OssServerError:  # completed or aborted meanwhile
                pass


def _noncurrent_due(action: dict, since: float, now: float) -> bool:
    return since <= now - int(action["NoncurrentDays"]) * DAY


def _apply_noncurrent(app, bucket: str, rule: dict, now: float, applied: Applied) -> None:
    expiration = next(iter(_listed(rule, "NoncurrentVersionExpiration")), None)
    transitions = _listed(rule, "NoncurrentVersionTransition")
    current = next(iter(_listed(rule, "Expiration")), None) or {}
    markers = str(current.get("ExpiredObjectDeleteMarker", "")).lower() == "true"
    if expiration is None and not transitions and not markers:
        return
    remove, move = [], []
    for version in noncurrent_under(app.store, bucket, rule.get("Prefix") or ""):
        if version.marker:
            if markers and version.alone:  # a marker has no tags: tag filters do not hold it back
                remove.append((version.key, version.version_id))
            continue
        if not _tags_match(rule, version.headers):
            continue
        if expiration is not None and _noncurrent_due(expiration, version.since, now):
            remove.append((version.key, version.version_id))
            continue
        due = [t["StorageClass"] for t in transitions if _noncurrent_due(t, version.since, now)]
        target = _colder(due, version.storage_class)
        if target is not None:
            move.append((version, target))
    for version, target in move:
        applied.transitioned += set_version_class(app.store, bucket, version.key, version.version_id, target)
    for start in range(0, len(remove), 1000):
        applied.expired += versioning.delete_versions(app, bucket, remove[start : start + 1000])

"""Cold storage classes and RestoreObject.

An Archive, ColdArchive or DeepColdArchive object cannot be read until it is restored. A restore is a state
machine driven by the app's clock: RestoreObject records when the copy will be ready (now + the app's
`restore_delay`) and until when it stays readable (ready + Days); every answer derives the state from those
two instants and the clock, so nothing runs in the background and a test advances a fake clock instead of
sleeping. The two instants live in the object's stored headers under an internal name that never goes out.
"""

from __future__ import annotations

from ossh.client.auth import http_date
from ossh.protocol import COLD_CLASSES, RESTORE_MAX_DAYS, RESTORE_TIERS

from ..wire.errors import OssServerError, invalid_argument
from ..wire.message import Request, Response
from ..wire.xmlio import parse

RESTORE_KEY = "x-ossh-restore"  # "<ready at> <readable until> [tier]", unix seconds
DAY = 86400
DEFAULT_RESTORE_DELAY = 1.0  # seconds from RestoreObject until the copy is readable

FROZEN, ONGOING, RESTORED = "frozen", "ongoing", "restored"


def restore_state(record, now: float) -> tuple[str, float | None]:
    """(state, readable-until) of an object at `now`; a restored copy that expired is frozen again."""
    raw = record.attrs.headers.get(RESTORE_KEY)
    if not raw:
        return FROZEN, None
    ready, until = (float(x) for x in raw.split()[:2])
    if now < ready:
        return ONGOING, None
    return (RESTORED, until) if now < until else (FROZEN, None)


def restore_header(record, now: float) -> str | None:
    """The x-oss-restore value OSS sends (also the listing's RestoreInfo); None when no restore applies."""
    if record.attrs.storage_class not in COLD_CLASSES:
        return None
    state, until = restore_state(record, now)
    if state == ONGOING:
        return 'ongoing-request="true"'
    if state == RESTORED:
        return f'ongoing-request="false", expiry-date="{http_date(until)}"'
    return None


def restore_priority(record, now: float) -> str | None:
    """x-oss-object-restore-priority: the tier a cold archive object is (being) restored with."""
    raw = record.attrs.headers.get(RESTORE_KEY, "").split()
    if len(raw) < 3 or record.attrs.storage_class not in RESTORE_TIERS or restore_state(record, now)[0] == FROZEN:
        return None
    return raw[2]


def check_readable(app, record) -> None:
    """GET and copy of a cold object need a restored copy: InvalidObjectState otherwise, as on OSS."""
    if record.attrs.storage_class in COLD_CLASSES and restore_state(record, app.clock())[0] != RESTORED:
        raise OssServerError("InvalidObjectState", "The operation is not valid for the object's state.", Key=record.key)


def _request(req: Request, storage_class: str) -> tuple[int, str | None]:
    """(days, tier) from the optional RestoreRequest body."""
    body = req.body.read_all()
    if not body.strip():
        return 1, None
    doc = parse(body, "RestoreRequest")
    job = doc.get("JobParameters")
    if job is not None and storage_class not in RESTORE_TIERS:  # Archive has no tiers: OSS refuses the document
        raise OssServerError("MalformedXML", "JobParameters applies to ColdArchive and DeepColdArchive objects.")
    raw_days = str(doc.get("Days") or "1").strip()
    if not raw_days.isdigit() or not 1 <= int(raw_days) <= RESTORE_MAX_DAYS[storage_class]:
        raise invalid_argument(
            f"Days must be an integer between 1 and {RESTORE_MAX_DAYS[storage_class]}.", "Days", raw_days
        )
    tier = str(job.get("Tier") or "").strip() if isinstance(job, dict) else None
    if tier and tier not in RESTORE_TIERS[storage_class]:
        raise invalid_argument("The restore tier is not valid for this storage class.", "Tier", tier)
    return int(raw_days), tier or None


def restore_object(app, req: Request) -> Response:
    """202 when a restore starts; 200 when the object is already restored (its expiry moves to now + Days);
    RestoreAlreadyInProgress while one runs; OperationNotSupported for objects that need none."""
    from . import versioning  # it builds on this module

    record = versioning.require(app, req)
    storage_class = record.attrs.storage_class
    if storage_class not in COLD_CLASSES:
        raise OssServerError("OperationNotSupported", "The operation is not supported for this resource.", Key=req.key)
    days, tier = _request(req, storage_class)
    now = app.clock()
    state, _ = restore_state(record, now)
    if state == ONGOING:
        raise OssServerError("RestoreAlreadyInProgress", "The restore operation is in progress.", Key=req.key)
    ready = now if state == RESTORED else now + app.restore_delay
    tier = tier or "Standard"
    kept = f"{ready} {ready + days * DAY}" + (f" {tier}" if storage_class in RESTORE_TIERS else "")
    if "versionId" in req.params:
        versioning.set_headers(app, req, record.version_id, lambda headers: {**headers, RESTORE_KEY: kept})
    else:
        app.store.set_object_headers(req.bucket, req.key, record.body, {**record.attrs.headers, RESTORE_KEY: kept})
    headers = {"x-oss-object-restore-priority": tier} if storage_class in RESTORE_TIERS else {}
    headers.update(versioning.version_header(app, record))
    return Response(200 if state == RESTORED else 202, headers)

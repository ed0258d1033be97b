"""The domain's records: what the data layer returns and the services pass around."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Account:
    account_id: str
    role: str
    name: str
    phone: str
    email: str | None
    created_at: datetime
    region_ids: frozenset[str] = frozenset()
    base_ids: frozenset[str] = frozenset()
    home_region: str | None = None  # the region whose list opened it (its trainees')
    disabled: bool = False


@dataclass(frozen=True)
class Credential:
    phone: str
    account_id: str | None
    password_hash: str | None
    must_change_password: bool
    initial_expires_at: datetime | None
    disabled: bool = False
    sessions: dict[str, int] = field(default_factory=dict)  # token hash -> expiry, epoch seconds


@dataclass(frozen=True)
class Session:
    """Who is calling: everything authorisation needs, from one GetItem."""

    token_hash: str
    account_id: str
    role: str
    expires_at: datetime
    must_change_password: bool = False
    region_ids: frozenset[str] = frozenset()
    base_ids: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Programme:
    programme_id: str
    name: str
    kind: str
    academic_year: str
    demand_deadline: datetime
    roster_deadline: datetime
    registration_deadline: datetime
    outcome_window_days: int
    default_places: int
    created_at: datetime
    version: int = 1
    # A 国培 programme's (kind "guopei"): county lists close, training starts and ends.
    enrolment_deadline: datetime | None = None
    start_date: date | None = None
    end_date: date | None = None
    draft: bool = False  # not open yet: created with "draft": true, opened by POST …/open
    opened_at: datetime | None = None


@dataclass(frozen=True)
class Region:
    region_id: str
    name: str
    contact_account_id: str
    created_at: datetime
    contact_unit: str | None = None  # the contact's 单位 (a county admin's)


@dataclass(frozen=True)
class Base:
    base_id: str
    name: str
    city: str
    stages: frozenset[str]
    contact_account_id: str
    created_at: datetime


@dataclass(frozen=True)
class Batch:
    batch_id: str
    programme_id: str
    base_id: str
    stage: str
    start_date: date
    end_date: date
    capacity: int
    study_type: str
    lodging: bool
    created_at: datetime
    region_id: str | None = None
    demand_id: str | None = None
    trainee_count: int = 0
    roster_status: str = "open"
    confirmed_at: datetime | None = None
    registered_count: int = 0
    checkin_count: int = 0
    artifact_count: int = 0
    lodging_address: str | None = None
    lodging_notes: str | None = None
    offer_id: str | None = None  # held for an offer of the waiting list
    passed_regions: frozenset[str] = frozenset()  # gave it back or let its offer go
    sharing_count: int = 0
    reflection_count: int = 0  # its trainees' reflections (every piece but outcomes)
    outcome_trainees: int = 0  # its trainees with at least one outcome
    checked_in_trainees: int = 0  # its trainees who checked in at least once
    reflection_trainees: int = 0  # its trainees with at least one reflection
    uploader_trainees: int = 0  # its trainees with any piece at all


@dataclass(frozen=True)
class Quota:
    programme_id: str
    region_id: str
    places: int
    requested: int = 0


@dataclass(frozen=True)
class DemandLine:
    stage: str
    places: int
    remark: str | None = None


@dataclass(frozen=True)
class Demand:
    demand_id: str
    programme_id: str
    region_id: str
    study_type: str
    purpose: str
    items: tuple[DemandLine, ...]
    places: int
    submitted_at: datetime
    order_key: str = ""
    review: str = "pending"  # pending | approved | returned (the office's 审核)
    reason: str | None = None
    reviewed_at: datetime | None = None
    held_batches: int = 0


@dataclass(frozen=True)
class Trainee:
    trainee_id: str
    batch_id: str
    programme_id: str
    region_id: str
    base_id: str
    name: str
    gender: str
    phone: str
    unit: str
    team_role: str
    start_date: date
    end_date: date
    created_key: str
    position: str | None = None
    email: str | None = None
    subject: str | None = None
    account_id: str | None = None
    registered_at: datetime | None = None
    checkins: frozenset[str] = frozenset()
    artifact_count: int = 0
    reflection_count: int = 0  # reflections and insights
    outcome_count: int = 0
    feedback: str | None = None
    feedback_at: datetime | None = None


@dataclass(frozen=True)
class AuditEntry:
    subject_id: str  # a batch's id (its roster), or "account#<id>"
    actor_id: str
    action: str
    reason: str
    at: datetime
    before: str | None = None
    after: str | None = None


@dataclass(frozen=True)
class Export:
    export_id: str
    programme_id: str
    kind: str  # roster | archive | yearbook
    requested_by: str
    role: str
    status: str  # pending | ready | failed
    created_at: datetime
    region_id: str | None = None  # the scope: one region's, or every region's (None)
    s3_key: str | None = None
    attempts: int = 0
    error: str | None = None


@dataclass(frozen=True)
class Upload:
    upload_id: str
    account_id: str
    s3_key: str
    content_type: str
    status: str = "pending"  # pending | ready | rejected
    reason: str | None = None
    clean_key: str | None = None
    created_at: datetime | None = None


@dataclass(frozen=True)
class Artifact:
    artifact_id: str
    author_id: str
    author_name: str
    trainee_id: str
    batch_id: str
    programme_id: str
    programme_name: str
    region_id: str
    region_name: str
    base_id: str
    base_name: str
    stage: str
    start_date: date
    end_date: date
    kind: str
    title: str
    body: str
    image_ids: tuple[str, ...]
    version: int
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None = None
    featured: bool = False


@dataclass(frozen=True)
class Message:
    """One SMS or e-mail in the outbox. `redacted` replaces `text` once it is sent
    (credential messages: the password must not outlive its delivery)."""

    message_id: str
    channel: str
    purpose: str
    address: str
    text: str
    created_at: datetime
    account_id: str | None = None
    subject: str | None = None
    redacted: str | None = None
    status: str = "queued"
    attempts: int = 0
    not_before: datetime | None = None  # quiet hours: queued until the morning


@dataclass(frozen=True)
class BatchNote:
    """研修需求说明: a note between a batch's 团长 and its base contact."""

    note_id: str
    batch_id: str
    author_id: str
    author_role: str  # leader | base
    author_name: str
    text: str
    created_at: datetime


@dataclass(frozen=True)
class SharingReport:
    """分享报告: a trainee's report in its region after the batch, recorded by its contact."""

    trainee_id: str
    programme_id: str
    batch_id: str
    region_id: str
    held_on: date
    audience: int
    recorded_by: str
    recorded_at: datetime
    updated_at: datetime
    note: str | None = None
    image_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class Offer:
    """The waiting list's offer of a freed batch to one region (domain/waiting.py)."""

    offer_id: str
    batch_id: str
    programme_id: str
    region_id: str
    demand_id: str
    demand_key: str
    stage: str
    status: str  # open | accepted | declined | expired | withdrawn
    created_at: datetime
    expires_at: datetime
    answered_at: datetime | None = None


@dataclass
class Page(Generic[T]):
    """One page of a list: its items, and the cursor of the next page (None: the last)."""

    items: list[T] = field(default_factory=list)
    next_cursor: str | None = None


# --- 国培 (domain/enrolment.py's rules) ------------------------------------------------------


@dataclass(frozen=True)
class Enrolment:
    """A person on a county's list: the form's cells, the ID number sealed (`id_sealed`),
    masked (`id_masked`) and as its keyed digest (`id_digest`, the blind index)."""

    enrolment_id: str
    programme_id: str
    region_id: str
    name: str
    id_sealed: str
    id_masked: str
    id_digest: str
    city: str
    county: str
    unit: str
    title: str
    phone: str
    qq: str
    stage: str
    subject: str
    campus: str
    role: str
    created_at: datetime
    created_key: str
    position: str | None = None
    email: str | None = None
    account_id: str | None = None
    import_id: str | None = None
    row: int | None = None
    updated_at: datetime | None = None


@dataclass(frozen=True)
class County:
    """A county's tally in a programme (its quota item): places, trainees held (reserved
    or enrolled), people listed, and whether its admin confirmed the list."""

    programme_id: str
    region_id: str
    places: int
    trainees: int = 0
    listed: int = 0
    listed_trainees: int = 0
    confirmed_at: datetime | None = None
    reserved_until: datetime | None = None

    @property
    def confirmed(self) -> bool:
        return self.confirmed_at is not None


@dataclass(frozen=True)
class EnrolmentImport:
    """A file previewed for a county: whose, which checked file, what the preview found."""

    import_id: str
    programme_id: str
    region_id: str
    account_id: str
    upload_id: str
    s3_key: str
    file_sha256: str
    rows: int
    valid: int
    new: int
    error_count: int
    created_at: datetime
    committed_at: datetime | None = None
    committed: int | None = None

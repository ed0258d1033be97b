"""PynamoDB models, one per table, each with its access patterns.

Every request path is served by GetItem, Query or a transaction; none by Scan. Table names
come from config.settings(); infra/template.json defines the same keys and indexes
(tests/unit/test_infra_agrees.py holds the two together).
"""

from __future__ import annotations

from typing import Any, cast

from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    NumberSetAttribute,
    TTLAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
    UTCDateTimeAttribute,
    VersionAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from chalicelib.config import AWS_CONNECT_TIMEOUT, AWS_READ_TIMEOUT, SDK_ATTEMPTS, settings
from chalicelib.domain.vocab import Stage

_S = settings()


class _TableMeta:
    region = _S.aws_region
    billing_mode = "PAY_PER_REQUEST"
    # PynamoDB's retry configuration "LEGACY" is botocore's standard mode with these attempts.
    connect_timeout_seconds = AWS_CONNECT_TIMEOUT
    read_timeout_seconds = AWS_READ_TIMEOUT
    max_retry_attempts = SDK_ATTEMPTS - 1


class _IndexMeta:
    projection = AllProjection()
    billing_mode = "PAY_PER_REQUEST"


class ListingIndex(GlobalSecondaryIndex["Model"]):
    """Lists every item of a small, whole-table listing (programmes, regions, bases) by
    Query on one constant partition, oldest first: their counts are in the hundreds."""

    class Meta(_IndexMeta):
        index_name = "listing"

    listing = UnicodeAttribute(hash_key=True)
    listed_at = UnicodeAttribute(range_key=True)


class AccountsByName(GlobalSecondaryIndex["AccountModel"]):
    """Every account by name (the office's 账号管理: a name's first characters find it)."""

    class Meta(_IndexMeta):
        index_name = "by_name"

    listing = UnicodeAttribute(hash_key=True)
    name_key = UnicodeAttribute(range_key=True)


class AccountsByRole(GlobalSecondaryIndex["AccountModel"]):
    """One role's accounts by name (the office's list filtered by role)."""

    class Meta(_IndexMeta):
        index_name = "by_role"

    role = UnicodeAttribute(hash_key=True)
    name_key = UnicodeAttribute(range_key=True)


class AccountsByHomeRegion(GlobalSecondaryIndex["AccountModel"]):
    """The people a region's confirmation gave accounts (its trainees), by name: a region
    contact's 账号管理. Sparse: contacts and admins have no home region."""

    class Meta(_IndexMeta):
        index_name = "by_home_region"

    home_region = UnicodeAttribute(hash_key=True)
    name_key = UnicodeAttribute(range_key=True)


class AccountModel(Model):
    """A person who logs in. Get by account_id (sessions hold it); list by name, by role or by
    home region (name_key = "<name>#<account_id>")."""

    class Meta(_TableMeta):
        table_name = _S.table_names["accounts"]

    account_id = UnicodeAttribute(hash_key=True)
    role = UnicodeAttribute()
    name = UnicodeAttribute()
    phone = UnicodeAttribute()
    email = UnicodeAttribute(null=True)
    # A region contact may serve more than one region (API.md: the account is reused).
    region_ids = UnicodeSetAttribute(null=True)
    base_ids = UnicodeSetAttribute(null=True)
    # The region whose roster (or county list) opened the account: whose contact may reissue it.
    home_region = UnicodeAttribute(null=True)
    disabled = BooleanAttribute(default=False)
    created_at = UTCDateTimeAttribute()
    listing = UnicodeAttribute(default="account")
    name_key = UnicodeAttribute()
    by_name = AccountsByName()
    by_role = AccountsByRole()
    by_home_region = AccountsByHomeRegion()


class CredentialModel(Model):
    """The login record of one phone with an account: the uniqueness guard of phones
    (created with attribute_not_exists(account_id)), the password hash, and whether the
    office disabled the account. Get by phone at login (with the phone's login counter, in
    one TransactGetItems). The failure counters live in `counters` (login#<phone>), with a
    TTL, for unknown phones too: an unknown phone and a wrong password answer alike."""

    class Meta(_TableMeta):
        table_name = _S.table_names["credentials"]

    phone = UnicodeAttribute(hash_key=True)
    account_id = UnicodeAttribute(null=True)
    password_hash = UnicodeAttribute(null=True)
    must_change_password = BooleanAttribute(default=False)
    initial_expires_at = UTCDateTimeAttribute(null=True)
    disabled = BooleanAttribute(default=False)
    # The account's live sessions: token hash -> expiry (epoch seconds). Written in the login's
    # transaction, read strongly to end them all: no index that may lag decides which go.
    sessions = MapAttribute[str, Any](null=True)  # type: ignore[no-untyped-call]


class SessionModel(Model):
    """An opaque token's SHA-256 and what every request needs to authorise: one GetItem.
    TTL on `expires_at` (checked on read too: TTL deletes late)."""

    class Meta(_TableMeta):
        table_name = _S.table_names["sessions"]

    token_hash = UnicodeAttribute(hash_key=True)
    account_id = UnicodeAttribute()
    role = UnicodeAttribute()
    region_ids = UnicodeSetAttribute(null=True)
    base_ids = UnicodeSetAttribute(null=True)
    must_change_password = BooleanAttribute(default=False)
    expires_at = TTLAttribute()


class ProgrammeModel(Model):
    """One academic year of one kind. Get by id; list by the listing index."""

    class Meta(_TableMeta):
        table_name = _S.table_names["programmes"]

    programme_id = UnicodeAttribute(hash_key=True)
    name = UnicodeAttribute()
    kind = UnicodeAttribute()
    academic_year = UnicodeAttribute()
    demand_deadline = UTCDateTimeAttribute()
    roster_deadline = UTCDateTimeAttribute()
    registration_deadline = UTCDateTimeAttribute()
    outcome_window_days = NumberAttribute()
    default_places = NumberAttribute()
    created_at = UTCDateTimeAttribute()
    # A 国培 programme's own dates (its demand, roster and registration deadlines are its
    # creation: it has none of those steps)
    enrolment_deadline = UTCDateTimeAttribute(null=True)
    start_date = UnicodeAttribute(null=True)
    end_date = UnicodeAttribute(null=True)
    # A draft is not open yet (no demand, no reminders); opened_at: when every region's
    # contact was told it opened.
    draft = BooleanAttribute(null=True)
    opened_at = UTCDateTimeAttribute(null=True)
    listing = UnicodeAttribute(default="programme")
    listed_at = UnicodeAttribute()
    version = VersionAttribute()
    by_listing = ListingIndex()


class RegionModel(Model):
    """An experimental region (a county in a 国培 programme). Get by id; list by listing."""

    class Meta(_TableMeta):
        table_name = _S.table_names["regions"]

    region_id = UnicodeAttribute(hash_key=True)
    name = UnicodeAttribute()
    contact_account_id = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()
    # The contact's 单位 (a county admin's, on the 学员信息表's admin row)
    contact_unit = UnicodeAttribute(null=True)
    listing = UnicodeAttribute(default="region")
    listed_at = UnicodeAttribute()
    by_listing = ListingIndex()


class BaseModel_(Model):
    """A training base (host school). Get by id; list by listing."""

    class Meta(_TableMeta):
        table_name = _S.table_names["bases"]

    base_id = UnicodeAttribute(hash_key=True)
    name = UnicodeAttribute()
    city = UnicodeAttribute()
    stages = UnicodeSetAttribute()
    contact_account_id = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()
    listing = UnicodeAttribute(default="base")
    listed_at = UnicodeAttribute()
    by_listing = ListingIndex()


class BatchesByProgramme(GlobalSecondaryIndex["BatchModel"]):
    """Query a programme's batches, optionally one stage (begins_with on stage_key)."""

    class Meta(_IndexMeta):
        index_name = "by_programme"

    programme_id = UnicodeAttribute(hash_key=True)
    stage_key = UnicodeAttribute(range_key=True)


class BatchesByRegion(GlobalSecondaryIndex["BatchModel"]):
    """Query a region's allocated batches in a programme (sparse: unallocated batches are absent)."""

    class Meta(_IndexMeta):
        index_name = "by_region"

    region_id = UnicodeAttribute(hash_key=True)
    programme_stage_key = UnicodeAttribute(range_key=True)


class BatchesByBase(GlobalSecondaryIndex["BatchModel"]):
    """Query the batches at one base, by start date (the base contact's view)."""

    class Meta(_IndexMeta):
        index_name = "by_base"

    base_id = UnicodeAttribute(hash_key=True)
    start_date = UnicodeAttribute(range_key=True)


class BatchesAwaitingRoster(GlobalSecondaryIndex["BatchModel"]):
    """Sparse: an allocated batch carries `awaiting_roster` (= the programme id) until its
    roster is confirmed; the roster reminder queries exactly those."""

    class Meta(_IndexMeta):
        index_name = "awaiting_roster"

    awaiting_roster = UnicodeAttribute(hash_key=True)
    batch_id = UnicodeAttribute(range_key=True)


class BatchModel(Model):
    """A base, a stage, two weeks of dates, a capacity. trainee_count is kept with the
    roster writes (a counter under a condition), not counted by reading."""

    class Meta(_TableMeta):
        table_name = _S.table_names["batches"]

    batch_id = UnicodeAttribute(hash_key=True)
    programme_id = UnicodeAttribute()
    base_id = UnicodeAttribute()
    stage = UnicodeAttribute()
    start_date = UnicodeAttribute()
    end_date = UnicodeAttribute()
    capacity = NumberAttribute()
    study_type = UnicodeAttribute()
    lodging = BooleanAttribute(default=False)
    lodging_address = UnicodeAttribute(null=True)
    lodging_notes = UnicodeAttribute(null=True)
    region_id = UnicodeAttribute(null=True)
    # The demand this batch was allocated for (the allocation counts an item's batches by it).
    demand_id = UnicodeAttribute(null=True)
    trainee_count = NumberAttribute(default=0)
    # open | confirmed (the region contact's 最终确认 locks the roster)
    roster_status = UnicodeAttribute(default="open")
    confirmed_at = UTCDateTimeAttribute(null=True)
    # Archive counters, kept with the writes: trainees registered, check-in trainee-days.
    registered_count = NumberAttribute(default=0)
    checkin_count = NumberAttribute(default=0)
    artifact_count = NumberAttribute(default=0)
    awaiting_roster = UnicodeAttribute(null=True)
    created_at = UTCDateTimeAttribute()
    # The waiting list: the offer this free batch is held for (nobody else may take it
    # meanwhile), and the regions that gave it back or let an offer of it go.
    offer_id = UnicodeAttribute(null=True)
    passed_regions = UnicodeSetAttribute(null=True)
    # 分享报告 recorded for its trainees and 研修需求说明 notes, kept with those writes.
    sharing_count = NumberAttribute(null=True)
    note_count = NumberAttribute(null=True)
    # The year-end evaluation's, kept with the artifact writes (db/artifacts.py): its trainees'
    # reflections (every piece but outcomes), and its trainees with at least one outcome.
    reflection_count = NumberAttribute(null=True)
    outcome_trainees = NumberAttribute(null=True)
    # The office's funnel and archive, kept with the same writes: its trainees who checked in
    # at least once, wrote at least one reflection, and uploaded anything at all.
    checked_in_trainees = NumberAttribute(null=True)
    reflection_trainees = NumberAttribute(null=True)
    uploader_trainees = NumberAttribute(null=True)
    # "<stage>#<start_date>#<batch_id>": sorts a programme's batches by stage, then date.
    stage_key = UnicodeAttribute()
    # "<programme_id>#<stage>#<start_date>#<batch_id>", set only while allocated.
    programme_stage_key = UnicodeAttribute(null=True)
    by_programme = BatchesByProgramme()
    by_region = BatchesByRegion()
    by_base = BatchesByBase()
    by_awaiting_roster = BatchesAwaitingRoster()


class QuotasAwaitingDemand(GlobalSecondaryIndex["QuotaModel"]):
    """Sparse: a region's tally carries `awaiting_demand` (= the programme id) until its
    first demand; the demand reminder queries exactly the regions that have not asked."""

    class Meta(_IndexMeta):
        index_name = "awaiting_demand"

    awaiting_demand = UnicodeAttribute(hash_key=True)
    region_id = UnicodeAttribute(range_key=True)


class QuotasAwaitingEnrolment(GlobalSecondaryIndex["QuotaModel"]):
    """Sparse: a 国培 county's tally carries `awaiting_enrolment` (= the programme id) from
    its quota until its admin confirms the list; the enrolment reminder queries exactly those."""

    class Meta(_IndexMeta):
        index_name = "awaiting_enrolment"

    awaiting_enrolment = UnicodeAttribute(hash_key=True)
    region_id = UnicodeAttribute(range_key=True)


class QuotaModel(Model):
    """Tallies of a programme, one item per region and one per stage (region_id "#stage#<stage>").

    A region's item: `places` is its quota, `requested` what its demands asked for, and
    `remaining` = places − requested. A demand lowers `remaining` under the condition
    remaining >= n, so two demands at once can never pass the quota together.
    A stage's item: `places` is the capacity of the stage's batches, `requested` what all
    regions asked for, `remaining` the difference (the demand form's open places), and
    `batch_days` the lengths of its batches (the check-in reminder's look-ahead).
    Get or BatchGet by (programme_id, region_id)."""

    class Meta(_TableMeta):
        table_name = _S.table_names["quotas"]

    programme_id = UnicodeAttribute(hash_key=True)
    region_id = UnicodeAttribute(range_key=True)
    places = NumberAttribute(null=True)
    requested = NumberAttribute(null=True)
    remaining = NumberAttribute(null=True)
    updated_at = UTCDateTimeAttribute(null=True)
    awaiting_demand = UnicodeAttribute(null=True)
    batch_days = NumberSetAttribute(null=True)
    # A region's places given as 研训名额奖励 (part of `places`; the ledger shows them apart).
    reward_places = NumberAttribute(null=True)
    by_awaiting_demand = QuotasAwaitingDemand()
    # A 国培 county (db/enrolments.py): `requested` is its trainees (reserved or enrolled),
    # `remaining` the places left; `listed` the people on its list and `listed_trainees` the
    # trainees among them (a reservation not yet written is requested - listed_trainees);
    # `reserved_until` when the last commit's reservation is written or given up;
    # `enrolment_confirmed_at` once its admin closed the list.
    listed = NumberAttribute(null=True)
    listed_trainees = NumberAttribute(null=True)
    reserved_until = UTCDateTimeAttribute(null=True)
    enrolment_confirmed_at = UTCDateTimeAttribute(null=True)
    awaiting_enrolment = UnicodeAttribute(null=True)
    by_awaiting_enrolment = QuotasAwaitingEnrolment()


class DemandsByRegion(GlobalSecondaryIndex["DemandModel"]):
    """Query one region's demands in one programme, oldest first."""

    class Meta(_IndexMeta):
        index_name = "by_region"

    region_key = UnicodeAttribute(hash_key=True)
    demand_key = UnicodeAttribute(range_key=True)


class DemandsById(GlobalSecondaryIndex["DemandModel"]):
    """Get one demand by its id (the office's review, a batch's demand for its base)."""

    class Meta(_IndexMeta):
        index_name = "by_id"

    demand_id = UnicodeAttribute(hash_key=True)


class DemandItemMap(MapAttribute[str, object]):
    stage = UnicodeAttribute()
    places = NumberAttribute()
    remark = UnicodeAttribute(null=True)


class DemandModel(Model):
    """A region's request for places. Query a programme's demands oldest first (the sort key
    is the server's submitted_at, then the demand id: a stable tie-breaker); a region's by
    the by_region index."""

    class Meta(_TableMeta):
        table_name = _S.table_names["demands"]

    programme_id = UnicodeAttribute(hash_key=True)
    demand_key = UnicodeAttribute(range_key=True)
    demand_id = UnicodeAttribute()
    region_id = UnicodeAttribute()
    region_key = UnicodeAttribute()
    study_type = UnicodeAttribute()
    purpose = UnicodeAttribute()
    items = ListAttribute(of=DemandItemMap)
    places = NumberAttribute()
    submitted_at = UTCDateTimeAttribute()
    submitted_by = UnicodeAttribute()
    # The office's review (审核): pending (absent) | approved | returned, with the reason.
    review = UnicodeAttribute(null=True)
    reason = UnicodeAttribute(null=True)
    reviewed_at = UTCDateTimeAttribute(null=True)
    reviewed_by = UnicodeAttribute(null=True)
    # Batches given to it, kept with the allocation's writes: a demand holding one is not returned.
    held_batches = NumberAttribute(null=True)
    # Their seats per 学段 (seats_<stage>), kept with the same writes: the waiting list's accept
    # is refused once the line has what it asked for.
    seats_kindergarten = NumberAttribute(null=True)
    seats_primary = NumberAttribute(null=True)
    seats_junior = NumberAttribute(null=True)
    seats_senior = NumberAttribute(null=True)
    # The waiting list's offers open to it, kept with the offers' writes: a return closes them all.
    open_offers = NumberAttribute(null=True)
    by_region = DemandsByRegion()
    by_id = DemandsById()

    @classmethod
    def seats_of(cls, stage: str) -> NumberAttribute:
        """The seats_<stage> counter."""
        return cast(NumberAttribute, getattr(cls, f"seats_{Stage(stage).value}"))


class TraineesByBatch(GlobalSecondaryIndex["TraineeModel"]):
    """Query a batch's roster, in the order the trainees were added."""

    class Meta(_IndexMeta):
        index_name = "by_batch"

    batch_id = UnicodeAttribute(hash_key=True)
    created_key = UnicodeAttribute(range_key=True)


class TraineesByAccount(GlobalSecondaryIndex["TraineeModel"]):
    """Query a trainee account's places on rosters (sparse: set on roster confirmation)."""

    class Meta(_IndexMeta):
        index_name = "by_account"

    account_id = UnicodeAttribute(hash_key=True)
    start_date = UnicodeAttribute(range_key=True)


class TraineesByBase(GlobalSecondaryIndex["TraineeModel"]):
    """Query everyone coming to one base (the base contact's view), by start date."""

    class Meta(_IndexMeta):
        index_name = "by_base"

    base_id = UnicodeAttribute(hash_key=True)
    start_date = UnicodeAttribute(range_key=True)


class TraineesByProgramme(GlobalSecondaryIndex["TraineeModel"]):
    """Query a programme's trainees by the last day of their batch: the check-in and outcome
    reminders (end dates from today on / one exact day) and the year-end evaluation."""

    class Meta(_IndexMeta):
        index_name = "by_programme"

    programme_id = UnicodeAttribute(hash_key=True)
    end_key = UnicodeAttribute(range_key=True)


class TraineesAwaitingRegistration(GlobalSecondaryIndex["TraineeModel"]):
    """Sparse: a trainee with an account carries `awaiting_registration` (= the programme id)
    until registering; the registration reminder queries exactly those."""

    class Meta(_IndexMeta):
        index_name = "awaiting_registration"

    awaiting_registration = UnicodeAttribute(hash_key=True)
    trainee_id = UnicodeAttribute(range_key=True)


class TraineeModel(Model):
    """A person on a batch's roster. Counters of the archive (check-in days, artifacts)
    are kept on the item with the writes; the batch keeps the batch's totals."""

    class Meta(_TableMeta):
        table_name = _S.table_names["trainees"]

    trainee_id = UnicodeAttribute(hash_key=True)
    batch_id = UnicodeAttribute()
    programme_id = UnicodeAttribute()
    region_id = UnicodeAttribute()
    base_id = UnicodeAttribute()
    account_id = UnicodeAttribute(null=True)
    name = UnicodeAttribute()
    gender = UnicodeAttribute()
    position = UnicodeAttribute(null=True)
    phone = UnicodeAttribute()
    email = UnicodeAttribute(null=True)
    unit = UnicodeAttribute()
    subject = UnicodeAttribute(null=True)
    team_role = UnicodeAttribute()
    start_date = UnicodeAttribute()
    end_date = UnicodeAttribute()
    registered_at = UTCDateTimeAttribute(null=True)
    checkins = UnicodeSetAttribute(null=True)
    artifact_count = NumberAttribute(default=0)
    reflection_count = NumberAttribute(default=0)
    outcome_count = NumberAttribute(default=0)
    end_key = UnicodeAttribute()
    awaiting_registration = UnicodeAttribute(null=True)
    feedback = UnicodeAttribute(null=True)
    feedback_at = UTCDateTimeAttribute(null=True)
    created_key = UnicodeAttribute()
    by_batch = TraineesByBatch()
    by_account = TraineesByAccount()
    by_base = TraineesByBase()
    by_programme = TraineesByProgramme()
    by_awaiting_registration = TraineesAwaitingRegistration()


class ClaimModel(Model):
    """Uniqueness guards, claimed with attribute_not_exists inside the writing transaction:
    "phone-day#<phone>#<date>" (a phone on one roster per day: no overlapping batches, no
    phone twice in a batch), "leader#<batch_id>" (one team leader per batch), "region-name#…"
    and "base-name#…" (one region or base per name), a reminder's once-a-day claim.
    GetItem by key on a failed claim, to say whose it is. TTL on `expires_at`: a claim that
    guards a day or a batch goes a year after it, a reminder's after a month; a name's and a
    programme's reward claim guard what is kept for good, and never go."""

    class Meta(_TableMeta):
        table_name = _S.table_names["claims"]

    claim_key = UnicodeAttribute(hash_key=True)
    owner = UnicodeAttribute()
    batch_id = UnicodeAttribute(null=True)
    expires_at = TTLAttribute(null=True)


class CounterModel(Model):
    """Counters: SMS per phone per day ("sms#<phone>#<day>", raised with ADD under the
    condition count < cap) and a phone's login failures ("login#<phone>": failures in the
    window, when the window began, how long the next try must wait; replaced by compare and
    set). GetItem/UpdateItem by key. TTL on `expires_at`: a day's count goes after the day,
    a login counter after its window."""

    class Meta(_TableMeta):
        table_name = _S.table_names["counters"]

    counter_key = UnicodeAttribute(hash_key=True)
    value = NumberAttribute(default=0)
    failures = NumberAttribute(null=True)
    window_started_at = UTCDateTimeAttribute(null=True)
    locked_until = UTCDateTimeAttribute(null=True)
    expires_at = TTLAttribute(null=True)


class ResetCodeModel(Model):
    """A password-reset code sent by SMS: its salted hash, the tries left, when it was sent
    (one a minute per phone). Put under a condition, GetItem and UpdateItem by phone; TTL on
    `expires_at` (checked on read too)."""

    class Meta(_TableMeta):
        table_name = _S.table_names["reset_codes"]

    phone = UnicodeAttribute(hash_key=True)
    code_hash = UnicodeAttribute()
    tries_left = NumberAttribute()
    sent_at = UTCDateTimeAttribute()
    expires_at = TTLAttribute()


class IdempotencyModel(Model):
    """The first answer to a write carrying an Idempotency-Key, by (caller, route, key).
    While the first request runs, `in_progress_until` is its function's deadline: a request
    that died with its Lambda blocks the key no longer than that. TTL on `expires_at`."""

    class Meta(_TableMeta):
        table_name = _S.table_names["idempotency"]

    idem_key = UnicodeAttribute(hash_key=True)
    body_hash = UnicodeAttribute()
    response_status = NumberAttribute(null=True)
    response_body = UnicodeAttribute(null=True)
    in_progress_until = UTCDateTimeAttribute(null=True)
    expires_at = TTLAttribute()


class AuditModel(Model):
    """Who did what, when, why, before and after: changes to a confirmed roster (subject: the
    batch id), credentials reissued and accounts disabled ("account#<id>"), an ID number
    revealed. Query by subject, oldest first."""

    class Meta(_TableMeta):
        table_name = _S.table_names["audit"]

    subject_id = UnicodeAttribute(hash_key=True)
    at_key = UnicodeAttribute(range_key=True)
    actor_id = UnicodeAttribute()
    action = UnicodeAttribute()
    reason = UnicodeAttribute()
    before = UnicodeAttribute(null=True)
    after = UnicodeAttribute(null=True)
    at = UTCDateTimeAttribute()


class ExportsPending(GlobalSecondaryIndex["ExportModel"]):
    """Sparse: exports still to build (the yearbook job queries them)."""

    class Meta(_IndexMeta):
        index_name = "pending"

    pending = UnicodeAttribute(hash_key=True)
    created_key = UnicodeAttribute(range_key=True)


class ExportModel(Model):
    """An export (roster, archive, yearbook) written to S3, for the scope it was asked for
    (`region_id`: one region's, or every region's when None; `role`: what the asker may see).
    Get by id; UpdateItem under a condition to lease it for one build."""

    class Meta(_TableMeta):
        table_name = _S.table_names["exports"]

    export_id = UnicodeAttribute(hash_key=True)
    programme_id = UnicodeAttribute()
    kind = UnicodeAttribute()
    requested_by = UnicodeAttribute()
    role = UnicodeAttribute()
    region_id = UnicodeAttribute(null=True)
    status = UnicodeAttribute()  # pending | ready | failed
    s3_key = UnicodeAttribute(null=True)
    created_at = UTCDateTimeAttribute()
    created_key = UnicodeAttribute(null=True)
    pending = UnicodeAttribute(null=True)
    # A builder's lease (key_time): of two builders that read it pending, one builds.
    lease_until = UnicodeAttribute(null=True)
    attempts = NumberAttribute(default=0)
    error = UnicodeAttribute(null=True)
    by_pending = ExportsPending()


class ArtifactsByAuthor(GlobalSecondaryIndex["ArtifactModel"]):
    """Query one author's artifacts, newest first (GET /me/artifacts: one Query)."""

    class Meta(_IndexMeta):
        index_name = "by_author"

    author_id = UnicodeAttribute(hash_key=True)
    created_key = UnicodeAttribute(range_key=True)


class ArtifactsFeatured(GlobalSecondaryIndex["ArtifactModel"]):
    """Sparse: only featured artifacts carry `featured`; the showcase is one Query
    (begins_with the programme id to filter by programme)."""

    class Meta(_IndexMeta):
        index_name = "featured"

    featured = UnicodeAttribute(hash_key=True)
    featured_key = UnicodeAttribute(range_key=True)


class ArtifactsByProgramme(GlobalSecondaryIndex["ArtifactModel"]):
    """Query a programme's artifacts of one kind by stage and base (the yearbook)."""

    class Meta(_IndexMeta):
        index_name = "by_programme"

    programme_id = UnicodeAttribute(hash_key=True)
    programme_key = UnicodeAttribute(range_key=True)


class ArtifactsByBatch(GlobalSecondaryIndex["ArtifactModel"]):
    """Query one batch's artifacts, oldest first (the batch's archive: who wrote what)."""

    class Meta(_IndexMeta):
        index_name = "by_batch"

    batch_id = UnicodeAttribute(hash_key=True)
    created_key = UnicodeAttribute(range_key=True)


class ArtifactModel(Model):
    """A reflection, insight or outcome. What its lists show (programme, dates, author and
    region names) is copied in at creation, so each list is one Query. `version` rises by
    one per modification, under the condition that it is the version the writer read."""

    class Meta(_TableMeta):
        table_name = _S.table_names["artifacts"]

    artifact_id = UnicodeAttribute(hash_key=True)
    author_id = UnicodeAttribute()
    author_name = UnicodeAttribute()
    trainee_id = UnicodeAttribute()
    batch_id = UnicodeAttribute()
    programme_id = UnicodeAttribute()
    programme_name = UnicodeAttribute()
    region_id = UnicodeAttribute()
    region_name = UnicodeAttribute()
    base_id = UnicodeAttribute()
    base_name = UnicodeAttribute()
    stage = UnicodeAttribute()
    start_date = UnicodeAttribute()
    end_date = UnicodeAttribute()
    kind = UnicodeAttribute()
    title = UnicodeAttribute()
    body = UnicodeAttribute()
    image_ids = ListAttribute(of=UnicodeAttribute, null=True)
    version = NumberAttribute()
    created_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()
    created_key = UnicodeAttribute()
    programme_key = UnicodeAttribute()
    deleted_at = UTCDateTimeAttribute(null=True)
    featured = UnicodeAttribute(null=True)
    featured_key = UnicodeAttribute(null=True)
    by_author = ArtifactsByAuthor()
    by_featured = ArtifactsFeatured()
    by_programme = ArtifactsByProgramme()
    by_batch = ArtifactsByBatch()


class ArtifactVersionModel(Model):
    """The earlier versions of an artifact, kept on each modification. Query by artifact."""

    class Meta(_TableMeta):
        table_name = _S.table_names["artifact_versions"]

    artifact_id = UnicodeAttribute(hash_key=True)
    version = NumberAttribute(range_key=True)
    title = UnicodeAttribute()
    body = UnicodeAttribute()
    image_ids = ListAttribute(of=UnicodeAttribute, null=True)
    saved_at = UTCDateTimeAttribute()


class UploadsPending(GlobalSecondaryIndex["UploadModel"]):
    """Sparse: uploads not yet checked (local mode's run-job, and stragglers)."""

    class Meta(_IndexMeta):
        index_name = "pending"

    pending = UnicodeAttribute(hash_key=True)
    created_key = UnicodeAttribute(range_key=True)


class UploadModel(Model):
    """One image upload: presigned POST to `uploads/<account>/<id>`, checked by the S3 event
    handler, then `ready` (clean copy under `clean/`) or `rejected` (moved to `quarantine/`)."""

    class Meta(_TableMeta):
        table_name = _S.table_names["uploads"]

    upload_id = UnicodeAttribute(hash_key=True)
    account_id = UnicodeAttribute()
    s3_key = UnicodeAttribute()
    content_type = UnicodeAttribute()
    status = UnicodeAttribute()  # pending | ready | rejected
    reason = UnicodeAttribute(null=True)
    clean_key = UnicodeAttribute(null=True)
    width = NumberAttribute(null=True)
    height = NumberAttribute(null=True)
    created_key = UnicodeAttribute()
    pending = UnicodeAttribute(null=True)
    by_pending = UploadsPending()


class OutboxByStatus(GlobalSecondaryIndex["NotificationModel"]):
    """Sparse: only messages still to send carry `queue`; the drain job queries due ones."""

    class Meta(_IndexMeta):
        index_name = "by_queue"

    queue = UnicodeAttribute(hash_key=True)
    next_attempt_at = UnicodeAttribute(range_key=True)


class NotificationModel(Model):
    """One SMS or e-mail, recorded before it is sent (the outbox). A message with a secret
    (credentials, a reset code) keeps its text sealed (KMS envelope, adapters/crypto.py) and
    only until sent; then `text` is replaced by `redacted`."""

    class Meta(_TableMeta):
        table_name = _S.table_names["notifications"]

    message_id = UnicodeAttribute(hash_key=True)
    channel = UnicodeAttribute()  # sms | email
    purpose = UnicodeAttribute()
    account_id = UnicodeAttribute(null=True)
    address = UnicodeAttribute()
    subject = UnicodeAttribute(null=True)
    text = UnicodeAttribute()
    redacted = UnicodeAttribute(null=True)
    status = UnicodeAttribute()  # queued | sent | failed | given_up
    attempts = NumberAttribute(default=0)
    last_error = UnicodeAttribute(null=True)
    created_at = UTCDateTimeAttribute()
    sent_at = UTCDateTimeAttribute(null=True)
    queue = UnicodeAttribute(null=True)
    next_attempt_at = UnicodeAttribute(null=True)
    # Set once the message is settled (sent, failed, given up): kept for a while, then gone.
    expires_at = TTLAttribute(null=True)
    by_queue = OutboxByStatus()


class EnrolmentsByRegion(GlobalSecondaryIndex["EnrolmentModel"]):
    """Query a county's list in a programme ("<programme_id>#<region_id>"), in the order it
    was enrolled (a file's rows in the file's order)."""

    class Meta(_IndexMeta):
        index_name = "by_region"

    region_key = UnicodeAttribute(hash_key=True)
    created_key = UnicodeAttribute(range_key=True)


class EnrolmentsByProgramme(GlobalSecondaryIndex["EnrolmentModel"]):
    """Query a programme's people, county by county (the office's list and export)."""

    class Meta(_IndexMeta):
        index_name = "by_programme"

    programme_id = UnicodeAttribute(hash_key=True)
    region_created_key = UnicodeAttribute(range_key=True)


class EnrolmentsByAccount(GlobalSecondaryIndex["EnrolmentModel"]):
    """Sparse: a person's enrolments once confirmed (their account), by programme."""

    class Meta(_IndexMeta):
        index_name = "by_account"

    account_id = UnicodeAttribute(hash_key=True)
    programme_id = UnicodeAttribute(range_key=True)


class EnrolmentModel(Model):
    """One person on a 国培 county's list (the seed's 学员信息表, one row). The ID number is
    sealed (KMS envelope, adapters/crypto.py), kept masked for every list, and found by its
    keyed digest: the claim "person#<programme_id>#<digest>" in `claims` holds it to one
    county of the programme (or marks it excluded). Get by id; Query by county, programme or
    account. Written with the county's tally in one transaction (db/enrolments.py)."""

    class Meta(_TableMeta):
        table_name = _S.table_names["enrolments"]

    enrolment_id = UnicodeAttribute(hash_key=True)
    programme_id = UnicodeAttribute()
    region_id = UnicodeAttribute()
    name = UnicodeAttribute()
    id_sealed = UnicodeAttribute()
    id_masked = UnicodeAttribute()
    id_digest = UnicodeAttribute()
    city = UnicodeAttribute()
    county = UnicodeAttribute()
    unit = UnicodeAttribute()
    title = UnicodeAttribute()
    position = UnicodeAttribute(null=True)
    phone = UnicodeAttribute()
    qq = UnicodeAttribute()
    email = UnicodeAttribute(null=True)
    stage = UnicodeAttribute()
    subject = UnicodeAttribute()
    campus = UnicodeAttribute()
    role = UnicodeAttribute()
    account_id = UnicodeAttribute(null=True)
    import_id = UnicodeAttribute(null=True)
    row = NumberAttribute(null=True)
    created_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute(null=True)
    region_key = UnicodeAttribute()
    created_key = UnicodeAttribute()
    region_created_key = UnicodeAttribute()
    by_region = EnrolmentsByRegion()
    by_programme = EnrolmentsByProgramme()
    by_account = EnrolmentsByAccount()


class EnrolmentImportModel(Model):
    """One uploaded 学员信息表 previewed for a county: whose, which checked file, what the
    preview found. Get by id (the commit, the error workbook). The file itself is under
    imports/ in S3 (kept 30 days, as this record: TTL on `expires_at`)."""

    class Meta(_TableMeta):
        table_name = _S.table_names["enrolment_imports"]

    import_id = UnicodeAttribute(hash_key=True)
    programme_id = UnicodeAttribute()
    region_id = UnicodeAttribute()
    account_id = UnicodeAttribute()
    upload_id = UnicodeAttribute()
    s3_key = UnicodeAttribute()
    file_sha256 = UnicodeAttribute()
    rows = NumberAttribute()
    valid = NumberAttribute()
    new = NumberAttribute()
    error_count = NumberAttribute()
    created_at = UTCDateTimeAttribute()
    committed_at = UTCDateTimeAttribute(null=True)
    committed = NumberAttribute(null=True)
    expires_at = TTLAttribute()


class BatchNoteModel(Model):
    """研修需求说明: the notes between a batch's 团长 and its base contact. Query by batch,
    oldest first (note_key = "<UTC time>#<note id>"); put in a transaction with the batch's
    note count (under a cap) and the other side's messages."""

    class Meta(_TableMeta):
        table_name = _S.table_names["batch_notes"]

    batch_id = UnicodeAttribute(hash_key=True)
    note_key = UnicodeAttribute(range_key=True)
    note_id = UnicodeAttribute()
    author_id = UnicodeAttribute()
    author_role = UnicodeAttribute()  # leader | base
    author_name = UnicodeAttribute()
    text = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()


class SharingReportsByProgramme(GlobalSecondaryIndex["SharingReportModel"]):
    """Query a programme's 分享报告, one region's by begins_with (region_key = "<region>#<trainee>")."""

    class Meta(_IndexMeta):
        index_name = "by_programme"

    programme_id = UnicodeAttribute(hash_key=True)
    region_key = UnicodeAttribute(range_key=True)


class SharingReportModel(Model):
    """分享报告: the report a trainee gave in its region after the batch, recorded by the
    region's contact, one per trainee. GetItem/BatchGetItem by trainee (the reminders' check);
    Query a programme's by region (the evaluation)."""

    class Meta(_TableMeta):
        table_name = _S.table_names["sharing_reports"]

    trainee_id = UnicodeAttribute(hash_key=True)
    programme_id = UnicodeAttribute()
    batch_id = UnicodeAttribute()
    region_id = UnicodeAttribute()
    region_key = UnicodeAttribute()
    held_on = UnicodeAttribute()  # YYYY-MM-DD
    audience = NumberAttribute()
    note = UnicodeAttribute(null=True)
    image_ids = ListAttribute(of=UnicodeAttribute, null=True)
    recorded_by = UnicodeAttribute()
    recorded_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()
    by_programme = SharingReportsByProgramme()


class OffersByRegion(GlobalSecondaryIndex["OfferModel"]):
    """Query a region's offers, newest last (GET /me/offers)."""

    class Meta(_IndexMeta):
        index_name = "by_region"

    region_id = UnicodeAttribute(hash_key=True)
    created_key = UnicodeAttribute(range_key=True)


class OffersOpen(GlobalSecondaryIndex["OfferModel"]):
    """Sparse: only offers still waiting for an answer carry `open`; the hourly job queries
    those whose time is up (expires_key <= now)."""

    class Meta(_IndexMeta):
        index_name = "open"

    open = UnicodeAttribute(hash_key=True)
    expires_key = UnicodeAttribute(range_key=True)


class OfferModel(Model):
    """The waiting list: a freed batch offered to one region at a time, 48 hours to answer.
    The batch carries the offer's id while it waits (nobody else takes it meanwhile). GetItem
    by id; Query by region; the open ones by expiry."""

    class Meta(_TableMeta):
        table_name = _S.table_names["offers"]

    offer_id = UnicodeAttribute(hash_key=True)
    batch_id = UnicodeAttribute()
    programme_id = UnicodeAttribute()
    region_id = UnicodeAttribute()
    demand_id = UnicodeAttribute()
    demand_key = UnicodeAttribute()
    stage = UnicodeAttribute()
    status = UnicodeAttribute()  # open | accepted | declined | expired
    created_at = UTCDateTimeAttribute()
    expires_at = UTCDateTimeAttribute()
    answered_at = UTCDateTimeAttribute(null=True)
    created_key = UnicodeAttribute()
    open = UnicodeAttribute(null=True)
    expires_key = UnicodeAttribute(null=True)
    by_region = OffersByRegion()
    by_open = OffersOpen()


class YearEndModel(Model):
    """A programme's year-end records (record_key): "weights", the evaluation's measures'
    weights; "visit#<region>", the office's 综合调研 score and comment; "yearbook", the
    published 学习成果汇编. GetItem, or Query the programme's partition."""

    class Meta(_TableMeta):
        table_name = _S.table_names["year_end"]

    programme_id = UnicodeAttribute(hash_key=True)
    record_key = UnicodeAttribute(range_key=True)
    organisation = NumberAttribute(null=True)
    sharing = NumberAttribute(null=True)
    outcomes = NumberAttribute(null=True)
    visit = NumberAttribute(null=True)
    score = NumberAttribute(null=True)
    comment = UnicodeAttribute(null=True)
    export_id = UnicodeAttribute(null=True)
    s3_key = UnicodeAttribute(null=True)
    index_key = UnicodeAttribute(null=True)
    by = UnicodeAttribute(null=True)
    at = UTCDateTimeAttribute(null=True)


class WorkshopsByProgramme(GlobalSecondaryIndex["WorkshopModel"]):
    """Sparse: only a workshop's own item carries `programme_listing`; a programme's
    workshops, county by county ("<region_id>#<created>"), are one Query."""

    class Meta(_IndexMeta):
        index_name = "by_programme"

    programme_listing = UnicodeAttribute(hash_key=True)
    listing_key = UnicodeAttribute(range_key=True)


class WorkshopsByAccount(GlobalSecondaryIndex["WorkshopModel"]):
    """Sparse: a member's item and the host's carry `member_account`: the workshops of one
    account (GET /me/workshops) are one Query."""

    class Meta(_IndexMeta):
        index_name = "by_account"

    member_account = UnicodeAttribute(hash_key=True)
    member_key = UnicodeAttribute(range_key=True)


class WorkshopModel(Model):
    """A 国培 workshop and everything in it, one partition per workshop (item_key):
    "workshop" (name, county, 学段/学科, host, 研修主题/行动方案, the counters the lists show:
    members, briefings, submissions, graded, grading_seconds; the 优秀成果集), "host",
    "member#<enrolment_id>", "assignment#<id>", "submission#<id>", "announcement#<time>#<id>",
    "topic#<id>", "reply#<id>", "activity#<id>", "checkin#<activity_id>#<account_id>",
    "briefing#<time>#<id>". GetItem by key, Query a kind by begins_with; the counters rise in
    the transaction that writes what they count."""

    class Meta(_TableMeta):
        table_name = _S.table_names["workshops"]

    workshop_id = UnicodeAttribute(hash_key=True)
    item_key = UnicodeAttribute(range_key=True)
    programme_id = UnicodeAttribute(null=True)
    region_id = UnicodeAttribute(null=True)
    name = UnicodeAttribute(null=True)
    stage = UnicodeAttribute(null=True)
    subject = UnicodeAttribute(null=True)
    host_enrolment_id = UnicodeAttribute(null=True)
    host_account_id = UnicodeAttribute(null=True)
    host_name = UnicodeAttribute(null=True)
    theme = UnicodeAttribute(null=True)
    plan = UnicodeAttribute(null=True)
    plan_updated_at = UTCDateTimeAttribute(null=True)
    members = NumberAttribute(null=True)
    briefings = NumberAttribute(null=True)
    submissions = NumberAttribute(null=True)
    graded = NumberAttribute(null=True)
    grading_seconds = NumberAttribute(null=True)
    foreword = UnicodeAttribute(null=True)
    collection = ListAttribute(of=UnicodeAttribute, null=True)
    # an item's own fields (assignment, submission, announcement, topic, reply, activity, …)
    item_id = UnicodeAttribute(null=True)
    parent_id = UnicodeAttribute(null=True)
    enrolment_id = UnicodeAttribute(null=True)
    account_id = UnicodeAttribute(null=True)
    author_name = UnicodeAttribute(null=True)
    unit = UnicodeAttribute(null=True)
    title = UnicodeAttribute(null=True)
    text = UnicodeAttribute(null=True)
    body = UnicodeAttribute(null=True)
    image_ids = ListAttribute(of=UnicodeAttribute, null=True)
    due_at = UTCDateTimeAttribute(null=True)
    closed_at = UTCDateTimeAttribute(null=True)
    day = UnicodeAttribute(null=True)
    place = UnicodeAttribute(null=True)
    sms = BooleanAttribute(null=True)
    recipients = NumberAttribute(null=True)
    replies = NumberAttribute(null=True)
    checkins = NumberAttribute(null=True)
    submitted_at = UTCDateTimeAttribute(null=True)
    first_submitted_at = UTCDateTimeAttribute(null=True)
    late = BooleanAttribute(null=True)
    version = NumberAttribute(null=True)
    score = NumberAttribute(null=True)
    suggestion = UnicodeAttribute(null=True)
    graded_at = UTCDateTimeAttribute(null=True)
    hidden_at = UTCDateTimeAttribute(null=True)
    hidden_by = UnicodeAttribute(null=True)
    created_at = UTCDateTimeAttribute()
    programme_listing = UnicodeAttribute(null=True)
    listing_key = UnicodeAttribute(null=True)
    member_account = UnicodeAttribute(null=True)
    member_key = UnicodeAttribute(null=True)
    by_programme = WorkshopsByProgramme()
    by_account = WorkshopsByAccount()


class GuopeiRecordModel(Model):
    """A 国培 programme's own records beside its workshops (partition_key, record_key):
    "courses#<programme_id>" / "course#<course_id>", the 研修路径's courses; "study#<programme_id>#
    <enrolment_id>" / "profile" (自我评估 answers, 分层选择 level, hours and courses completed) and
    "completion#<course_id>" (once per course); "survey#<programme_id>" / "questions" (the 训后调查)
    and "response#<region_id>#<id>" (one anonymous answer: no account, no enrolment, its county
    only; who has answered is a claim in `claims`). GetItem, BatchGetItem of profiles, Query a
    partition (begins_with a county's responses)."""

    class Meta(_TableMeta):
        table_name = _S.table_names["guopei"]

    partition_key = UnicodeAttribute(hash_key=True)
    record_key = UnicodeAttribute(range_key=True)
    item_id = UnicodeAttribute(null=True)
    theme = UnicodeAttribute(null=True)
    level = UnicodeAttribute(null=True)
    title = UnicodeAttribute(null=True)
    url = UnicodeAttribute(null=True)
    hours = NumberAttribute(null=True)
    completed = NumberAttribute(null=True)
    assessment = UnicodeAttribute(null=True)  # JSON {question: 1–5}
    questions = UnicodeAttribute(null=True)  # JSON [{text, type, options}]
    answers = UnicodeAttribute(null=True)  # JSON [one per question]
    region_id = UnicodeAttribute(null=True)
    responses = NumberAttribute(null=True)
    created_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute(null=True)


ALL_MODELS: tuple[type[Model], ...] = (
    AccountModel,
    CredentialModel,
    SessionModel,
    ProgrammeModel,
    RegionModel,
    BaseModel_,
    BatchModel,
    QuotaModel,
    DemandModel,
    TraineeModel,
    ClaimModel,
    CounterModel,
    IdempotencyModel,
    ResetCodeModel,
    AuditModel,
    ExportModel,
    ArtifactModel,
    ArtifactVersionModel,
    UploadModel,
    NotificationModel,
    EnrolmentModel,
    EnrolmentImportModel,
    BatchNoteModel,
    SharingReportModel,
    OfferModel,
    YearEndModel,
    WorkshopModel,
    GuopeiRecordModel,
)

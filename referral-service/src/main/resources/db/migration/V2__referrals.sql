-- Referrals (CONTRACT section 4). Survivor data lives only in the *_ct columns, encrypted with the
-- referral's data key (relais_data_keys); everything else is coded and non-identifying.
create sequence referral_reference_seq;

create table referrals (
    id                     uuid primary key,
    reference              text        not null unique,
    status                 text        not null,
    survivor_id            uuid        not null,
    sending_agency_id      text        not null,
    receiving_agency_id    text        not null,
    origin_agency_id       text,
    priority               text        not null,
    services               text        not null,
    incident               text,
    consent                text        not null,
    consent_expires_at     timestamptz,
    data_key_id            uuid,
    subject_ct             text,
    reason_ct              text,
    external_reference_ct  text,
    data_erased_at         timestamptz,
    acknowledge_by         timestamptz not null,
    decide_by              timestamptz not null,
    overdue                boolean     not null default false,
    overdue_at             timestamptz,
    acknowledge_overdue_emitted boolean not null default false,
    decide_overdue_emitted boolean     not null default false,
    redirected_from_id     uuid,
    redirected_to_id       uuid,
    case_id                uuid,
    receiving_case_id      uuid,
    assignee               text,
    outcome                text,
    created_by             text        not null,
    created_at             timestamptz not null,
    updated_at             timestamptz not null,
    version                bigint      not null
);
create index referrals_sent on referrals (sending_agency_id, updated_at, id);
create index referrals_received on referrals (receiving_agency_id, updated_at, id);
create index referrals_origin on referrals (origin_agency_id, updated_at, id) where origin_agency_id is not null;
create index referrals_acknowledge_due on referrals (acknowledge_by) where status = 'SENT' and not acknowledge_overdue_emitted;
create index referrals_decide_due on referrals (decide_by) where status = 'ACKNOWLEDGED' and not decide_overdue_emitted;
create index referrals_consent_expiry on referrals (consent_expires_at) where consent_expires_at is not null and data_erased_at is null;
create index referrals_redirected_from on referrals (redirected_from_id) where redirected_from_id is not null;

create table referral_history (
    id           uuid primary key,
    referral_id  uuid        not null references referrals (id),
    action       text        not null,
    from_status  text,
    to_status    text        not null,
    by_agency_id text,
    by_user      text        not null,
    at           timestamptz not null,
    reason_code  text,
    note_ct      text
);
create index referral_history_referral on referral_history (referral_id, at, id);

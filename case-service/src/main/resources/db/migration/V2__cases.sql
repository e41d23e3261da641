-- Cases (CONTRACT section 5). Survivor data only in *_ct columns, under the case's data key.
create sequence case_reference_seq;

create table cases (
    id                 uuid primary key,
    reference          text        not null unique,
    status             text        not null,
    owning_agency_id   text        not null,
    referral_id        uuid unique,
    survivor_id        uuid        not null,
    priority           text        not null,
    services           text        not null,
    assignee           text,
    risk_level         text,
    high_risk_emitted  boolean     not null default false,
    consent            text,
    consent_expires_at timestamptz,
    data_key_id        uuid,
    subject_ct         text,
    details_pending    boolean     not null default false,
    data_erased_at     timestamptz,
    outcome            text,
    summary_ct         text,
    opened_at          timestamptz not null,
    closed_at          timestamptz,
    created_at         timestamptz not null,
    updated_at         timestamptz not null,
    version            bigint      not null
);
create index cases_sync on cases (owning_agency_id, updated_at, id);
create index cases_details_pending on cases (updated_at) where details_pending;

create table case_actions (
    id             uuid primary key,
    case_id        uuid        not null references cases (id),
    type           text        not null,
    due_at         timestamptz not null,
    description_ct text,
    completed_at   timestamptz,
    completed_by   text,
    created_by     text        not null,
    created_at     timestamptz not null
);
create index case_actions_case on case_actions (case_id, created_at);

create table risk_assessments (
    id                     uuid primary key,
    case_id                uuid        not null references cases (id),
    answers                text        not null,
    professional_judgement text,
    score                  int         not null,
    level                  text        not null,
    assessed_at            timestamptz not null,
    assessed_by            text        not null
);
create index risk_assessments_case on risk_assessments (case_id, assessed_at);

-- one ordered view of what happened to a case; coded facts only
create table case_timeline (
    id       uuid primary key,
    case_id  uuid        not null references cases (id),
    at       timestamptz not null,
    type     text        not null,
    by_user  text,
    detail   text
);
create index case_timeline_case on case_timeline (case_id, at, id);

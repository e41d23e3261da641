-- The cases of other agencies' case-service as this service learns them from relais.case.opened: who owns
-- each, for which survivor, and whether its survivor data was erased (relais.case.data-erased). A referral
-- that names a caseId or survivorId is checked against it; a consent withdrawal follows it to the referrals
-- made onward from the case. Ids and codes only.
create table known_cases (
    case_id          uuid primary key,
    owning_agency_id text not null,
    survivor_id      uuid not null,
    referral_id      uuid,
    data_erased_at   timestamptz,
    opened_at        timestamptz not null default now()
);
create index known_cases_survivor on known_cases (survivor_id, owning_agency_id);

-- cases opened from referrals before this table existed
insert into known_cases (case_id, owning_agency_id, survivor_id, referral_id)
select receiving_case_id, receiving_agency_id, survivor_id, id from referrals where receiving_case_id is not null
on conflict do nothing;

-- a survivor the sender is party to; the referrals made onward from a case
create index referrals_survivor on referrals (survivor_id);
create index referrals_case on referrals (case_id) where case_id is not null;

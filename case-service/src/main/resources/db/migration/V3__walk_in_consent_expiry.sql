-- The walk-in consent expiry job (CaseJobs.eraseExpiredConsents) finds its rows by this index.
create index cases_consent_expiry on cases (consent_expires_at)
    where referral_id is null and consent_expires_at is not null and data_erased_at is null;

-- A secret shown once (at registration or rotation under an Idempotency-Key), kept encrypted with the
-- webhook's data key for the life of the key (24 hours), so a retried request answers the same secret
-- instead of issuing another and dropping the one the partner still uses. Never stored in clear.
create table webhook_secret_issues (
    id          uuid primary key,
    webhook_id  uuid        not null references webhooks (id),
    secret_ct   text        not null,
    created_at  timestamptz not null
);
create index webhook_secret_issues_created on webhook_secret_issues (created_at);

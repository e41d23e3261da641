-- The hash of an entry sealed from now on also covers related_ids (the records the audit trail finds it
-- under): hash_version 2, set by the sealer. Entries sealed before stay version 1 and verifiable as they
-- were sealed. Adding a column with a constant default rewrites no row.
alter table relais_audit add column hash_version smallint not null default 1;

-- How far a verifier has verified each chain: the newest anchored entry it found intact. The gateway, which
-- verifies every chain, walks on from there instead of from genesis (/api/v1/audit/verify?full=true walks it
-- all). A wrong mark cannot hide tampering: the walk from it ends at an anchor kept elsewhere (for the
-- gateway's own chain, its newest anchor on Kafka), which commits to every entry before it. Here rather
-- than with the gateway's own migrations so that it sorts after the platform tables in existing databases.
create table audit_verified (
    service     text        primary key,
    seq         bigint      not null,
    hash        text        not null,
    verified_at timestamptz not null default now()
);

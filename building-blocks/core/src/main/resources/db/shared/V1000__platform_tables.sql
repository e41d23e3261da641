-- Tables of the building blocks, shared by every service's schema (versions 1000+ are reserved for them).

-- Transactional outbox: written in the same transaction as the change it describes.
create table relais_outbox (
    id           bigserial primary key,
    event_id     uuid        not null unique,
    topic        text        not null,
    aggregate_id text        not null,
    event_type   text        not null,
    payload      jsonb       not null,
    created_at   timestamptz not null default now(),
    published_at timestamptz
);
create index relais_outbox_unpublished on relais_outbox (id) where published_at is null;

create function relais_outbox_notify() returns trigger language plpgsql as $$
begin
    perform pg_notify('relais_outbox', '');
    return null;
end $$;
create trigger relais_outbox_inserted after insert on relais_outbox
    for each statement execute function relais_outbox_notify();

-- Consumer-side de-duplication: one row per (consumer, event) applied.
create table relais_inbox (
    consumer     text        not null,
    event_id     uuid        not null,
    processed_at timestamptz not null default now(),
    primary key (consumer, event_id)
);

-- Tamper-evident audit log: inserted unsealed by the request path, chained by the sealer.
create table relais_audit (
    id          bigserial primary key,
    seq         bigint unique,
    service     text        not null,
    at          timestamptz not null,
    type        text        not null,
    agency_id   text,
    actor       text,
    entity_id   text,
    related_ids jsonb       not null default '[]',
    prev_hash   text,
    hash        text,
    sealed_at   timestamptz
);
create index relais_audit_unsealed on relais_audit (id) where seq is null;
create index relais_audit_related on relais_audit using gin (related_ids jsonb_path_ops);

-- Idempotency-Key store: ids, status and a request hash, never a body.
create table relais_idempotency (
    agency_id       text        not null,
    idem_key        text        not null,
    request_hash    text        not null,
    state           text        not null check (state in ('IN_FLIGHT', 'DONE')),
    resource_id     text,
    response_status int,
    created_at      timestamptz not null default now(),
    completed_at    timestamptz,
    primary key (agency_id, idem_key)
);

-- Data keys of survivor records, wrapped by a master key; erasure deletes the wrapped key.
create table relais_data_keys (
    id            uuid primary key,
    master_key_id text        not null,
    wrapped_key   bytea,
    created_at    timestamptz not null default now(),
    rewrapped_at  timestamptz,
    destroyed_at  timestamptz
);
create index relais_data_keys_master on relais_data_keys (master_key_id) where wrapped_key is not null;

-- Partner systems' webhooks. The secrets are encrypted (they sign; the API never shows them again).
create table webhooks (
    id                       uuid primary key,
    agency_id                text        not null,
    url                      text        not null,
    event_types              text        not null,
    description              text,
    paused                   boolean     not null default false,
    data_key_id              uuid        not null,
    secret_ct                text        not null,
    previous_secret_ct       text,
    previous_secret_until    timestamptz,
    deleted_at               timestamptz,
    created_at               timestamptz not null,
    updated_at               timestamptz not null,
    version                  bigint      not null
);
create index webhooks_agency on webhooks (agency_id) where deleted_at is null;

create table webhook_deliveries (
    id               uuid primary key,
    webhook_id       uuid        not null references webhooks (id),
    event_id         uuid        not null,
    message_id       text        not null,
    event_type       text        not null,
    payload          text        not null,
    status           text        not null check (status in ('PENDING', 'DELIVERED', 'FAILED')),
    attempts         int         not null default 0,
    next_attempt_at  timestamptz not null,
    last_status_code int,
    created_at       timestamptz not null,
    delivered_at     timestamptz,
    unique (webhook_id, event_id)
);
create index webhook_deliveries_due on webhook_deliveries (next_attempt_at) where status = 'PENDING';

create table webhook_attempts (
    id          uuid primary key,
    delivery_id uuid        not null references webhook_deliveries (id),
    at          timestamptz not null,
    status_code int,
    latency_ms  int         not null,
    error       text
);
create index webhook_attempts_delivery on webhook_attempts (delivery_id, at);

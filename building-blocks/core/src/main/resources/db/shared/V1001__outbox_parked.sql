-- Outbox rows that can never be published (the broker refuses them for good: too large, invalid topic,
-- unserialisable), set aside so that the relay goes on with the rows behind them. An operator reads the
-- row, fixes the cause, and moves it back into relais_outbox (docs/security.md, README "Operating").
create table relais_outbox_parked (
    id           bigint      primary key,
    event_id     uuid        not null unique,
    topic        text        not null,
    aggregate_id text        not null,
    event_type   text        not null,
    payload      jsonb       not null,
    created_at   timestamptz not null,
    parked_at    timestamptz not null default now(),
    error        text        not null
);

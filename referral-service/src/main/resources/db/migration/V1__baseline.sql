-- The agency directory (CONTRACT section 3). Lists are kept as JSON text; `services` also as ",A,B,"
-- so the directory can be filtered by service with an index-free LIKE (the directory is small).
create table agencies (
    id                    text primary key,
    name                  text        not null,
    type                  text        not null,
    region                text        not null,
    time_zone             text        not null,
    services              text        not null,
    languages             text        not null,
    acknowledge_within    text        not null,
    capacity              text        not null,
    capacity_note         text,
    capacity_updated_at   timestamptz not null,
    duty_email            text,
    notification_language text        not null,
    permissions           text,
    webhook_allowed_hosts text        not null,
    active                boolean     not null,
    created_at            timestamptz not null,
    updated_at            timestamptz not null,
    version               bigint      not null
);
create index agencies_sync on agencies (updated_at, id);

create table test_notes (
    id           uuid primary key,
    aggregate_id text not null,
    position     int  not null,
    secret       text,
    data_key_id  uuid
);
create table test_effects (
    id       bigserial primary key,
    event_id uuid not null
);

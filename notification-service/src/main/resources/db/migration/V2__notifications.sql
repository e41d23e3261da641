-- Notifications: a template key and coded parameters, rendered in the reader's language; never survivor data.
create table notifications (
    id            uuid primary key,
    seq           bigserial   not null unique,
    event_id      uuid        not null,
    type          text        not null,
    audience      text        not null check (audience in ('AGENCY', 'ROLE', 'USER')),
    agency_id     text        not null,
    role          text,
    username      text,
    referral_id   uuid,
    case_id       uuid,
    priority      text,
    template_key  text        not null,
    params        text        not null,
    created_at    timestamptz not null,
    unique (event_id, agency_id, audience)
);
create index notifications_agency on notifications (agency_id, created_at, id);

create table notification_reads (
    notification_id uuid        not null references notifications (id),
    username        text        not null,
    read_at         timestamptz not null,
    primary key (notification_id, username)
);

-- e-mails to agencies' duty addresses, retried while the SMTP server is away
create table email_deliveries (
    id              uuid primary key,
    notification_id uuid        not null unique references notifications (id),
    to_address      text        not null,
    language        text        not null,
    status          text        not null check (status in ('PENDING', 'SENT', 'FAILED')),
    attempts        int         not null default 0,
    next_attempt_at timestamptz not null,
    last_error      text,
    sent_at         timestamptz,
    created_at      timestamptz not null
);
create index email_deliveries_due on email_deliveries (next_attempt_at) where status = 'PENDING';

create function notifications_notify() returns trigger language plpgsql as $$
begin
    perform pg_notify('relais_notifications', new.agency_id || ':' || new.seq);
    return null;
end $$;
create trigger notifications_inserted after insert on notifications
    for each row execute function notifications_notify();

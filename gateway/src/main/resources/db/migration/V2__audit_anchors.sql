-- The heads of every service's audit chain, as they were published: kept here, outside the services' databases.
create table audit_anchors (
    service text        not null,
    seq     bigint      not null,
    hash    text        not null,
    at      timestamptz not null,
    primary key (service, seq)
);

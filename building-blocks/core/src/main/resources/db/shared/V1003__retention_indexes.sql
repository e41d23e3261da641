-- What the retention job and the erasure of idempotency fingerprints look rows up by.
create index if not exists relais_outbox_published on relais_outbox (published_at) where published_at is not null;
create index if not exists relais_inbox_processed on relais_inbox (processed_at);
create index if not exists relais_idempotency_created on relais_idempotency (created_at);
create index if not exists relais_idempotency_resource on relais_idempotency (resource_id) where resource_id is not null;

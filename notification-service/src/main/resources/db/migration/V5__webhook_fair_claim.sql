-- The dispatcher takes due deliveries in turns between agencies, reading each webhook's first due ones:
-- this index serves that per webhook, however large another webhook's backlog.
create index webhook_deliveries_due_per_webhook on webhook_deliveries (webhook_id, next_attempt_at) where status = 'PENDING';

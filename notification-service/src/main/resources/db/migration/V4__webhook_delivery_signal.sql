-- Wakes the webhook dispatchers when deliveries are stored (delivered at commit, once per statement).
create function webhook_deliveries_notify() returns trigger language plpgsql as $$
begin
    perform pg_notify('relais_webhook_deliveries', '');
    return null;
end $$;
create trigger webhook_deliveries_inserted after insert on webhook_deliveries
    for each statement execute function webhook_deliveries_notify();

-- Every statement that changes `clients` notifies the channel `auth_clients` (CHANNELS.clients) at commit. Each
-- instance keeps the client rows it reads in memory (ClientDirectory) and drops them all on that notification, so a
-- client disabled, deleted or given another secret, scopes or grant types by plain SQL (migrations, the dev seed, an
-- operator: no API writes clients) is refused or re-read by every instance within milliseconds. A trigger rather than
-- the writers because there are no writers in the code to put it in. Statement level and no payload: clients change
-- rarely and a change drops every kept row, so one notification per statement is all a listener needs.
CREATE FUNCTION notify_clients_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('auth_clients', NULL);
  RETURN NULL;
END;
$$;

CREATE TRIGGER clients_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON clients
  FOR EACH STATEMENT EXECUTE FUNCTION notify_clients_changed();

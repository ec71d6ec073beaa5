-- The scripts' own helpers: a triggers or policies file is the table's whole set, so it first drops what is there.

CREATE OR REPLACE FUNCTION geoprojects_drop_triggers(t regclass) RETURNS void LANGUAGE plpgsql AS $$
DECLARE name text;
BEGIN
  FOR name IN SELECT tgname FROM pg_trigger WHERE tgrelid = t AND NOT tgisinternal LOOP
    EXECUTE format('DROP TRIGGER %I ON %s', name, t);
  END LOOP;
END $$;

CREATE OR REPLACE FUNCTION geoprojects_drop_policies(t regclass) RETURNS void LANGUAGE plpgsql AS $$
DECLARE name text;
BEGIN
  FOR name IN SELECT polname FROM pg_policy WHERE polrelid = t LOOP
    EXECUTE format('DROP POLICY %I ON %s', name, t);
  END LOOP;
END $$;

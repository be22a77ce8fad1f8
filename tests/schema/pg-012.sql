--
-- PostgreSQL database dump
--



SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

--
-- Name: nocase; Type: COLLATION; Schema: public; Owner: rebound
--

CREATE COLLATION public.nocase (provider = icu, deterministic = false, locale = 'und-u-ks-level2');


ALTER COLLATION public.nocase OWNER TO rebound;

--
-- Name: date(bigint, text); Type: FUNCTION; Schema: public; Owner: rebound
--

CREATE FUNCTION public.date(t bigint, unixepoch text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN to_char((to_timestamp((t)::double precision) AT TIME ZONE 'UTC'::text), 'YYYY-MM-DD'::text);


ALTER FUNCTION public.date(t bigint, unixepoch text) OWNER TO rebound;

--
-- Name: instr(text, text); Type: FUNCTION; Schema: public; Owner: rebound
--

CREATE FUNCTION public.instr(haystack text, needle text) RETURNS integer
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN strpos(haystack, needle);


ALTER FUNCTION public.instr(haystack text, needle text) OWNER TO rebound;

--
-- Name: outcomes_count(); Type: FUNCTION; Schema: public; Owner: rebound
--

CREATE FUNCTION public.outcomes_count() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
	IF TG_OP = 'INSERT' THEN
		INSERT INTO outcomes_per_day (day, class, reason, n)
		VALUES (NEW.at / 86400, NEW.class, NEW.reason, 1)
		ON CONFLICT (day, class, reason) DO UPDATE
		    SET n = outcomes_per_day.n + 1;
		INSERT INTO domains_per_day (day, domain, n)
		VALUES (NEW.at / 86400,
		    substr(NEW.address, strpos(NEW.address, '@') + 1), 1)
		ON CONFLICT (day, domain) DO UPDATE
		    SET n = domains_per_day.n + 1;
		RETURN NULL;
	END IF;
	UPDATE outcomes_per_day SET n = n - 1
	WHERE day = OLD.at / 86400 AND class = OLD.class
	    AND reason = OLD.reason;
	DELETE FROM outcomes_per_day
	WHERE day = OLD.at / 86400 AND class = OLD.class
	    AND reason = OLD.reason AND n = 0;
	UPDATE domains_per_day SET n = n - 1
	WHERE day = OLD.at / 86400
	    AND domain = substr(OLD.address, strpos(OLD.address, '@') + 1);
	DELETE FROM domains_per_day
	WHERE day = OLD.at / 86400
	    AND domain = substr(OLD.address, strpos(OLD.address, '@') + 1)
	    AND n = 0;
	RETURN NULL;
END $$;


ALTER FUNCTION public.outcomes_count() OWNER TO rebound;

--
-- Name: outcomes_unchanged(); Type: FUNCTION; Schema: public; Owner: rebound
--

CREATE FUNCTION public.outcomes_unchanged() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
	RAISE EXCEPTION 'outcomes are not changed: delete and insert';
END $$;


ALTER FUNCTION public.outcomes_unchanged() OWNER TO rebound;

--
-- Name: rebound_sum_bool(bigint, boolean); Type: FUNCTION; Schema: public; Owner: rebound
--

CREATE FUNCTION public.rebound_sum_bool(acc bigint, b boolean) RETURNS bigint
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN (acc + CASE WHEN b THEN 1 ELSE 0 END);


ALTER FUNCTION public.rebound_sum_bool(acc bigint, b boolean) OWNER TO rebound;

--
-- Name: sum(boolean); Type: AGGREGATE; Schema: public; Owner: rebound
--

CREATE AGGREGATE public.sum(boolean) (
    SFUNC = public.rebound_sum_bool,
    STYPE = bigint,
    INITCOND = '0'
);


ALTER AGGREGATE public.sum(boolean) OWNER TO rebound;

SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: addresses; Type: TABLE; Schema: public; Owner: rebound
--

CREATE TABLE public.addresses (
    address text NOT NULL,
    state text NOT NULL,
    state_reason text,
    hard bigint DEFAULT 0 NOT NULL,
    soft bigint DEFAULT 0 NOT NULL,
    soft_days text DEFAULT ''::text NOT NULL,
    complaints bigint DEFAULT 0 NOT NULL,
    first_seen bigint NOT NULL,
    last_seen bigint NOT NULL,
    last_reason text,
    suspect_day integer DEFAULT 0 NOT NULL
);


ALTER TABLE public.addresses OWNER TO rebound;

--
-- Name: outcomes; Type: TABLE; Schema: public; Owner: rebound
--

CREATE TABLE public.outcomes (
    id bigint NOT NULL,
    message bigint NOT NULL,
    idx bigint NOT NULL,
    address text NOT NULL,
    recipient text,
    original text,
    at bigint NOT NULL,
    class text NOT NULL,
    reason text NOT NULL,
    hard bigint NOT NULL,
    action text,
    status text,
    replycode bigint,
    diagnostic text,
    remote_mta text,
    decided text,
    confidence text,
    provider text,
    incident bigint,
    probe bigint,
    node text
);


ALTER TABLE public.outcomes OWNER TO rebound;

--
-- Name: domains; Type: VIEW; Schema: public; Owner: rebound
--

CREATE VIEW public.domains AS
 SELECT substr(outcomes.address, (strpos(outcomes.address, '@'::text) + 1)) AS domain,
    count(*) FILTER (WHERE (outcomes.class = 'hard'::text)) AS hard,
    count(*) FILTER (WHERE (outcomes.class = 'soft'::text)) AS soft,
    count(*) FILTER (WHERE (outcomes.class = 'complaint'::text)) AS complaints,
    count(*) AS outcomes
   FROM public.outcomes
  GROUP BY (substr(outcomes.address, (strpos(outcomes.address, '@'::text) + 1)));


ALTER TABLE public.domains OWNER TO rebound;

--
-- Name: domains_per_day; Type: TABLE; Schema: public; Owner: rebound
--

CREATE TABLE public.domains_per_day (
    day bigint NOT NULL,
    domain text NOT NULL,
    n bigint NOT NULL
);


ALTER TABLE public.domains_per_day OWNER TO rebound;

--
-- Name: events; Type: TABLE; Schema: public; Owner: rebound
--

CREATE TABLE public.events (
    id bigint NOT NULL,
    type text NOT NULL,
    "time" bigint NOT NULL,
    address text,
    list text,
    state text,
    previous text,
    reason text,
    class text,
    status text,
    confidence text,
    evidence text,
    digest text,
    incident bigint
);


ALTER TABLE public.events OWNER TO rebound;

--
-- Name: events_id_seq; Type: SEQUENCE; Schema: public; Owner: rebound
--

ALTER TABLE public.events ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY (
    SEQUENCE NAME public.events_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: events_pending; Type: TABLE; Schema: public; Owner: rebound
--

CREATE TABLE public.events_pending (
    id bigint NOT NULL,
    due bigint NOT NULL,
    type text NOT NULL,
    "time" bigint NOT NULL,
    address text,
    list text,
    state text,
    previous text,
    reason text,
    class text,
    status text,
    confidence text,
    evidence text,
    digest text,
    incident bigint
);


ALTER TABLE public.events_pending OWNER TO rebound;

--
-- Name: events_pending_id_seq; Type: SEQUENCE; Schema: public; Owner: rebound
--

ALTER TABLE public.events_pending ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY (
    SEQUENCE NAME public.events_pending_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: messages; Type: TABLE; Schema: public; Owner: rebound
--

CREATE TABLE public.messages (
    id bigint NOT NULL,
    digest text NOT NULL,
    received bigint NOT NULL,
    source text NOT NULL,
    envelope_to text,
    subscriber text,
    list text,
    kind text NOT NULL,
    subject text,
    sender text,
    returned_id text,
    returned_subject text,
    list_id text,
    reporting_mta text,
    arrival_date text,
    bounce_address text,
    list_address text
);


ALTER TABLE public.messages OWNER TO rebound;

--
-- Name: history; Type: VIEW; Schema: public; Owner: rebound
--

CREATE VIEW public.history AS
 SELECT o.address,
    to_timestamp((o.at)::double precision) AS "time",
    o.class,
    o.reason,
    o.status,
    o.replycode,
    o.diagnostic,
    o.decided,
    m.list,
    m.subject,
    m.source,
    m.digest
   FROM (public.outcomes o
     JOIN public.messages m ON ((m.id = o.message)))
  ORDER BY o.at DESC;


ALTER TABLE public.history OWNER TO rebound;

--
-- Name: hook_actions; Type: TABLE; Schema: public; Owner: rebound
--

CREATE TABLE public.hook_actions (
    hook text NOT NULL,
    event bigint NOT NULL,
    "time" bigint NOT NULL
);


ALTER TABLE public.hook_actions OWNER TO rebound;

--
-- Name: hook_cursors; Type: TABLE; Schema: public; Owner: rebound
--

CREATE TABLE public.hook_cursors (
    hook text NOT NULL,
    last_event bigint NOT NULL
);


ALTER TABLE public.hook_cursors OWNER TO rebound;

--
-- Name: hook_deliveries; Type: TABLE; Schema: public; Owner: rebound
--

CREATE TABLE public.hook_deliveries (
    hook text NOT NULL,
    event bigint NOT NULL,
    address text,
    state text DEFAULT 'pending'::text NOT NULL,
    queued bigint NOT NULL,
    attempts bigint DEFAULT 0 NOT NULL,
    next_try bigint NOT NULL,
    last_error text,
    CONSTRAINT hook_deliveries_state_check CHECK ((state = ANY (ARRAY['pending'::text, 'failed'::text])))
);


ALTER TABLE public.hook_deliveries OWNER TO rebound;

--
-- Name: hook_pauses; Type: TABLE; Schema: public; Owner: rebound
--

CREATE TABLE public.hook_pauses (
    hook text NOT NULL,
    since bigint NOT NULL,
    actions bigint NOT NULL
);


ALTER TABLE public.hook_pauses OWNER TO rebound;

--
-- Name: incidents; Type: TABLE; Schema: public; Owner: rebound
--

CREATE TABLE public.incidents (
    id bigint NOT NULL,
    kind text NOT NULL,
    grp text NOT NULL,
    opened bigint NOT NULL,
    first bigint NOT NULL,
    last bigint NOT NULL,
    closed bigint,
    state text NOT NULL,
    addresses bigint NOT NULL,
    outcomes bigint NOT NULL,
    sample text
);


ALTER TABLE public.incidents OWNER TO rebound;

--
-- Name: incidents_id_seq; Type: SEQUENCE; Schema: public; Owner: rebound
--

ALTER TABLE public.incidents ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY (
    SEQUENCE NAME public.incidents_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: messages_id_seq; Type: SEQUENCE; Schema: public; Owner: rebound
--

ALTER TABLE public.messages ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY (
    SEQUENCE NAME public.messages_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: outcomes_id_seq; Type: SEQUENCE; Schema: public; Owner: rebound
--

ALTER TABLE public.outcomes ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY (
    SEQUENCE NAME public.outcomes_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: outcomes_per_day; Type: TABLE; Schema: public; Owner: rebound
--

CREATE TABLE public.outcomes_per_day (
    day bigint NOT NULL,
    class text NOT NULL,
    reason text NOT NULL,
    n bigint NOT NULL
);


ALTER TABLE public.outcomes_per_day OWNER TO rebound;

--
-- Name: probe_forged; Type: TABLE; Schema: public; Owner: rebound
--

CREATE TABLE public.probe_forged (
    id bigint NOT NULL,
    "time" bigint NOT NULL,
    address text,
    token text NOT NULL,
    why text NOT NULL,
    digest text NOT NULL
);


ALTER TABLE public.probe_forged OWNER TO rebound;

--
-- Name: probe_forged_id_seq; Type: SEQUENCE; Schema: public; Owner: rebound
--

ALTER TABLE public.probe_forged ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY (
    SEQUENCE NAME public.probe_forged_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: probes; Type: TABLE; Schema: public; Owner: rebound
--

CREATE TABLE public.probes (
    id bigint NOT NULL,
    address text NOT NULL,
    list text,
    created bigint NOT NULL,
    state text DEFAULT 'waiting'::text NOT NULL,
    attempts bigint DEFAULT 0 NOT NULL,
    next_try bigint NOT NULL,
    last_error text,
    sent bigint,
    decided bigint,
    why text,
    CONSTRAINT probes_state_check CHECK ((state = ANY (ARRAY['waiting'::text, 'sent'::text, 'bounced'::text, 'expired'::text])))
);


ALTER TABLE public.probes OWNER TO rebound;

--
-- Name: probes_id_seq; Type: SEQUENCE; Schema: public; Owner: rebound
--

ALTER TABLE public.probes ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY (
    SEQUENCE NAME public.probes_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: prune; Type: VIEW; Schema: public; Owner: rebound
--

CREATE VIEW public.prune AS
 SELECT addresses.address,
    addresses.state,
    addresses.state_reason,
    addresses.last_seen
   FROM public.addresses
  WHERE (addresses.state = ANY (ARRAY['dead'::text, 'complained'::text]));


ALTER TABLE public.prune OWNER TO rebound;

--
-- Name: rebound_schema; Type: TABLE; Schema: public; Owner: rebound
--

CREATE TABLE public.rebound_schema (
    version integer NOT NULL
);


ALTER TABLE public.rebound_schema OWNER TO rebound;

--
-- Name: addresses addresses_pkey; Type: CONSTRAINT; Schema: public; Owner: rebound
--

ALTER TABLE ONLY public.addresses
    ADD CONSTRAINT addresses_pkey PRIMARY KEY (address);


--
-- Name: domains_per_day domains_per_day_pkey; Type: CONSTRAINT; Schema: public; Owner: rebound
--

ALTER TABLE ONLY public.domains_per_day
    ADD CONSTRAINT domains_per_day_pkey PRIMARY KEY (day, domain);


--
-- Name: events_pending events_pending_pkey; Type: CONSTRAINT; Schema: public; Owner: rebound
--

ALTER TABLE ONLY public.events_pending
    ADD CONSTRAINT events_pending_pkey PRIMARY KEY (id);


--
-- Name: events events_pkey; Type: CONSTRAINT; Schema: public; Owner: rebound
--

ALTER TABLE ONLY public.events
    ADD CONSTRAINT events_pkey PRIMARY KEY (id);


--
-- Name: hook_cursors hook_cursors_pkey; Type: CONSTRAINT; Schema: public; Owner: rebound
--

ALTER TABLE ONLY public.hook_cursors
    ADD CONSTRAINT hook_cursors_pkey PRIMARY KEY (hook);


--
-- Name: hook_deliveries hook_deliveries_pkey; Type: CONSTRAINT; Schema: public; Owner: rebound
--

ALTER TABLE ONLY public.hook_deliveries
    ADD CONSTRAINT hook_deliveries_pkey PRIMARY KEY (hook, event);


--
-- Name: hook_pauses hook_pauses_pkey; Type: CONSTRAINT; Schema: public; Owner: rebound
--

ALTER TABLE ONLY public.hook_pauses
    ADD CONSTRAINT hook_pauses_pkey PRIMARY KEY (hook);


--
-- Name: incidents incidents_pkey; Type: CONSTRAINT; Schema: public; Owner: rebound
--

ALTER TABLE ONLY public.incidents
    ADD CONSTRAINT incidents_pkey PRIMARY KEY (id);


--
-- Name: messages messages_digest_key; Type: CONSTRAINT; Schema: public; Owner: rebound
--

ALTER TABLE ONLY public.messages
    ADD CONSTRAINT messages_digest_key UNIQUE (digest);


--
-- Name: messages messages_pkey; Type: CONSTRAINT; Schema: public; Owner: rebound
--

ALTER TABLE ONLY public.messages
    ADD CONSTRAINT messages_pkey PRIMARY KEY (id);


--
-- Name: outcomes outcomes_message_idx_key; Type: CONSTRAINT; Schema: public; Owner: rebound
--

ALTER TABLE ONLY public.outcomes
    ADD CONSTRAINT outcomes_message_idx_key UNIQUE (message, idx);


--
-- Name: outcomes_per_day outcomes_per_day_pkey; Type: CONSTRAINT; Schema: public; Owner: rebound
--

ALTER TABLE ONLY public.outcomes_per_day
    ADD CONSTRAINT outcomes_per_day_pkey PRIMARY KEY (day, class, reason);


--
-- Name: outcomes outcomes_pkey; Type: CONSTRAINT; Schema: public; Owner: rebound
--

ALTER TABLE ONLY public.outcomes
    ADD CONSTRAINT outcomes_pkey PRIMARY KEY (id);


--
-- Name: probe_forged probe_forged_pkey; Type: CONSTRAINT; Schema: public; Owner: rebound
--

ALTER TABLE ONLY public.probe_forged
    ADD CONSTRAINT probe_forged_pkey PRIMARY KEY (id);


--
-- Name: probes probes_pkey; Type: CONSTRAINT; Schema: public; Owner: rebound
--

ALTER TABLE ONLY public.probes
    ADD CONSTRAINT probes_pkey PRIMARY KEY (id);


--
-- Name: addresses_probing; Type: INDEX; Schema: public; Owner: rebound
--

CREATE INDEX addresses_probing ON public.addresses USING btree (address, state_reason, last_seen) WHERE (state = 'probing'::text);


--
-- Name: addresses_removed; Type: INDEX; Schema: public; Owner: rebound
--

CREATE INDEX addresses_removed ON public.addresses USING btree (address, state, state_reason, last_seen) WHERE (state = ANY (ARRAY['dead'::text, 'complained'::text]));


--
-- Name: addresses_suspect; Type: INDEX; Schema: public; Owner: rebound
--

CREATE INDEX addresses_suspect ON public.addresses USING btree (address, state_reason, last_seen) WHERE (state = 'suspect'::text);


--
-- Name: events_by_time; Type: INDEX; Schema: public; Owner: rebound
--

CREATE INDEX events_by_time ON public.events USING btree ("time");


--
-- Name: events_pending_address; Type: INDEX; Schema: public; Owner: rebound
--

CREATE INDEX events_pending_address ON public.events_pending USING btree (address);


--
-- Name: events_pending_due; Type: INDEX; Schema: public; Owner: rebound
--

CREATE INDEX events_pending_due ON public.events_pending USING btree (due, id);


--
-- Name: hook_actions_by_time; Type: INDEX; Schema: public; Owner: rebound
--

CREATE INDEX hook_actions_by_time ON public.hook_actions USING btree (hook, "time");


--
-- Name: hook_deliveries_pending; Type: INDEX; Schema: public; Owner: rebound
--

CREATE INDEX hook_deliveries_pending ON public.hook_deliveries USING btree (hook, address, event) WHERE (state = 'pending'::text);


--
-- Name: incidents_open; Type: INDEX; Schema: public; Owner: rebound
--

CREATE INDEX incidents_open ON public.incidents USING btree (id) WHERE (state = 'open'::text);


--
-- Name: messages_by_list; Type: INDEX; Schema: public; Owner: rebound
--

CREATE INDEX messages_by_list ON public.messages USING btree (list);


--
-- Name: outcomes_by_address; Type: INDEX; Schema: public; Owner: rebound
--

CREATE INDEX outcomes_by_address ON public.outcomes USING btree (address, at, class, reason);


--
-- Name: outcomes_by_time; Type: INDEX; Schema: public; Owner: rebound
--

CREATE INDEX outcomes_by_time ON public.outcomes USING btree (at, class, reason, address);


--
-- Name: outcomes_hard; Type: INDEX; Schema: public; Owner: rebound
--

CREATE INDEX outcomes_hard ON public.outcomes USING btree (at) WHERE (class = 'hard'::text);


--
-- Name: outcomes_held; Type: INDEX; Schema: public; Owner: rebound
--

CREATE INDEX outcomes_held ON public.outcomes USING btree (incident) WHERE (incident IS NOT NULL);


--
-- Name: probe_forged_by_address; Type: INDEX; Schema: public; Owner: rebound
--

CREATE INDEX probe_forged_by_address ON public.probe_forged USING btree (address);


--
-- Name: probes_by_address; Type: INDEX; Schema: public; Owner: rebound
--

CREATE INDEX probes_by_address ON public.probes USING btree (address, created);


--
-- Name: probes_by_sent; Type: INDEX; Schema: public; Owner: rebound
--

CREATE INDEX probes_by_sent ON public.probes USING btree (sent) WHERE (sent IS NOT NULL);


--
-- Name: probes_open; Type: INDEX; Schema: public; Owner: rebound
--

CREATE INDEX probes_open ON public.probes USING btree (state, next_try) WHERE (state = ANY (ARRAY['waiting'::text, 'sent'::text]));


--
-- Name: outcomes outcomes_counted; Type: TRIGGER; Schema: public; Owner: rebound
--

CREATE TRIGGER outcomes_counted AFTER INSERT OR DELETE ON public.outcomes FOR EACH ROW EXECUTE FUNCTION public.outcomes_count();


--
-- Name: outcomes outcomes_unchanged; Type: TRIGGER; Schema: public; Owner: rebound
--

CREATE TRIGGER outcomes_unchanged BEFORE UPDATE OF at, class, reason, address ON public.outcomes FOR EACH ROW EXECUTE FUNCTION public.outcomes_unchanged();


--
-- Name: outcomes outcomes_incident_fkey; Type: FK CONSTRAINT; Schema: public; Owner: rebound
--

ALTER TABLE ONLY public.outcomes
    ADD CONSTRAINT outcomes_incident_fkey FOREIGN KEY (incident) REFERENCES public.incidents(id);


--
-- Name: outcomes outcomes_message_fkey; Type: FK CONSTRAINT; Schema: public; Owner: rebound
--

ALTER TABLE ONLY public.outcomes
    ADD CONSTRAINT outcomes_message_fkey FOREIGN KEY (message) REFERENCES public.messages(id) ON DELETE CASCADE;


--
-- Name: outcomes outcomes_probe_fkey; Type: FK CONSTRAINT; Schema: public; Owner: rebound
--

ALTER TABLE ONLY public.outcomes
    ADD CONSTRAINT outcomes_probe_fkey FOREIGN KEY (probe) REFERENCES public.probes(id);


--
-- PostgreSQL database dump complete
--



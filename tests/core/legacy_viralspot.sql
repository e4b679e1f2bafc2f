-- A copy of the original ViralSpot database as the scraper workers and the original endpoint
-- left it (PostgreSQL), written from what is known of it: enum-typed priority and status,
-- uuid ids from uuid-ossp, column defaults, request_id varchar(50) UNIQUE (8-character ids
-- from the old writers, some NULL), an updated_at trigger, row-level security with permissive
-- policies on both tables, primary_profiles with ~50 columns and mixed-case usernames, a view
-- over queue, and two active rows for one username (the original check-then-insert race).
-- The app has never touched it: no viralspot_* table, no audit_log.

CREATE EXTENSION IF NOT EXISTS "uuid-ossp";

CREATE TYPE queue_priority AS ENUM ('HIGH', 'LOW');
CREATE TYPE queue_status AS ENUM ('PENDING', 'PROCESSING', 'COMPLETED', 'FAILED', 'PAUSED');

CREATE TABLE queue (
    id uuid PRIMARY KEY DEFAULT uuid_generate_v4(),
    username varchar(255) NOT NULL,
    source varchar(100) DEFAULT 'manual',
    priority queue_priority DEFAULT 'LOW',
    status queue_status DEFAULT 'PENDING',
    attempts integer DEFAULT 0,
    last_attempt timestamp with time zone,
    error_message text,
    request_id varchar(50) UNIQUE,
    "timestamp" timestamp with time zone DEFAULT now(),
    created_at timestamp with time zone DEFAULT now(),
    updated_at timestamp with time zone DEFAULT now()
);
CREATE INDEX idx_queue_status_priority ON queue (status, priority, "timestamp");
CREATE INDEX idx_queue_username ON queue (username);

CREATE TABLE primary_profiles (
    id uuid PRIMARY KEY DEFAULT uuid_generate_v4(),
    username varchar(255) NOT NULL UNIQUE,
    profile_name text,
    bio text,
    followers bigint DEFAULT 0,
    following bigint DEFAULT 0,
    posts_count integer DEFAULT 0,
    is_verified boolean DEFAULT false,
    is_private boolean DEFAULT false,
    is_business_account boolean DEFAULT false,
    profile_pic_url text,
    profile_pic_local text,
    external_url text,
    category text,
    business_email text,
    business_phone text,
    average_likes numeric,
    average_comments numeric,
    average_views numeric,
    engagement_rate numeric,
    total_reels integer,
    total_posts_scraped integer,
    last_post_date timestamp with time zone,
    account_type varchar(50),
    language varchar(20),
    country varchar(100),
    primary_category varchar(100),
    secondary_category varchar(100),
    tertiary_category varchar(100),
    keywords text[],
    similar_profiles jsonb,
    content_style text,
    posting_frequency numeric,
    best_posting_time text,
    growth_rate numeric,
    viral_score numeric,
    last_scraped_at timestamp with time zone,
    scrape_status varchar(50),
    scrape_error text,
    data_quality_score numeric,
    pad_01 text, pad_02 text, pad_03 text, pad_04 text, pad_05 text,
    pad_06 text, pad_07 text, pad_08 text, pad_09 text, pad_10 text,
    created_at timestamp with time zone DEFAULT now(),
    updated_at timestamp with time zone DEFAULT now()
);

CREATE OR REPLACE FUNCTION update_updated_at_column() RETURNS trigger AS $$
BEGIN
    NEW.updated_at = now();
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER update_queue_updated_at BEFORE UPDATE ON queue
    FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();
CREATE TRIGGER update_primary_profiles_updated_at BEFORE UPDATE ON primary_profiles
    FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();

ALTER TABLE queue ENABLE ROW LEVEL SECURITY;
ALTER TABLE primary_profiles ENABLE ROW LEVEL SECURITY;
CREATE POLICY "Allow all operations on queue" ON queue FOR ALL USING (true) WITH CHECK (true);
CREATE POLICY "Allow all operations on primary_profiles" ON primary_profiles
    FOR ALL USING (true) WITH CHECK (true);

CREATE VIEW queue_stats AS
    SELECT status, priority, count(*) AS count, min("timestamp") AS oldest,
           max("timestamp") AS newest
    FROM queue GROUP BY status, priority;

-- Processed profiles, some stored as typed (mixed case).
INSERT INTO primary_profiles (username, profile_name, followers) VALUES
    ('NatGeo', 'National Geographic', 283000000),
    ('nasa', 'NASA', 97000000),
    ('BBCNews', 'BBC News', 27000000);

-- The queue as the workers left it. 'dupe' has two active rows (the original endpoint's
-- check-then-insert race); some old rows have no request_id.
INSERT INTO queue (username, source, priority, status, attempts, request_id, "timestamp",
                   created_at, error_message) VALUES
    ('dupe', 'frontend', 'HIGH', 'PENDING', 0, 'a1b2c3d4',
        now() - interval '2 hours', now() - interval '2 hours', NULL),
    ('dupe', 'frontend', 'HIGH', 'PENDING', 0, 'e5f6a7b8',
        now() - interval '2 hours' + interval '40 milliseconds',
        now() - interval '2 hours' + interval '40 milliseconds', NULL),
    ('lowwaiting', 'manual', 'LOW', 'PENDING', 0, 'c9d0e1f2',
        now() - interval '1 day', now() - interval '1 day', NULL),
    ('busyone', 'frontend', 'HIGH', 'PROCESSING', 1, '13579bdf',
        now() - interval '5 minutes', now() - interval '5 minutes', NULL),
    ('NatGeo', 'manual', 'LOW', 'COMPLETED', 1, NULL,
        now() - interval '30 days', now() - interval '30 days', NULL),
    ('brokenone', 'manual', 'LOW', 'FAILED', 3, NULL,
        now() - interval '3 days', now() - interval '3 days', 'Profile not found'),
    ('OldStar', 'manual', 'LOW', 'PENDING', 0, NULL,
        now() - interval '10 days', now() - interval '10 days', NULL);

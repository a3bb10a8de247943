-- Per-endpoint caches (issue 5): the image and model cache every new instance of an endpoint is given, built once
-- per generation; what each instance holds (its data cache), which placement ranks by; why each copy went where
-- it went; and the launch secret an agent proves its instance (and so its endpoint) with.

-- One row per endpoint: the newest generation of its cache volume and where it is. A new generation is built when
-- the endpoint's plan (the images and models its components reference) changes, or when an agent reports the
-- current one missing or corrupt; the previous stays readable until the new one is ready.
create table endpoint_caches (
    endpoint_name   text primary key references endpoints (name) on delete cascade,
    generation      bigint      not null,
    status          text        not null check (status in ('Building', 'Ready', 'Failed')),
    -- The plan this generation holds: {"images":[...references...],"models":[...artifact URLs...]}.
    plan            jsonb       not null,
    -- Where the volume is: a directory (local fleet) or an EBS snapshot id (EC2). Null while building.
    location        text,
    -- What it holds: {"images":[{"source":...,"bytes":...,"blobs":[{"digest":...,"size":...}]}],
    --                 "models":[{"source":...,"bytes":...,"objects":[{"uri":...,"etag":...,"size":...}]}]}.
    content         jsonb,
    image_bytes     bigint,
    model_bytes     bigint,
    -- The generation agents read now (it stays the previous one until a rebuild is ready); null before the first.
    ready_generation bigint,
    ready_location  text,
    -- The token this endpoint's instances present to each other for peer fetch.
    peer_token      text        not null,
    failure_reason  text,
    -- Why the newest generation was started: 'planned', 'plan-changed', 'fault: <detail>'.
    build_reason    text        not null,
    faults          bigint      not null default 0,
    requested_at    timestamptz not null,
    build_started_at timestamptz,
    built_at        timestamptz,
    version         bigint      not null default 1
);

-- The hash (SHA-256, hex) of the secret an instance was launched with; its agent presents the secret to register
-- and heartbeat. Null for instances launched before this migration (they are given no cache).
alter table instances add column secret_hash text;
-- What the instance holds complete (agent protocol CacheInventory as JSON), as of its last heartbeat.
alter table instances add column inventory jsonb;

-- Why the copy was placed where it is: the candidates placement ranked, with their free resources and warm bytes,
-- and the reason for the choice (JSON; null for copies placed before this migration).
alter table copies add column placement jsonb;

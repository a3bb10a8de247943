-- Issue 4: the scaler's record of what it did and why, and what the router and the agents tell it.

-- One row per scaling decision the leader applied. A scale-out is followed phase by phase until its new copies
-- serve: each phase time is when the last of the event's copies (or instances) reached it.
create table scaling_events (
    id                    text primary key,
    endpoint_name         text        not null references endpoints (name) on delete cascade,
    component_name        text        not null,
    variant_name          text        not null,
    kind                  text        not null check (kind in ('ScaleOut', 'ScaleIn', 'ScaleFromZero', 'ScaleToZero')),
    status                text        not null check (status in ('InProgress', 'Completed', 'Superseded', 'Incomplete')),
    from_copies           int         not null,
    to_copies             int         not null,
    policy_name           text,
    burst                 boolean     not null default false,
    reason                text        not null,
    threshold_crossed_at  timestamptz,
    decided_at            timestamptz not null,
    instance_requested_at timestamptz,
    instance_ready_at     timestamptz,
    image_ready_at        timestamptz,
    model_ready_at        timestamptz,
    container_healthy_at  timestamptz,
    first_request_at      timestamptz,
    completed_at          timestamptz,
    image_tier            text,
    model_tier            text,
    copies                jsonb       not null default '[]'
);
create index scaling_events_endpoint on scaling_events (endpoint_name, decided_at desc, id desc);
create index scaling_events_open on scaling_events (component_name) where status = 'InProgress';

-- Which scale-out placed a copy or launched an instance, and when a copy first answered a request.
alter table copies add column scaling_event_id text;
alter table copies add column first_served_at timestamptz;
alter table instances add column scaling_event_id text;
-- Since when an instance holds no copies (null while it holds some), and how many image and model bytes its
-- agent keeps on disk: managed instance scaling releases the longest idle, coldest instance first.
alter table instances add column idle_since timestamptz;
alter table instances add column cached_bytes bigint not null default 0;

-- Per second, each control-plane replica's router load for each component, so the leader's scaler also sees the
-- requests that other replicas route.
create table router_load (
    replica_id     text             not null,
    component_name text             not null,
    endpoint_name  text             not null,
    variant_name   text             not null,
    sampled_at     timestamptz      not null,
    concurrency    double precision not null,
    invocations    bigint           not null,
    held           int              not null,
    oldest_held_at timestamptz,
    primary key (replica_id, component_name)
);

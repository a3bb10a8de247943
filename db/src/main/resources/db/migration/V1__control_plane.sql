-- The control plane's state. Desired state (configs, copy counts) is written by the API; observed state
-- (instances, copies, statuses) by the reconciler and the agents' heartbeats. Every row a client may update
-- carries a version for optimistic concurrency (ETag / If-Match).

create table endpoint_configs (
    name                text primary key,
    production_variants jsonb       not null,
    created_at          timestamptz not null
);

create table endpoints (
    name           text primary key,
    config_name    text        not null references endpoint_configs (name),
    status         text        not null check (status in ('Creating', 'InService', 'Updating', 'Deleting', 'Failed')),
    failure_reason text,
    created_at     timestamptz not null,
    updated_at     timestamptz not null,
    status_since   timestamptz not null,
    version        bigint      not null default 1
);
create index endpoints_config_name on endpoints (config_name);

create table inference_components (
    name               text primary key,
    endpoint_name      text        not null references endpoints (name),
    variant_name       text        not null,
    specification      jsonb       not null,
    spec_revision      bigint      not null default 1,
    desired_copy_count int         not null check (desired_copy_count >= 0),
    status             text        not null check (status in ('Creating', 'InService', 'Updating', 'Deleting', 'Failed')),
    failure_reason     text,
    created_at         timestamptz not null,
    updated_at         timestamptz not null,
    status_since       timestamptz not null,
    version            bigint      not null default 1
);
create index inference_components_endpoint on inference_components (endpoint_name);

create table instances (
    id                text primary key,
    endpoint_name     text        not null,
    variant_name      text        not null,
    instance_type     text        not null,
    status            text        not null check (status in ('Pending', 'InService', 'Terminating', 'Terminated')),
    agent_url         text,
    failure_reason    text,
    launched_at       timestamptz not null,
    registered_at     timestamptz,
    last_heartbeat_at timestamptz,
    terminated_at     timestamptz
);
create index instances_live on instances (endpoint_name) where status <> 'Terminated';

create table copies (
    id               text primary key,
    component_name   text        not null references inference_components (name) on delete cascade,
    instance_id      text        not null references instances (id),
    spec_revision    bigint      not null,
    accelerators     int         not null,
    cpu_millis       bigint      not null,
    memory_mb        bigint      not null,
    status           text        not null check (status in ('Pending', 'Starting', 'InService', 'Failed', 'Stopping')),
    model_server_url text,
    failure_reason   text,
    created_at       timestamptz not null,
    ready_at         timestamptz
);
create index copies_component on copies (component_name);
create index copies_instance on copies (instance_id);

create table scalable_targets (
    component_name      text primary key references inference_components (name) on delete cascade,
    min_capacity        int         not null,
    max_capacity        int         not null,
    scale_in_suspended  boolean     not null default false,
    scale_out_suspended boolean     not null default false,
    created_at          timestamptz not null,
    updated_at          timestamptz not null,
    version             bigint      not null default 1,
    check (min_capacity >= 0 and max_capacity >= min_capacity)
);

create table scaling_policies (
    component_name text        not null references inference_components (name) on delete cascade,
    policy_name    text        not null,
    policy_type    text        not null check (policy_type in ('TargetTrackingScaling', 'StepScaling')),
    configuration  jsonb       not null,
    created_at     timestamptz not null,
    updated_at     timestamptz not null,
    version        bigint      not null default 1,
    primary key (component_name, policy_name)
);

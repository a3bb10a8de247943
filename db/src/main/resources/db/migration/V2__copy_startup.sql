-- How each copy's start went, as its agent reported it: phases with their times and bytes, and the cache tiers
-- that served its image and model (JSON of the agent protocol's CopyStartup). Null until the agent reports.
alter table copies add column startup jsonb;

-- The edge (issue 16): what each edge reports, and which servers' ports are published.
CREATE TABLE `edge_reports` (
	`name` text PRIMARY KEY NOT NULL,
	`mode` text NOT NULL,
	`snat` text NOT NULL,
	`applied_generation` integer,
	`forwarded` integer NOT NULL,
	`refused` text NOT NULL,
	`problem` text,
	`reported_at` text NOT NULL
);
--> statement-breakpoint
ALTER TABLE `servers` ADD `published_generation` integer;
--> statement-breakpoint
-- Servers running with an address before the edge existed are published as of now, so an edge started after
-- the upgrade forwards them without a restart of each.
UPDATE `servers` SET `published_generation` = (SELECT coalesce(max(`id`), 0) FROM `events`)
WHERE `state` = 'running' AND `ipv4` IS NOT NULL AND `deleted_at` IS NULL;

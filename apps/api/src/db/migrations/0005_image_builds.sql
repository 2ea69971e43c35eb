CREATE TABLE `image_builds` (
	`id` text PRIMARY KEY NOT NULL,
	`game` text NOT NULL,
	`state` text NOT NULL,
	`reason` text NOT NULL,
	`node` text NOT NULL,
	`vmid` integer NOT NULL,
	`recipe` text NOT NULL,
	`steps` text NOT NULL,
	`ipv4` text,
	`error_code` text,
	`error_message` text,
	`error_step` text,
	`log` text,
	`requested_by` text,
	`created_at` text NOT NULL,
	`started_at` text,
	`finished_at` text
);
--> statement-breakpoint
CREATE INDEX `image_builds_game` ON `image_builds` (`game`,`created_at`);--> statement-breakpoint
CREATE UNIQUE INDEX `image_builds_game_unfinished` ON `image_builds` (`game`) WHERE state IN ('queued', 'running');
-- Schedules and guild settings (issue 17).
CREATE TABLE `guild_settings` (
	`guild_id` text PRIMARY KEY NOT NULL,
	`time_zone` text NOT NULL,
	`admin_channel_id` text,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `schedules` (
	`id` text PRIMARY KEY NOT NULL,
	`server_id` text NOT NULL,
	`action` text NOT NULL,
	`at` text,
	`every_hours` integer,
	`created_by` text,
	`created_at` text NOT NULL,
	`last_run_at` text,
	`last_outcome` text,
	`last_job_id` text,
	`last_note` text,
	`failure_announced_at` text
);
--> statement-breakpoint
CREATE INDEX `schedules_server` ON `schedules` (`server_id`);
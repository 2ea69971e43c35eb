CREATE TABLE `player_samples` (
	`server_id` text NOT NULL,
	`at` text NOT NULL,
	`up` integer NOT NULL,
	`online` integer,
	`max` integer,
	PRIMARY KEY(`server_id`, `at`)
);
--> statement-breakpoint
CREATE INDEX `player_samples_at` ON `player_samples` (`at`);--> statement-breakpoint
ALTER TABLE `servers` ADD `players_checked_at` text;--> statement-breakpoint
ALTER TABLE `servers` ADD `last_player_at` text;--> statement-breakpoint
ALTER TABLE `servers` ADD `idle_since` text;
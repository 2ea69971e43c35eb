ALTER TABLE `guild_settings` ADD `idle_sleep` text;--> statement-breakpoint
ALTER TABLE `guild_settings` ADD `idle_sleep_max` text;--> statement-breakpoint
ALTER TABLE `servers` ADD `awake_since` text;--> statement-breakpoint
ALTER TABLE `servers` ADD `idle_sleep` text;
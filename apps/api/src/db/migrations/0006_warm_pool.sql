CREATE TABLE `pool_vms` (
	`id` text PRIMARY KEY NOT NULL,
	`game` text NOT NULL,
	`state` text NOT NULL,
	`mode` text NOT NULL,
	`node` text NOT NULL,
	`vmid` integer NOT NULL,
	`image_vmid` integer NOT NULL,
	`recipe` text NOT NULL,
	`cores` integer NOT NULL,
	`memory_mib` integer NOT NULL,
	`disk_gib` integer NOT NULL,
	`memo` text DEFAULT '{}' NOT NULL,
	`server_id` text,
	`error` text,
	`failed_at` text,
	`created_at` text NOT NULL,
	`ready_at` text,
	`claimed_at` text
);
--> statement-breakpoint
CREATE INDEX `pool_vms_game_state` ON `pool_vms` (`game`,`state`,`ready_at`);
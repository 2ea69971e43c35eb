CREATE TABLE `api_tokens` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`hash` text NOT NULL,
	`scopes` text NOT NULL,
	`created_at` text NOT NULL,
	`last_used_at` text,
	`revoked_at` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `api_tokens_hash_unique` ON `api_tokens` (`hash`);--> statement-breakpoint
CREATE TABLE `audit_log` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`at` text NOT NULL,
	`token_id` text,
	`actor_user_id` text,
	`guild_id` text,
	`action` text NOT NULL,
	`server_id` text,
	`detail` text
);
--> statement-breakpoint
CREATE INDEX `audit_guild` ON `audit_log` (`guild_id`,`id`);--> statement-breakpoint
CREATE TABLE `events` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`type` text NOT NULL,
	`server_id` text,
	`job_id` text,
	`guild_id` text,
	`owner_id` text,
	`channel_id` text,
	`message` text NOT NULL,
	`data` text NOT NULL,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `events_guild` ON `events` (`guild_id`,`id`);--> statement-breakpoint
CREATE INDEX `events_server` ON `events` (`server_id`,`id`);--> statement-breakpoint
CREATE TABLE `idempotency_keys` (
	`token_id` text NOT NULL,
	`key` text NOT NULL,
	`request_hash` text NOT NULL,
	`status` integer NOT NULL,
	`body` text NOT NULL,
	`created_at` text NOT NULL,
	PRIMARY KEY(`token_id`, `key`)
);
--> statement-breakpoint
CREATE TABLE `job_steps` (
	`job_id` text NOT NULL,
	`position` integer NOT NULL,
	`name` text NOT NULL,
	`title` text NOT NULL,
	`state` text NOT NULL,
	`started_at` text,
	`finished_at` text,
	`detail` text,
	`error` text,
	`memo` text,
	PRIMARY KEY(`job_id`, `position`)
);
--> statement-breakpoint
CREATE TABLE `jobs` (
	`id` text PRIMARY KEY NOT NULL,
	`server_id` text NOT NULL,
	`kind` text NOT NULL,
	`state` text NOT NULL,
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
CREATE INDEX `jobs_server` ON `jobs` (`server_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `ports` (
	`port` integer NOT NULL,
	`protocol` text NOT NULL,
	`server_id` text NOT NULL,
	`purpose` text NOT NULL,
	`guest_port` integer NOT NULL,
	PRIMARY KEY(`port`, `protocol`)
);
--> statement-breakpoint
CREATE INDEX `ports_server` ON `ports` (`server_id`);--> statement-breakpoint
CREATE TABLE `quotas` (
	`scope` text NOT NULL,
	`subject_id` text NOT NULL,
	`max_servers` integer,
	`max_cores` integer,
	`max_memory_mib` integer,
	`updated_at` text NOT NULL,
	PRIMARY KEY(`scope`, `subject_id`)
);
--> statement-breakpoint
CREATE TABLE `servers` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`game` text NOT NULL,
	`guild_id` text NOT NULL,
	`owner_id` text NOT NULL,
	`channel_id` text NOT NULL,
	`state` text NOT NULL,
	`cores` integer NOT NULL,
	`memory_mib` integer NOT NULL,
	`disk_gib` integer NOT NULL,
	`vmid` integer,
	`node` text,
	`ipv4` text,
	`players_online` integer,
	`players_max` integer,
	`failure_code` text,
	`failure_message` text,
	`failure_step` text,
	`current_job_id` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`deleted_at` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `servers_guild_name_live` ON `servers` (`guild_id`,`name`) WHERE deleted_at IS NULL;--> statement-breakpoint
CREATE INDEX `servers_guild` ON `servers` (`guild_id`,`id`);--> statement-breakpoint
CREATE INDEX `servers_owner` ON `servers` (`owner_id`,`id`);--> statement-breakpoint
CREATE TABLE `vm_ids` (
	`vmid` integer PRIMARY KEY NOT NULL,
	`server_id` text NOT NULL,
	`reserved_at` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `webhook_deliveries` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`webhook_id` text NOT NULL,
	`event_id` integer NOT NULL,
	`attempt` integer NOT NULL,
	`state` text NOT NULL,
	`response_status` integer,
	`error` text,
	`created_at` text NOT NULL,
	`next_attempt_at` text,
	`delivered_at` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `deliveries_webhook_event_attempt` ON `webhook_deliveries` (`webhook_id`,`event_id`,`attempt`);--> statement-breakpoint
CREATE TABLE `webhooks` (
	`id` text PRIMARY KEY NOT NULL,
	`url` text NOT NULL,
	`secret` text NOT NULL,
	`event_types` text NOT NULL,
	`guild_id` text,
	`active` integer NOT NULL,
	`cursor` integer NOT NULL,
	`created_at` text NOT NULL
);

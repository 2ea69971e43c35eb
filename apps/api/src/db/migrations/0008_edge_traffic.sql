CREATE TABLE `edge_traffic` (
	`edge_name` text NOT NULL,
	`server_id` text NOT NULL,
	`packets` integer NOT NULL,
	`bytes` integer NOT NULL,
	`reported_at` text NOT NULL,
	PRIMARY KEY(`edge_name`, `server_id`)
);
--> statement-breakpoint
CREATE INDEX `edge_traffic_server` ON `edge_traffic` (`server_id`);--> statement-breakpoint
ALTER TABLE `servers` ADD `traffic_packets` integer;--> statement-breakpoint
ALTER TABLE `servers` ADD `traffic_at` text;
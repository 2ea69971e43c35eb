-- Ports were named by one string, `game` or, for the n-th port of a run, `game-n`; now by the catalog's purpose
-- and an index, counted from 1 among the game's ports of that purpose (GamePort of @guildserver/games). The
-- table is rebuilt to add the NOT NULL column. `game-n` becomes game n; a plain `game` row becomes the
-- n-th distinct guest port of that purpose on its server (guest ports are still the catalog's, which lists a
-- game's ports of one purpose in rising order: Satisfactory's 7777 is game 1, its 8888 game 2).
CREATE TABLE `__new_ports` (
	`port` integer NOT NULL,
	`protocol` text NOT NULL,
	`server_id` text NOT NULL,
	`purpose` text NOT NULL,
	`index` integer NOT NULL,
	`guest_port` integer NOT NULL,
	PRIMARY KEY(`port`, `protocol`)
);
--> statement-breakpoint
INSERT INTO `__new_ports`(`port`, `protocol`, `server_id`, `purpose`, `index`, `guest_port`)
SELECT `port`, `protocol`, `server_id`,
	CASE WHEN instr(`purpose`, '-') > 0 THEN substr(`purpose`, 1, instr(`purpose`, '-') - 1) ELSE `purpose` END,
	CASE WHEN instr(`purpose`, '-') > 0 THEN CAST(substr(`purpose`, instr(`purpose`, '-') + 1) AS INTEGER)
	ELSE 1 + (
		SELECT count(DISTINCT `other`.`guest_port`) FROM `ports` AS `other`
		WHERE `other`.`server_id` = `ports`.`server_id` AND `other`.`purpose` = `ports`.`purpose`
			AND `other`.`guest_port` < `ports`.`guest_port`
	) END,
	`guest_port`
FROM `ports`;
--> statement-breakpoint
DROP TABLE `ports`;
--> statement-breakpoint
ALTER TABLE `__new_ports` RENAME TO `ports`;
--> statement-breakpoint
CREATE INDEX `ports_server` ON `ports` (`server_id`);
--> statement-breakpoint
CREATE UNIQUE INDEX `ports_server_slot` ON `ports` (`server_id`,`purpose`,`index`,`protocol`);

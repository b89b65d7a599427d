CREATE TABLE `user_db_moves` (
	`id` text PRIMARY KEY NOT NULL,
	`from_shards` integer NOT NULL,
	`to_shards` integer NOT NULL,
	`progress` text NOT NULL,
	`rev` integer NOT NULL,
	`created_at_ms` integer NOT NULL,
	`updated_at_ms` integer NOT NULL,
	`finished_at_ms` integer
);

-- Backups and restores (issue 17): what a job was asked to do beyond its kind.
ALTER TABLE `jobs` ADD `params` text;
"""Running an installation: first start and migrations, the feed process, backups."""

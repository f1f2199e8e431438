"""Population feed: the simulated operator, the feed format, ingestion, drop folder, health, worker."""

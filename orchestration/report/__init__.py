"""The replication report of the seed study from the published marts."""

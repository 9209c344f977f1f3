"""Fault tests: the database going away under a running app, a worker killed in the middle of a write,
rate limits shared by several worker processes."""

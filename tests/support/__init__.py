"""Helpers of the resilience tests: real server processes (bin/serve), GraphQL over real
HTTP, scratch PostgreSQL databases and a throwaway PostgreSQL cluster. Everything they
start listens on, and every request they send goes to, 127.0.0.1 only."""

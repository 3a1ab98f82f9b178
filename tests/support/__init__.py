"""What tests share: the documents they send (documents, strategies), GraphQL operations
and uploads, and, for the resilience tests and the benchmark (bench/ imports them), real
server processes (bin/serve), GraphQL over real HTTP, scratch PostgreSQL databases and a
throwaway PostgreSQL cluster. Everything they start listens on, and every request they send
goes to, 127.0.0.1 only."""

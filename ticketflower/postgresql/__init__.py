"""Django's PostgreSQL backend, writing the tenant scope of the work at hand into each transaction (base.py)."""

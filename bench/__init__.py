"""TicketFlower's performance benchmark harness: `bench/run` (see bench/README.md)."""

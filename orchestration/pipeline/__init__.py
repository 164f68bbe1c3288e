"""The refresh: what to do (plan) and doing it (the one-shot run both triggers share)."""

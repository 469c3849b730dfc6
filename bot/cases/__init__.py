"""The case store: cases with typed intake answers, notes and status history."""

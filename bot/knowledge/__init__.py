"""The local knowledge store: corpus parsing, loading into SQL, ranked search."""

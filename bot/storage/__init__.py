"""Where data is kept: the engine, encrypted column types, the schema and its migrations."""

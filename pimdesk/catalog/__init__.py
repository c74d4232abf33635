"""Domain and storage: SQLAlchemy models, sessions, queries and the shipped migrations. No Qt."""

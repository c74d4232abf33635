"""PySide6 front end: thin views, Qt models and workers over the services."""

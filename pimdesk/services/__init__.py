"""Use-cases both front ends call (import_products, ingest_paths, publish_channel, ...).

Each module takes an open :class:`pimdesk.library.Library`, runs one unit of work in one
transaction, emits one :class:`pimdesk.events.Change` and returns plain data (ids, report
dataclasses), never ORM objects that outlive their session.
"""

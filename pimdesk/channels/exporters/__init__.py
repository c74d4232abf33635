"""The built-in exporters, one module each, registered through the ``pimdesk.exporters``
entry-point group like any third-party plugin (see ``pyproject.toml``)."""

"""pimdesk: one local catalog for product facts and product media, published to every channel."""

__version__ = "0.1.0"

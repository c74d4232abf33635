"""Plain rows the Qt models hold (no Qt here: they are built in worker threads or in the
read process and pickled across).

The products table's rows and pages are the products-table service's own dataclasses
(``services.product_table``): a product or a product model, with the key it was paged by.
"""

from __future__ import annotations

from pimdesk.services.product_table import TablePage as Page
from pimdesk.services.product_table import TableRow as ProductRow

__all__ = ["Page", "ProductRow"]

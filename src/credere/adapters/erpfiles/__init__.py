"""ERP files in and out: CSV and XLSX tables, ECB reference-rate XML.

Pure format code: these modules turn bytes into rows of cells (text, exact ``Decimal``
numbers, dates) and report what they could not read. They hold no business rules; the
import services in :mod:`credere.imports` decide what a row means and whether it is valid.
"""

from credere.adapters.erpfiles.ecb import EcbRate, read_ecb
from credere.adapters.erpfiles.errors import FileFormatError
from credere.adapters.erpfiles.rows import Cell, Row, Table
from credere.adapters.erpfiles.table import FORMATS, detect_format, read_table

__all__ = ["FORMATS", "Cell", "EcbRate", "FileFormatError", "Row", "Table", "detect_format", "read_ecb", "read_table"]

"""Replay recorded customer-care conversations as X webhook deliveries (``socialcare replay``)."""

from .plan import Delivery, build_deliveries
from .runner import Replayer
from .sources import Record, chains, read_ibm, read_records, read_twcs

__all__ = ["Delivery", "Record", "Replayer", "build_deliveries", "chains", "read_ibm", "read_records",
           "read_twcs"]

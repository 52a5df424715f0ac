"""Readers for the benchmark formats: Solomon VRPTW text files and the UHHC JSON format (Mankowska)."""

from routing.readers.solomon import SolomonInstance, read_solomon
from routing.readers.uhhc import UhhcInstance, read_uhhc

__all__ = ["SolomonInstance", "UhhcInstance", "read_solomon", "read_uhhc"]

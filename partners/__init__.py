"""The PARTNERS platform."""

__version__ = "0.1.0"

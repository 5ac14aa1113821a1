"""Tanji (碳迹): product carbon footprints per GB/T 24067-2024 / ISO 14067."""

__version__ = "0.1.0"

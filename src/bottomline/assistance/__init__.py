"""Assistance (帮扶): the catalogue of measures, plans per case, helpers and income follow-up."""

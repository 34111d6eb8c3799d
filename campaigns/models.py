"""Campaigns, triggers, segments and deliveries arrive with the campaigns issue; the app exists so
the dependency direction (campaigns -> orders -> selfcare -> catalog) is fixed from the start."""

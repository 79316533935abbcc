"""Shared plans on PostgreSQL: one plan edited by many people (docs/shared-plans.md).

Nothing here is imported by the .cadence document code; the command line reaches it
only when a plan argument is a ``postgresql://`` URL.
"""

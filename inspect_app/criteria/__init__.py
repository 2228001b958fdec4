"""The criteria workbook: a checklist version as an Excel workbook the department's legal staff edit.

openpyxl lives here, outside the domain; the catalog validator (domain/catalog.py) stays the one
judge of what a version may hold.
"""

"""Reports: the Excel workbook and tidy CSV tables.  Renders results; computes nothing new."""

"""Fonts, fills, number formats and widths used by the workbook."""
from __future__ import annotations

from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

FONT = "Calibri"
TITLE = Font(name=FONT, size=14, bold=True, color="1F3864")
SUBTITLE = Font(name=FONT, size=10, italic=True, color="595959")
HEADER = Font(name=FONT, size=10, bold=True, color="FFFFFF")
BOLD = Font(name=FONT, size=10, bold=True)
NORMAL = Font(name=FONT, size=10)
NOTE = Font(name=FONT, size=9, italic=True, color="595959")
HEADER_FILL = PatternFill("solid", fgColor="1F3864")
INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")
CENTRAL_FILL = PatternFill("solid", fgColor="FFD966")
TOTAL_FILL = PatternFill("solid", fgColor="D9E1F2")
THIN = Side(style="thin", color="BFBFBF")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
WRAP = Alignment(wrap_text=True, vertical="top")
CENTER = Alignment(horizontal="center", vertical="center")

USD_BN = '#,##0.00;[Red]-#,##0.00'   # US$ bn: two decimals so small channels stay readable
USD_BN1 = '#,##0.0;[Red]-#,##0.0'
PCT = '0.00"%";[Red]-0.00"%"'        # values already in percent
SHARE = '0.0%'
COEF = '0.0000'
INT = '0'
GENERAL = 'General'

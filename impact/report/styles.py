"""Fonts, fills, borders and number formats of the workbook (one place, so every sheet looks alike)."""
from __future__ import annotations

from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

FONT = "Calibri"
NAVY = "1F3864"
GREY = "595959"

TITLE = Font(name=FONT, size=14, bold=True, color=NAVY)
SUBTITLE = Font(name=FONT, size=10, italic=True, color=GREY)
HEADING = Font(name=FONT, size=11, bold=True, color=NAVY)
HEADER = Font(name=FONT, size=10, bold=True, color="FFFFFF")
BOLD = Font(name=FONT, size=10, bold=True)
NORMAL = Font(name=FONT, size=10)
NOTE = Font(name=FONT, size=9, italic=True, color=GREY)
LINK = Font(name=FONT, size=10, color="0563C1", underline="single")
FORMULA = Font(name=FONT, size=10, bold=True, color="000000")
INPUT = Font(name=FONT, size=10, color="0000FF")  # blue = editable input (modelling convention)

HEADER_FILL = PatternFill("solid", fgColor=NAVY)
INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")
FORMULA_FILL = PatternFill("solid", fgColor="E2EFDA")
TOTAL_FILL = PatternFill("solid", fgColor="D9E1F2")

THIN = Side(style="thin", color="BFBFBF")
THICK = Side(style="medium", color="000000")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
CENTRAL_BOX = Border(left=THICK, right=THICK, top=THICK, bottom=THICK)
TOP_RULE = Border(top=Side(style="thin", color=NAVY))

HEADER_ALIGN = Alignment(wrap_text=True, vertical="center", horizontal="center")
WRAP = Alignment(wrap_text=True, vertical="top")
TOP = Alignment(vertical="top")
CENTER = Alignment(horizontal="center", vertical="center")
LEFT = Alignment(horizontal="left")

# Number formats, by unit.  Percent values are stored in percent (1.5 = 1.5 %), shares as fractions.
USD_BN = '#,##0.00;-#,##0.00;0.00'       # US$ bn: two decimals so small channels stay readable
USD_BN4 = '#,##0.0000;-#,##0.0000;0.0000'  # What-if: enough digits to compare with the model
USD_BN2 = '#,##0.000'                     # variances (US$ bn squared)
PCT = '0.00"%";-0.00"%";0.00"%"'         # values already in percent (of baseline)
SHARE = '0.0%'                           # fractions shown as percent (weights, variance shares)
COEF = '0.0000'                          # coefficients, elasticities, standard errors
PVALUE = '0.000'
INDEX = '0.000'                          # Sobol indices
INT = '0'                                # years
COUNT = '#,##0'
GENERAL = 'General'
VALUE = '#,##0.00##'                     # mixed-unit values (assumptions): up to 4 decimals

# Column widths (characters).
WIDTH_MIN = 8.0
WIDTH_NUM = 12.0
WIDTH_TEXT_MAX = 48.0
WIDTH_LONG_TEXT = 70.0

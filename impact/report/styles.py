"""Fonts, fills, borders and number formats of the workbook (one place, so every sheet looks alike)."""
from __future__ import annotations

FONT = "Calibri"
NAVY = "1F3864"
GREY = "595959"


def _font(size: float, color: str = "000000", **kw: object) -> dict[str, object]:
    return {"font_name": FONT, "font_size": size, "font_color": "#" + color, **kw}


# Cell style parts as XlsxWriter format properties; a cell's format merges one of each kind.
TITLE = _font(14, NAVY, bold=True)
SUBTITLE = _font(10, GREY, italic=True)
HEADING = _font(11, NAVY, bold=True)
HEADER = _font(10, "FFFFFF", bold=True)
BOLD = _font(10, bold=True)
NORMAL = _font(10)
NOTE = _font(9, GREY, italic=True)
LINK = _font(10, "0563C1", underline=1)
FORMULA = _font(10, bold=True)
#: the smallest font the workbook uses (notes); print scales keep it at 8 pt or more on paper
SMALLEST_FONT = 9.0
MIN_PRINTED_FONT = 8.0
INPUT = _font(10, "0000FF")  # blue = editable input (modelling convention)

HEADER_FILL = {"pattern": 1, "bg_color": "#" + NAVY}
INPUT_FILL = {"pattern": 1, "bg_color": "#FFF2CC"}
FORMULA_FILL = {"pattern": 1, "bg_color": "#E2EFDA"}
TOTAL_FILL = {"pattern": 1, "bg_color": "#D9E1F2"}

BOX = {"border": 1, "border_color": "#BFBFBF"}          # thin grey
CENTRAL_BOX = {"border": 2, "border_color": "#000000"}  # medium black

HEADER_ALIGN = {"text_wrap": True, "valign": "vcenter", "align": "center"}
WRAP = {"text_wrap": True, "valign": "top"}
TOP = {"valign": "top"}
LEFT = {"align": "left"}

# Number formats, by unit.  Every percentage is a real Excel percentage: the cell holds the
# fraction (0.015) and shows 1.50%.  Values that would display as zero are written as 0 (Sheet.put),
# so no cell shows "-0.00".
USD_BN = '#,##0.00;-#,##0.00;0.00'       # US$ bn: two decimals so small channels stay readable
USD_BN4 = '#,##0.0000;-#,##0.0000;0.0000'  # What-if: enough digits to compare with the model
USD_BN2 = '#,##0.000'                     # variances (US$ bn squared)
PCT = '0.00%'                            # percentages (of a baseline, inputs in percent units)
SHARE = '0.0%'                           # fractions shown as percent (weights, probabilities, variance shares)
DATE = 'yyyy-mm-dd'                      # shock start dates
COEF = '0.0000'                          # coefficients, elasticities, standard errors
PVALUE = '0.000'
INDEX = '0.000'                          # Sobol indices
INT = '0'                                # years
COUNT = '#,##0'
VALUE = '#,##0.00##'                     # mixed-unit values (assumptions): up to 4 decimals

# Column widths (characters).
WIDTH_MIN = 8.0
WIDTH_NUM = 12.0
WIDTH_TEXT_MAX = 48.0
WIDTH_LONG_TEXT = 70.0

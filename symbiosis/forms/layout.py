"""The form's layout (docs/format.md, "Data forms"): one source for the template, the merge
and the docs."""
from __future__ import annotations

INSTRUCTIONS, FIRM, STREAMS, QUALITIES, CATALOGUE, LISTS = (
    "Instructions", "Firm", "Streams", "Qualities", "Catalogue", "Lists")
SHEETS = (INSTRUCTIONS, FIRM, STREAMS, QUALITIES, CATALOGUE, LISTS)
# the columns a firm fills, in this order; the first of each is required on every row
FIRM_COLUMNS = ("firm_id", "name", "park", "sector", "lat", "lon", "x_km", "y_km",
                "licences", "note")
STREAM_COLUMNS = ("stream_id", "direction", "resource", "quantity", "unit", "price", "co2",
                  "t_in", "t_out", "note")
QUALITY_COLUMNS = ("stream_id", "property", "value", "note")
COLUMNS = {FIRM: FIRM_COLUMNS, STREAMS: STREAM_COLUMNS, QUALITIES: QUALITY_COLUMNS}
DIRECTIONS = ("supply", "demand")
FORM_ROWS = 200  # stream and quality rows with drop-down lists
LICENCE_SEPARATOR = ";"  # docs/format.md: `licences`, ';'-separated hazardous-waste codes
CURRENCY_CELL = "currency"  # Lists sheet: the catalogue's currency, read back by merge

INSTRUCTIONS_TEXT: tuple[tuple[str, str], ...] = (
    ("Green production data form — one firm per form",
     "Mẫu dữ liệu sản xuất xanh — mỗi doanh nghiệp một mẫu"),
    ("1. Sheet Firm: fill row 2 with your firm: firm_id (the code the association gave you), "
     "name, park, sector, and either lat, lon (degrees) or x_km, y_km. licences: the "
     "hazardous-waste codes you are licensed to receive and treat, separated by ';' "
     "(e.g. 07 01 01; 19 02 05), blank if none.",
     "1. Trang Firm: điền dòng 2 với thông tin doanh nghiệp: firm_id (mã do hiệp hội cấp), "
     "tên, khu công nghiệp, ngành, và lat, lon (độ) hoặc x_km, y_km. licences: các mã chất "
     "thải nguy hại doanh nghiệp được phép tiếp nhận và xử lý, cách nhau bởi ';' "
     "(ví dụ 07 01 01; 19 02 05), để trống nếu không có."),
    ("2. Sheet Streams: one row per by-product you give away (direction supply) or input you "
     "could take from others (direction demand). stream_id: unique, e.g. F07_s_scrap. "
     "resource and unit: choose from the lists (the park's catalogue, sheet Catalogue); the "
     "unit must be the resource's. quantity: per year (heat: average kW). price, co2: only "
     "if yours differ from the catalogue (a demand's purchase price, a supply's disposal "
     "cost). t_in, t_out: heat streams only, °C.",
     "2. Trang Streams: mỗi dòng là một phụ phẩm doanh nghiệp thải ra (direction supply) hoặc "
     "một đầu vào có thể nhận từ doanh nghiệp khác (direction demand). stream_id: duy nhất, "
     "ví dụ F07_s_scrap. resource và unit: chọn trong danh sách (danh mục của khu, trang "
     "Catalogue); đơn vị phải đúng đơn vị của tài nguyên. quantity: mỗi năm (nhiệt: kW trung "
     "bình). price, co2: chỉ điền nếu khác danh mục (giá mua của nhu cầu, chi phí xử lý của "
     "nguồn thải). t_in, t_out: chỉ cho dòng nhiệt, °C."),
    ("3. Sheet Qualities (optional): levels of contaminants or purity, e.g. cod_mg_l, for a "
     "supply its level, for a demand the highest level it accepts.",
     "3. Trang Qualities (không bắt buộc): mức chất ô nhiễm hoặc độ tinh khiết, ví dụ "
     "cod_mg_l; với nguồn thải là mức của nó, với nhu cầu là mức cao nhất chấp nhận được."),
    ("4. Type values, not formulas: a cell holding a formula is refused. Do not rename "
     "sheets or headers. Return the file to the association.",
     "4. Nhập giá trị, không nhập công thức: ô chứa công thức sẽ bị từ chối. Không đổi tên "
     "trang hay tiêu đề cột. Gửi lại tệp cho hiệp hội."),
)

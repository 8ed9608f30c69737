"""The quirks of the five seed pages, on project-written pages of the same shapes.

Each page below is written for this test in the markup of one seed's portal
(text invented, structure as the seed shows it) and parsed with the bundled
profile of that portal family.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from portalwatch.parse import parse_article
from portalwatch.parse.documents import find_references, parse_document
from portalwatch.parse.profile import get_profile

TZ = ZoneInfo("Asia/Ho_Chi_Minh")

PROVINCE_PAGE = """<!DOCTYPE html><html><head><title>{title} - Đảng bộ tỉnh Điện Biên</title>
<script>var __pageToken = 'a1b2';</script></head><body><form><input type="hidden" name="__VIEWSTATE" value="xyz" />
<table><tr><td colspan="2"><div>TRANG THÔNG TIN ĐIỆN TỬ ĐẢNG BỘ TỈNH ĐIỆN BIÊN</div></td></tr>
<tr><td><div class="breadcrumb"><a href="/">Trang chủ</a> &gt; <a href="/tin-tuc-su-kien.aspx">Tin tức - Sự kiện</a></div>
<div class="NewsDetail"><ul class="ul-detail">
<li class="title"><span>{title}</span></li>
<li class="date"><span>Thời gian đăng: {posted}</span></li>
<li class="sapo"><strong>{lead}</strong></li>
<li class="content"><div>{body}
<p style="text-align: right;"><strong>{byline}</strong></p></div></li></ul>
<ul class="ul-other"><li><a href="/tin-tuc-su-kien/chi-tiet.aspx?NewsID=9">Đồng chí Phó Bí thư Thường trực Tỉnh ủy thăm và làm việc tại huyện Tuần Giáo</a></li>
<li class="pager-label">Trang: </li><li class="pager"><span>1141-1150 of 1350</span><a href="?Page=110">110</a></li></ul></div>
</td><td><ul class="ul-right"><li><div>BẢN ĐỒ HÀNH CHÍNH</div><div>Liên kết web</div></li>
<li><div>Thống kê truy cập</div>Tổng truy cập: <span>1234567</span></li></ul></td></tr></table></form></body></html>"""

SEED_000_BODY = """<table class="image" align="center"><tr><td><img src="/Uploads/Images/Trong-Nghia1.jpg" /></td></tr>
<tr><td><em>(Toàn cảnh buổi làm việc giữa Đoàn công tác với Ban Thường vụ Tỉnh ủy Điện Biên)</em></td></tr></table>
<p><span style="font-size: 14pt;">Từ ngày 18/6/2021, Đoàn công tác của Trung ương đã có chuyến thăm và làm việc tại tỉnh Điện Biên, kiểm tra công tác phòng, chống dịch Covid-19 tại huyện Nậm Pồ.</span></p>
<p>&nbsp; &nbsp; &nbsp; Dịch Covid-19 xuất hiện tại xã Si Pa Phìn từ ngày 14/5, xuất hiện tổng số 46 ca mắc, thực hiện truy vết 1.265 trường hợp F1 và 3.655 trường hợp F2; đến nay tình hình dịch đã được kiểm soát.</p>"""


def test_seed_000_provincial_party_portal_with_counter_figures_and_tin_anh_byline():
    html = PROVINCE_PAGE.format(
        title="Bài học trong phòng, chống dịch Covid-19 của Điện Biên cần được nhân rộng",
        posted="24/06/2021 03:43:03 PM - Lượt đọc: 8228",
        lead="Trong chuyến công tác ngày 18/6 tại tỉnh Điện Biên.",
        body=SEED_000_BODY,
        byline="Tin, ảnh: Lý Thanh Tiềm",
    )
    record = parse_article(
        html, "https://dienbien.dcs.vn/tin-tuc-su-kien/chi-tiet.aspx?NewsID=1", get_profile("dcs_aspnet")
    )
    assert record.title == "Bài học trong phòng, chống dịch Covid-19 của Điện Biên cần được nhân rộng"
    assert record.published_at == datetime(2021, 6, 24, 15, 43, 3, tzinfo=TZ)
    assert record.view_count == 8228
    assert (record.author, record.photographer, record.attribution) == ("Lý Thanh Tiềm", "Lý Thanh Tiềm", "")
    assert [(i.src, i.caption) for i in record.images] == [
        ("Trong-Nghia1.jpg", "Toàn cảnh buổi làm việc giữa Đoàn công tác với Ban Thường vụ Tỉnh ủy Điện Biên")
    ]
    assert record.body_text.split("\n\n")[1].startswith("Dịch Covid-19 xuất hiện tại xã Si Pa Phìn")
    for chrome in ("Tuần Giáo", "1141-1150", "Tổng truy cập", "BẢN ĐỒ", "Trong-Nghia1.jpg", "Toàn cảnh"):
        assert chrome not in record.body_text
    assert record.breadcrumb == ("Trang chủ", "Tin tức - Sự kiện")


def test_seed_001_vptu_byline_and_a_party_decision_cited_with_a_comma_before_its_date():
    body = (
        "<p>Dự họp có các đồng chí thành viên Ban Chỉ đạo phòng, chống dịch Covid-19 tỉnh theo Quyết định số "
        "1325-QĐ/TU, ngày 19/10/2021 của Ban Thường vụ Tỉnh ủy; xã Na Tông nâng mức cấp độ 4 theo Nghị quyết số "
        "128 của Chính phủ…</p><p>Đồng chí yêu cầu huyện Điện Biên khẩn trương thực hiện phong tỏa triệt để, "
        "chặt chẽ, gọn các ổ dịch, nguồn lây trong thời gian sớm nhất.</p>"
    )
    html = PROVINCE_PAGE.format(
        title="Quyết liệt triển khai các biện pháp phòng, chống dịch Covid-19 trên địa bàn tỉnh",
        posted="04/11/2021 05:15:54 PM - Lượt đọc: 9514",
        lead="Chỉ đạo tại cuộc họp trực tuyến.",
        body=body,
        byline="Phan Văn Thắng, VPTU",
    )
    record = parse_article(html, "https://dienbien.dcs.vn/x.aspx?NewsID=2", get_profile("dcs_aspnet"))
    assert record.published_at == datetime(2021, 11, 4, 17, 15, 54, tzinfo=TZ)
    assert (record.author, record.attribution) == ("Phan Văn Thắng", "VPTU")
    references = find_references(record.body_text)
    assert [(r.number, r.kind, r.referenced_date) for r in references] == [
        ("1325-QĐ/TU", "Quyết định", date(2021, 10, 19))
    ]


def test_seed_002_district_portal_without_counter_and_an_organization_in_the_byline():
    html = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>Hội nghị</title></head><body>
<ol class="breadcrumb"><li><a href="/">Trang chủ</a></li><li class="active">Tin tức - Sự kiện</li></ol>
<div class="news-detail"><ul class="list-unstyled detail">
<li><h2 class="news-title">Hội nghị trực tuyến về công tác phòng, chống dịch bệnh COVID-19</h2></li>
<li class="news-time">Thời gian đăng: 09/09/2022 08:46:19 AM</li>
<li class="news-content"><p><strong>Ngày 8/9/2022, Ban chỉ đạo phòng, chống dịch bệnh Covid-19 tỉnh đã tổ chức hội nghị trực tuyến.</strong></p>
<p style="text-align: center;"><img src="/Uploads/images/20220908_081833.jpg" /></p>
<p style="text-align: center;"><em>Toàn cảnh cuộc họp tại điểm cầu huyện Tủa Chùa.</em></p>
<p style="text-align: justify;">&nbsp;&nbsp;&nbsp; Trong 3 tháng đầu năm 2022, tình hình dịch Covid-19 diễn biến phức tạp tại 10/10 huyện, thị xã, thành phố. Tính đến ngày 7/9, tỉnh đã triển khai tiêm được 1.453.359 liều, đạt 96,7% số vắc xin đã tiếp nhận.</p></li>
<li class="news-author" style="text-align: right;"><b>Vũ Đức - Trung tâm VH - TT - TH</b></li></ul>
<div class="other-news"><b>Các tin khác:</b><br /><a href="/tin-tuc/ra-mat-1.html">Ra mắt mô hình điểm “Công an thân thiện” tại xã Mường Đun</a>
<div class="paging">41-50 of 3421</div></div></div>
<ul class="sidebar-list"><li>Công khai gửi nhận văn bản</li><li>Thống kê truy cập</li><li>Tổng truy cập: 99</li></ul></body></html>"""
    record = parse_article(
        html, "https://tuachua.dienbien.gov.vn/tin-tuc/hoi-nghi-1.html", get_profile("district_portal")
    )
    assert record.published_at == datetime(2022, 9, 9, 8, 46, 19, tzinfo=TZ)
    assert record.view_count is None and "view_count: no counter found" in record.warnings
    assert (record.author, record.photographer, record.attribution) == (
        "Vũ Đức",
        "",
        "Trung tâm VH - TT - TH",
    )
    assert record.lead.startswith("Ngày 8/9/2022")
    assert record.images[0].caption == "Toàn cảnh cuộc họp tại điểm cầu huyện Tủa Chùa."
    assert (
        record.body_text.startswith("Trong 3 tháng đầu năm 2022") and "Các tin khác" not in record.body_text
    )
    assert record.category == "Tin tức - Sự kiện"


def test_seed_003_party_dispatch_with_wrapped_subject_addressees_and_citations():
    html = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>Công văn</title></head><body>
<div class="vanban-detail"><h2 class="vb-title">Công văn số 53-CV/TU</h2><div class="vb-content">
<table><tr><td><p><b>TỈNH ỦY ĐIỆN BIÊN</b></p><p>*</p><p>Số 53-CV/TU</p>
<p><i>V/v tăng cường công tác phòng,<br />chống dịch bệnh Covid-19</i></p></td>
<td><p><b><u>ĐẢNG CỘNG SẢN VIỆT NAM</u></b></p><p><i>Điện Biên, ngày 09 tháng 12 năm 2020</i></p></td></tr></table>
<table><tr><td>Kính gửi:*</td><td><p>- Các đảng đoàn, ban cán sự đảng,</p><p>- Các cơ quan tham mưu, giúp việc Tỉnh ủy,</p>
<p>- Các huyện ủy, thị ủy, thành ủy, đảng ủy trực thuộc.</p></td></tr></table>
<p>Trước tình hình trên, thực hiện Công điện hỏa tốc số 1699/CĐ-TTg ngày 02/12/2020 của Thủ tướng Chính phủ, Công văn số 9816-CV/BTGTW, ngày 03/12/2020 của Ban Tuyên giáo Trung ương về tăng cường chỉ đạo công tác phòng chống dịch bệnh Covid-19, Thường trực Tỉnh ủy yêu cầu:</p>
<p>1. Các đảng đoàn, ban cán sự đảng tiếp tục đẩy mạnh quán triệt, chỉ đạo thực hiện nghiêm các chủ trương của Đảng.</p>
<table><tr><td><p><b><i>Nơi nhận:</i></b></p><p>- Như trên,</p><p>- Thường trực Tỉnh ủy,</p><p>- Lưu Văn phòng Tỉnh ủy, TH2.</p></td>
<td><p><b>T/M BAN THƯỜNG VỤ</b></p><p><b>PHÓ BÍ THƯ THƯỜNG TRỰC</b></p><p><i>(Đã ký)</i></p><p><b>Lò Văn Mừng</b></p></td></tr></table>
</div><p>Tệp đính kèm: <a href="/files/53-CV-TU.pdf">53-CV-TU.pdf</a></p></div></body></html>"""
    document = parse_document(
        html, "https://dienbien.dcs.vn/van-ban/chi-tiet.aspx?DocID=53", get_profile("dcs_aspnet")
    )
    assert (document.number, document.kind, document.issuer) == ("53-CV/TU", "Công văn", "TỈNH ỦY ĐIỆN BIÊN")
    assert document.subject == "V/v tăng cường công tác phòng, chống dịch bệnh Covid-19"
    assert (document.issued_place, document.issued_date) == ("Điện Biên", date(2020, 12, 9))
    assert document.addressees == (
        "Các đảng đoàn, ban cán sự đảng,",
        "Các cơ quan tham mưu, giúp việc Tỉnh ủy,",
        "Các huyện ủy, thị ủy, thành ủy, đảng ủy trực thuộc.",
    )
    assert document.distribution == ("Như trên,", "Thường trực Tỉnh ủy,", "Lưu Văn phòng Tỉnh ủy, TH2.")
    assert (document.signer, document.signer_title) == (
        "Lò Văn Mừng",
        "T/M BAN THƯỜNG VỤ PHÓ BÍ THƯ THƯỜNG TRỰC",
    )
    assert [(a.url, a.kind) for a in document.attachments] == [("/files/53-CV-TU.pdf", "pdf")]
    assert [(r.number, r.kind, r.referenced_date) for r in document.references()] == [
        ("1699/CĐ-TTg", "Công điện", date(2020, 12, 2)),
        ("9816-CV/BTGTW", "Công văn", date(2020, 12, 3)),
    ]


def test_seed_004_joomla_commune_republishing_a_conclusion_among_template_junk():
    latest = "".join(
        f"<li><a href='/index.php/van-ban/{i}'>Nghị quyết công bố kết quả bầu cử đại biểu HĐND xã Tuân Đạo khóa XX</a></li>"
        for i in range(8)
    )
    html = f"""<!DOCTYPE html><html><head><meta charset="utf-8" /><title>Kết luận</title></head><body>
<ul class="breadcrumb"><li><a href="/">Trang chủ</a><span class="divider">/</span></li><li class="active"><span>Tin tức</span></li></ul>
<div class="item-page"><div class="page-header"><h2 itemprop="headline">Ban Thường vụ Tỉnh ủy kết luận về phòng, chống dịch bệnh Covid-19 trong tình hình mới</h2></div>
<dl class="article-info"><dd class="published"><time>Được đăng: Thứ năm, 26 Tháng 3 2020 16:20</time></dd><dd class="hits">Hits: 1523</dd></dl>
<div itemprop="articleBody"><p><strong>Ngày 26/3/2020, Ban Thường vụ tỉnh ủy đã ban hành Kết luận số 296-KL/TU về phòng, chống dịch bệnh Covid -19 trong tình hình mới.</strong></p>
<p style="text-align: center;"><img src="/images/anh-minh-hoa.jpg" /></p><p style="text-align: center;"><em>Ảnh minh họa</em></p>
<p>1. Trong thời gian qua, dịch bệnh Covid-19 diễn biến ngày càng phức tạp, khó lường, đang tác động toàn diện tới kinh tế, xã hội, quốc phòng, an ninh và đời sống của nhân dân.</p>
<p>2.1. Cấp ủy, chính quyền, mặt trận tổ quốc và các đoàn thể từ tỉnh đến cơ sở đẩy mạnh công tác tuyên truyền, nâng cao nhận thức, ý thức trách nhiệm.</p>
<p style="text-align: right;"><strong>Theo Bùi Mai</strong></p></div></div>
<div class="t3-sidebar"><div class="module"><h3>Văn bản mới</h3><ul class="latestnews">{latest}</ul></div></div>
<div class="t3-template-settings" style="display:none"><h3>Template Settings</h3><h4>Color</h4><p>For each color, the params below will be given default values</p>
<label>Google Font</label><label>Body Font-size</label></div></body></html>"""
    record = parse_article(
        html, "https://tuanđao.example/index.php/tin-tuc/1-ket-luan", get_profile("joomla_commune")
    )
    assert record.published_at == datetime(2020, 3, 26, 16, 20, tzinfo=TZ)
    assert record.view_count == 1523
    assert (record.author, record.attribution) == ("Bùi Mai", "")
    assert [(i.src, i.caption) for i in record.images] == [("anh-minh-hoa.jpg", "Ảnh minh họa")]
    assert record.body_text.startswith("1. Trong thời gian qua") and record.body_text.endswith(
        "ý thức trách nhiệm."
    )
    for junk in ("Văn bản mới", "Tuân Đạo", "Template Settings", "Color", "Google Font"):
        assert junk not in record.body_text
    assert [(r.number, r.kind) for r in find_references(record.lead)] == [("296-KL/TU", "Kết luận")]
    assert record.breadcrumb == ("Trang chủ", "Tin tức")

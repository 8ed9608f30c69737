"""Page families beyond the three of the seed pages: platforms the project was not written for.

Each family is one CMS as it is deployed on Vietnamese government portals,
with its own URLs, listing pager, date form, counter, byline, figures and
chrome:

- ``portlet``: a Java portal server (Liferay-like "Cổng thông tin điện tử"):
  portlet-boundary divs, the article title in the portlet header, the page
  ``<title>`` naming the page rather than the article, ``Ngày đăng: 14/03/2024
  | 16:05`` and ``Lượt xem: 1.234``, "Hiển thị 1 - 10 của 1.234 kết quả";
- ``sharepoint``: a SharePoint publishing site: web part zones, ``ctl00_``
  ids, rich-text fields (``ms-rtestate-field``, ``ExternalClass`` divs,
  zero-width spaces), ``(Cập nhật lúc 10:15 ngày 28/12/2023)``, no counter, and
  a pager that says ``11 - 20`` but never how many there are, and any page
  number past the last answered with the last page again;
- ``wordpress``: a WordPress theme with Yoast SEO: ``entry-title``,
  ``entry-content``, ``03 Tháng Sáu, 2024`` in a ``<time datetime>`` (the
  minute only in the markup), author in a vcard, a views plugin and sharing
  blocks inside the content, numbered pages ending in the last one;
- ``newspaper``: a news CMS: ``Thứ Ba, 12/11/2024, 07:58 [GMT+7]`` with no
  label, the lead in an ``<h2 class="sapo">``, a related-news box in the middle
  of the text, the main column a ``div.col-left``;
- ``table``: an old ASP site of nested layout tables: the title in
  ``<td class="tieude">``, ``<title>`` the site name only, ``<font>`` tags,
  paragraphs split by ``<br><br>``, ``(Ngày đăng: 28/12/2023 - 10:15)``,
  "Số lần xem", a marquee of the latest titles;
- ``egov``: a provincial eGov portal platform (Bootstrap, ASP.NET Core): the
  site name in the page's ``<h1>`` and the title in an ``<h2>``, the posting
  time ``20/09/2025 08:15:00`` alone beside a calendar icon, ``Lượt xem:
  1,234`` with a comma, the lead in italics, ``Tác giả: ...`` after the text,
  "Tổng số: 345 bản ghi" in the pager.

A family renders the page around a body that :mod:`portalwatch.sim.pages`
builds from its paragraph and figure markup, and answers the server's
routing questions (is this path a listing page, which article is this).
"""

from __future__ import annotations

import json
import math
import random
import re
from html import escape

from portalwatch.sim.corpus import author_of
from portalwatch.sim.documents import Document
from portalwatch.sim.model import Article, Portal

PAGE_SIZE = 10
MONTHS = ("Một", "Hai", "Ba", "Tư", "Năm", "Sáu", "Bảy", "Tám", "Chín", "Mười", "Mười Một", "Mười Hai")
WEEKDAYS = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật")


def _e(text: str) -> str:
    return escape(text, quote=True)


def _thousands(number: int) -> str:
    return f"{number:,}".replace(",", ".")


def _page_items(items: list, page: int) -> list:
    return items[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]


def _pages(count: int) -> int:
    return max(1, math.ceil(count / PAGE_SIZE))


class Family:
    """One CMS: its URLs, its markup, its pager."""

    name = ""
    profile = ""
    shows_views = True
    listing_template = ""  # with {page} or {offset}
    document_listing_template = ""
    file_folder = ""
    # (path regex, query parameter or None): the page or id is the parameter, else the regex's first group
    listing_route: tuple[str, str | None] = ("", None)
    document_listing_route: tuple[str, str | None] = ("", None)
    article_route: tuple[str, str | None] = ("", None)
    document_route: tuple[str, str | None] = ("", None)

    # ------------------------------------------------------------ URLs

    def listing_path(self, page: int) -> str:
        return self.listing_template.format(page=page, offset=(page - 1) * PAGE_SIZE)

    def document_listing_path(self, page: int) -> str:
        return self.document_listing_template.format(page=page, offset=(page - 1) * PAGE_SIZE)

    def article_path(self, article: Article) -> str:
        raise NotImplementedError

    def document_path(self, document: Document) -> str:
        raise NotImplementedError

    def file_path(self, document: Document) -> str:
        return self.file_folder + document.file_name

    @staticmethod
    def _match(route: tuple[str, str | None], path: str, query, default: str = "") -> int | None:
        """The number a route carries (page or id); None when the path is not this route, 0 when the number is bad."""
        pattern, parameter = route
        found = re.match(pattern, path)
        if not found:
            return None
        value = query.get(parameter, default) if parameter else found.group(1) or default
        return int(value) if value.isdigit() else 0

    def listing_page(self, path: str, query) -> int | None:
        return self._match(self.listing_route, path, query, default="1")

    def redirect(self, path: str) -> str | None:
        """Where the CMS sends a request for a URL it does not serve as asked (its canonical form), or None."""
        return None

    def document_listing_page(self, path: str, query) -> int | None:
        return self._match(self.document_listing_route, path, query, default="1")

    def article_id(self, path: str, query) -> int | None:
        return self._match(self.article_route, path, query)

    def document_id(self, path: str, query) -> int | None:
        return self._match(self.document_route, path, query)

    # ------------------------------------------------------------ markup

    def paragraph(self, text: str, article: Article) -> str:
        return f'<p style="text-align: justify;">{text}</p>'

    def figure(self, name: str, caption: str) -> str:
        raise NotImplementedError

    def frame(self, portal: Portal, rng: random.Random, title: str, content: str) -> str:
        raise NotImplementedError

    def article(self, portal: Portal, article: Article, rng: random.Random, body: str) -> str:
        raise NotImplementedError

    def listing(self, portal: Portal, page: int, rng: random.Random) -> str | None:
        """A page of the news listing; None where the CMS answers 404 past the last page."""
        raise NotImplementedError

    def document_listing(self, documents: list[Document], pager: str) -> str:
        """A page of the documents section: its rows, newest first, and the pager."""
        raise NotImplementedError

    def document_page(self, document: Document, letter: str) -> str:
        """A document's view around its letter (the Word original's tables and paragraphs)."""
        raise NotImplementedError

    def document_pager(self, page: int, count: int) -> str:
        pages = _pages(count)
        links = "".join(
            f'<a href="{_e(self.document_listing_path(n))}">{n}</a> ' for n in range(1, min(pages, 10) + 1)
        )
        first = (page - 1) * PAGE_SIZE + 1
        return f'<div class="vb-paging"><span class="pager-info">{first}-{min(count, page * PAGE_SIZE)} of {count}</span> {links}</div>'

    def not_found(self, portal: Portal) -> str:
        rng = random.Random(f"{portal.spec.id}:404")
        content = '<div class="error-page"><h2>Không tìm thấy trang</h2><p>Trang bạn yêu cầu không tồn tại hoặc đã bị xóa.</p></div>'
        return self.frame(portal, rng, "404 - Không tìm thấy trang", content)


# ---------------------------------------------------------------- portlet portal server


class Portlet(Family):
    name = "portlet"
    profile = "portlet_portal"
    listing_template = (
        "/web/guest/tin-tuc-su-kien?p_p_id=101_INSTANCE_xT3k&p_p_lifecycle=0&_101_INSTANCE_xT3k_cur={page}"
    )
    document_listing_template = (
        "/web/guest/van-ban?p_p_id=vanban_WAR_vbportlet&_vanban_WAR_vbportlet_cur={page}"
    )
    file_folder = "/documents/10181/0/"
    listing_route = (r"^/web/guest/tin-tuc-su-kien$", "_101_INSTANCE_xT3k_cur")
    document_listing_route = (r"^/web/guest/van-ban$", "_vanban_WAR_vbportlet_cur")
    article_route = (r"^/web/guest/tin-tuc-su-kien/-/asset_publisher/xT3k/content/[a-z0-9-]*-(\d+)$", None)
    document_route = (r"^/web/guest/van-ban/-/vanban/[a-z0-9-]*-(\d+)$", None)

    def article_path(self, article: Article) -> str:
        return f"/web/guest/tin-tuc-su-kien/-/asset_publisher/xT3k/content/{article.slug}-{article.id}"

    def document_path(self, document: Document) -> str:
        return f"/web/guest/van-ban/-/vanban/{document.slug}-{document.id}"

    def document_listing(self, documents: list[Document], pager: str) -> str:
        rows = "".join(
            f'<tr><td>{_e(d.number)}</td><td>{d.issued:%d/%m/%Y}</td><td><a class="vb-link" href="{_e(self.document_path(d))}">{_e(d.subject)}</a></td>'
            f'<td><a href="{_e(self.file_path(d))}"><img src="/egov-theme/images/file_system/small/pdf.png" alt="Tải về" /></a></td></tr>'
            for d in documents
        )
        return (
            f'<div class="taglib-header "><h3 class="header-title"><span>Văn bản</span></h3></div>'
            f'<table class="table table-bordered table-hover table-striped van-ban"><thead class="table-columns"><tr><th>Số ký hiệu</th><th>Ngày ban hành</th><th>Trích yếu</th><th>Tệp</th></tr></thead><tbody class="table-data">{rows}</tbody></table>{pager}'
        )

    def document_page(self, document: Document, letter: str) -> str:
        return f"""<div class="taglib-header "><h3 class="header-title"><span>{_e(document.title)}</span></h3></div>
<div class="vanban-chitiet"><table class="table thuoc-tinh"><tr><th>Số ký hiệu</th><td>{_e(document.number)}</td></tr><tr><th>Ngày ban hành</th><td>{document.issued:%d/%m/%Y}</td></tr><tr><th>Loại văn bản</th><td>{_e(document.kind)}</td></tr></table>
<div class="noi-dung-van-ban">{letter}</div>
<div class="file-dinh-kem">Tệp đính kèm: <a href="{_e(self.file_path(document))}">{_e(document.file_name)}</a></div></div>"""

    def figure(self, name: str, caption: str) -> str:
        return (
            f'<figure class="image" style="display: table; margin: 0 auto;"><img alt="{_e(caption)}" height="400" '
            f'src="/documents/10181/{random.Random(name).randint(10000, 99999)}/{_e(name)}?t=1716" width="600" />'
            f'<figcaption style="font-style: italic;">{_e(caption)}</figcaption></figure>'
        )

    def frame(self, portal: Portal, rng: random.Random, title: str, content: str) -> str:
        latest = "".join(
            f'<li class="tin-moi"><a href="{_e(self.article_path(a))}">{_e(a.title)}</a></li>'
            for a in portal.live()[:6]
        )
        plid = rng.randint(20000, 99999)
        return f"""<!DOCTYPE html>
<html class="ltr" dir="ltr" lang="vi-VN">
<head>
<title>{_e(title)} - {_e(portal.spec.name)}</title>
<meta content="initial-scale=1.0, width=device-width" name="viewport" />
<meta content="text/html; charset=UTF-8" http-equiv="content-type" />
<link href="/egov-theme/images/favicon.ico" rel="Shortcut Icon" />
<link class="lfr-css-file" href="/egov-theme/css/main.css?browserId=other&amp;themeId=egov_WAR_egovtheme&amp;languageId=vi_VN&amp;b=6210&amp;t=1716" rel="stylesheet" type="text/css" />
<script type="text/javascript">var Liferay={{Browser:{{}},ThemeDisplay:{{getCompanyId:function(){{return "10154";}},getPlid:function(){{return "{plid}";}},getSessionId:function(){{return "{rng.getrandbits(64):016X}";}},getLanguageId:function(){{return "vi_VN";}}}},PropsValues:{{NTLM_AUTH_ENABLED:false}}}};var themeDisplay=Liferay.ThemeDisplay;</script>
</head>
<body class="yui3-skin-sam controls-visible guest-site signed-out public-page site">
<a href="#main-content" id="skip-to-content">Bỏ qua đến nội dung</a>
<div class="container-fluid" id="wrapper">
<header id="banner" role="banner"><div id="heading"><h1 class="site-title"><a class="logo custom-logo" href="/web/guest" title="Đi tới {_e(portal.spec.name)}"><img alt="{_e(portal.spec.name)}" height="120" src="/image/company_logo?img_id=10601&amp;t=1716" width="1200" /></a></h1>
<div class="quoc-hieu">CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM<br />Độc lập - Tự do - Hạnh phúc</div></div>
<nav class="sort-pages modify-pages" id="navigation" role="navigation"><ul aria-label="Trang web" role="menubar">
<li class="selected"><a aria-labelledby="layout_1" href="/web/guest/trang-chu" role="menuitem"><span>Trang chủ</span></a></li>
<li><a href="/web/guest/gioi-thieu" aria-haspopup="true"><span>Giới thiệu</span></a><ul class="child-menu" role="menu"><li><a href="/web/guest/lich-su">Lịch sử hình thành</a></li><li><a href="/web/guest/co-cau-to-chuc">Cơ cấu tổ chức</a></li></ul></li>
<li><a href="{_e(self.listing_path(1))}"><span>Tin tức - Sự kiện</span></a></li>
<li><a href="{_e(self.document_listing_path(1))}"><span>Văn bản</span></a></li>
<li><a href="/web/guest/thu-tuc-hanh-chinh"><span>Thủ tục hành chính</span></a></li>
<li><a href="/web/guest/hoi-dap"><span>Hỏi đáp</span></a></li></ul></nav>
</header>
<div id="content"><div class="columns-2" id="main-content" role="main"><div class="portlet-layout row-fluid">
<div class="portlet-column portlet-column-first span8" id="column-1"><div class="portlet-dropzone portlet-column-content portlet-column-content-first" id="layout-column_column-1">
<div class="portlet-boundary portlet-boundary_101_ portlet-static portlet-static-end portlet-borderless portlet-asset-publisher" id="p_p_id_101_INSTANCE_xT3k_">
<span id="p_101_INSTANCE_xT3k"></span>
<section class="portlet" id="portlet_101_INSTANCE_xT3k"><div class="portlet-content"><div class="portlet-content-container" style=""><div class="portlet-body">
{content}
</div></div></div></section></div>
</div></div>
<div class="portlet-column portlet-column-last span4" id="column-2"><div class="portlet-dropzone portlet-column-content portlet-column-content-last" id="layout-column_column-2">
<div class="portlet-boundary portlet-boundary_101_ portlet-static portlet-borderless" id="p_p_id_101_INSTANCE_tinmoi_"><section class="portlet"><header class="portlet-topper"><h2 class="portlet-title"><span class="portlet-title-text">Tin mới</span></h2></header>
<div class="portlet-content"><ul class="list-tin-moi">{latest}</ul></div></section></div>
<div class="portlet-boundary portlet-boundary_56_ portlet-static portlet-borderless portlet-journal-content" id="p_p_id_56_INSTANCE_lienket_"><section class="portlet"><div class="portlet-content"><div class="journal-content-article"><p><strong>Liên kết website</strong></p>
<select onchange="window.open(this.value,'_blank')"><option>-- Chọn liên kết --</option><option value="https://dienbien.gov.vn">Cổng TTĐT tỉnh Điện Biên</option><option value="https://chinhphu.vn">Cổng TTĐT Chính phủ</option></select></div></div></section></div>
<div class="portlet-boundary portlet-boundary_thongke_WAR_egovportlet_ portlet-static portlet-borderless" id="p_p_id_thongke_WAR_egovportlet_"><section class="portlet"><header class="portlet-topper"><h2 class="portlet-title"><span class="portlet-title-text">Thống kê truy cập</span></h2></header>
<div class="portlet-content"><div class="thong-ke"><div>Đang truy cập: <span>{rng.randint(2, 80)}</span></div><div>Hôm nay: <span>{rng.randint(100, 900)}</span></div><div>Tổng lượt truy cập: <span>{_thousands(portal.visits + 1_250_000)}</span></div></div></div></section></div>
</div></div>
</div></div></div>
<footer id="footer" role="contentinfo"><p class="powered-by">Cơ quan chủ quản: Ủy ban nhân dân {_e(portal.spec.place)}<br />Địa chỉ: Trung tâm {_e(portal.spec.place)}, tỉnh Điện Biên - Điện thoại: 0215.3{rng.randint(100000, 999999)}<br />Ghi rõ nguồn "{_e(portal.spec.name)}" khi phát hành lại thông tin từ website này.</p></footer>
</div>
<script type="text/javascript">Liferay.Util.addInputFocus();Liferay.Portlet.onLoad({{canEditTitle:false,columnPos:0,isStatic:'end',namespacedId:'p_p_id_101_INSTANCE_xT3k_',portletId:'101_INSTANCE_xT3k',refreshURL:'/c/portal/render_portlet?p_l_id={plid}&p_p_id=101_INSTANCE_xT3k&p_p_lifecycle=0'}});</script>
</body>
</html>"""

    def article(self, portal: Portal, article: Article, rng: random.Random, body: str) -> str:
        related = "".join(
            f'<li><a href="{_e(self.article_path(a))}">{_e(a.title)}</a> <span class="date">({a.published_at:%d/%m/%Y})</span></li>'
            for a in rng.sample(portal.live(), min(5, len(portal.live())))
            if a is not article
        )
        byline = (
            f'<div class="tac-gia" style="text-align: right;"><strong>{_e(article.byline)}</strong></div>'
            if article.byline
            else ""
        )
        content = f"""<ul aria-label="Breadcrumb" class="breadcrumb breadcrumb-horizontal"><li class="first"><a href="/web/guest/trang-chu">Trang chủ</a><span class="divider">/</span></li><li><a href="{_e(self.listing_path(1))}">Tin tức - Sự kiện</a><span class="divider">/</span></li><li class="last active"><a href="{_e(self.listing_path(1))}&amp;categoryId={rng.randint(10000, 99999)}">{_e(article.category)}</a></li></ul>
<div class="taglib-header "><span class="header-back-to"><a class="icon-circle-arrow-left previous-level" href="{_e(self.listing_path(1))}" id="_101_INSTANCE_xT3k_TabsBack" title="Quay lại"><span class="helper-hidden-accessible">Quay lại</span></a></span>
<h3 class="header-title"><span>{_e(article.title)}</span></h3></div>
<div class="asset-full-content default-asset-publisher show-asset-title">
<div class="news-meta"><span class="date-time"><i class="icon-time"></i> Ngày đăng: {article.published_at:%d/%m/%Y | %H:%M}</span> &nbsp; <span class="view-count"><i class="icon-eye-open"></i> Lượt xem: {_thousands(article.views)}</span></div>
<div class="asset-content" id="_101_INSTANCE_xT3k_{rng.getrandbits(32):x}"><div class="journal-content-article">
<div class="asset-summary" style="font-weight: bold;">{_e(article.lead)}</div>
{body}
{byline}
</div></div>
<div class="asset-ratings"><div class="taglib-ratings stars"><div class="liferay-rating-score" id="_101_INSTANCE_xT3k_ratingScoreContent"><div class="rating-label">Trung bình (0 Bình chọn)</div></div></div></div>
<div class="taglib-social-bookmarks"><ul class="unstyled"><li><a href="https://www.facebook.com/sharer/sharer.php?u={_e(self.article_path(article))}">Facebook</a></li><li><a href="javascript:window.print();">In trang</a></li></ul></div>
<div class="asset-links"><h4 class="asset-links-title">Tin liên quan</h4><ul class="asset-links-list">{related}</ul></div>
</div>"""
        return self.frame(portal, rng, "Tin tức - Sự kiện", content)

    def listing(self, portal: Portal, page: int, rng: random.Random) -> str:
        live = portal.live()
        rows = "\n".join(
            f'<div class="asset-abstract"><div class="asset-small-image"><img src="/documents/10181/0/thumb-{a.id}.jpg" /></div>'
            f'<h3 class="asset-title"><a href="{_e(self.article_path(a))}">{_e(a.title)}</a></h3>'
            f'<div class="asset-metadata"><span class="metadata-entry metadata-publish-date">{a.published_at:%d/%m/%Y}</span></div>'
            f'<div class="asset-summary">{_e(a.lead[:220])}...</div>'
            f'<div class="asset-more"><a href="{_e(self.article_path(a))}">Xem thêm »</a></div></div>'
            for a in _page_items(live, page)
        )
        pages = _pages(len(live))
        first, last = (page - 1) * PAGE_SIZE + 1, min(len(live), page * PAGE_SIZE)
        options = "".join(
            f'<option value="{n}"{" selected" if n == page else ""}>{n}</option>' for n in range(1, pages + 1)
        )
        content = f"""<div class="taglib-header "><h3 class="header-title"><span>Tin tức - Sự kiện</span></h3></div>
{rows}
<div class="taglib-page-iterator" id="_101_INSTANCE_xT3k_ocerSearchContainerPageIterator">
<div class="clearfix lfr-pagination"><div class="lfr-pagination-config"><div class="lfr-pagination-page-selector">Trang <select onchange="location.href=this.value">{options}</select> của {pages}</div></div>
<small class="search-results">Hiển thị {first} - {last} của {_thousands(len(live))} kết quả.</small>
<ul class="lfr-pagination-buttons pager"><li class="first"><a href="{_e(self.listing_path(1))}">&larr; Đầu</a></li><li><a href="{_e(self.listing_path(max(1, page - 1)))}">Trước</a></li><li><a href="{_e(self.listing_path(min(pages, page + 1)))}">Kế tiếp</a></li><li class="last"><a href="{_e(self.listing_path(pages))}">Cuối &rarr;</a></li></ul></div></div>"""
        return self.frame(portal, rng, "Tin tức - Sự kiện", content)


# ---------------------------------------------------------------- SharePoint publishing site


class SharePoint(Family):
    name = "sharepoint"
    profile = "sharepoint_portal"
    shows_views = False
    listing_template = "/Pages/tin-tuc.aspx?PageIndex={page}"
    document_listing_template = "/Pages/van-ban.aspx?PageIndex={page}"
    file_folder = "/VanBan/"
    listing_route = (r"^/Pages/tin-tuc\.aspx$", "PageIndex")
    document_listing_route = (r"^/Pages/van-ban\.aspx$", "PageIndex")
    article_route = (r"^/Pages/chi-tiet-tin-tuc\.aspx$", "ItemID")
    document_route = (r"^/Pages/chi-tiet-van-ban\.aspx$", "ItemID")

    def article_path(self, article: Article) -> str:
        return f"/Pages/chi-tiet-tin-tuc.aspx?ItemID={article.id}&l=TinTucSuKien"

    def document_path(self, document: Document) -> str:
        return f"/Pages/chi-tiet-van-ban.aspx?ItemID={document.id}"

    def document_listing(self, documents: list[Document], pager: str) -> str:
        rows = "".join(
            f'<tr class="ms-itmhover"><td class="ms-vb-icon"><img src="/_layouts/15/images/icpdf.png" alt="pdf" /></td>'
            f'<td class="ms-vb2">{_e(d.number)}</td><td class="ms-vb2"><nobr>{d.issued:%d/%m/%Y}</nobr></td>'
            f'<td class="ms-vb2"><a class="ms-listlink" href="{_e(self.document_path(d))}" onclick="EditLink2(this,\'WPQ2\');return false;">{_e(d.subject)}</a></td></tr>'
            for d in documents
        )
        return (
            f'<div class="ms-webpart-chrome-title"><h2 class="ms-webpart-titleText"><span>Văn bản chỉ đạo điều hành</span></h2></div>'
            f'<table class="ms-listviewtable" cellpadding="1" cellspacing="0" summary="Văn bản"><tr class="ms-viewheadertr"><th>Loại</th><th>Số ký hiệu</th><th>Ngày ban hành</th><th>Trích yếu</th></tr>{rows}</table>{pager}'
        )

    def document_page(self, document: Document, letter: str) -> str:
        return f"""<div class="chi-tiet-van-ban"><div class="tieu-de-vb"><span id="ctl00_PlaceHolderMain_lblTieuDe">{_e(document.title)}</span></div>
<div class="ms-rtestate-field noi-dung-vb">{letter}</div>
<div class="dinh-kem"><img src="/_layouts/15/images/icpdf.png" alt="" /> <a href="{_e(self.file_path(document))}">{_e(document.file_name)}</a></div></div>"""

    def paragraph(self, text: str, article: Article) -> str:
        return (
            f'<p style="text-align: justify;">&#8203;<span style="font-family: arial, sans-serif; font-size: 13pt;">'
            f"{text}</span></p>"
        )

    def figure(self, name: str, caption: str) -> str:
        return (
            f'<p style="text-align: center;"><img alt="" src="/PublishingImages/TinTuc/{_e(name)}" style="margin: 5px; width: 600px;" />&#160;</p>'
            f'<p class="ms-rteStyle-Caption" style="text-align: center;">{_e(caption)}</p>'
        )

    def frame(self, portal: Portal, rng: random.Random, title: str, content: str) -> str:
        most_read = "".join(
            f'<li class="dfwp-item"><div class="link-item"><a href="{_e(self.article_path(a))}" title="">{_e(a.title)}</a></div></li>'
            for a in sorted(portal.live()[:40], key=lambda a: -a.views)[:5]
        )
        viewstate = "/wEPDwUBMA9kFgJmD2QWAgIBD2QWBAIBD2QWAgIF" + "".join(
            rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/") for _ in range(120)
        )
        return f"""<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">
<html dir="ltr" lang="vi-VN"><head><meta name="GENERATOR" content="Microsoft SharePoint" /><meta http-equiv="Content-type" content="text/html; charset=utf-8" /><meta http-equiv="X-UA-Compatible" content="IE=10" />
<title>
	{_e(title)}
</title>
<link rel="stylesheet" type="text/css" href="/_layouts/15/1066/styles/Themable/corev15.css?rev=2bpHeX9U8DH09TB5zpJcsQ%3D%3D" />
<script type="text/javascript" src="/_layouts/15/init.js?rev=mdjxRHK1V7KZ%2BuOTcNNcmQ%3D%3D"></script>
<script type="text/javascript">var _spPageContextInfo={{webServerRelativeUrl:"\\u002f",webAbsoluteUrl:"",siteServerRelativeUrl:"\\u002f",webLanguage:1066,currentLanguage:1066,webUIVersion:15,pageListId:"{{{rng.getrandbits(32):08x}-92c1-4c5e-9e5b-1d0b39a6f1de}}",pageItemId:{rng.randint(1, 9999)},userId:0,alertsEnabled:false,siteClientTag:"{rng.randint(0, 99)}$$15.0.4569.1000",updateFormDigestPageLoaded:new Date()}};</script>
</head>
<body onhashchange="if (typeof(_spBodyOnHashChange) != 'undefined') _spBodyOnHashChange();"><div id="imgPrefetch" style="display:none"><img src="/_layouts/15/images/spcommon.png?rev=23" /></div>
<form method="post" action="./default.aspx" onsubmit="javascript:return WebForm_OnSubmit();" id="aspnetForm">
<div class="aspNetHidden"><input type="hidden" name="_wpcmWpid" id="_wpcmWpid" value="" /><input type="hidden" name="wpcmVal" id="wpcmVal" value="" />
<input type="hidden" name="__REQUESTDIGEST" id="__REQUESTDIGEST" value="0x{rng.getrandbits(256):064X},01 Jan 2025 00:00:00 -0000" />
<input type="hidden" name="__VIEWSTATE" id="__VIEWSTATE" value="{viewstate}" /></div>
<script type="text/javascript">//<![CDATA[
var theForm = document.forms['aspnetForm']; if (!theForm) {{ theForm = document.aspnetForm; }}
function __doPostBack(eventTarget, eventArgument) {{ if (!theForm.onsubmit || (theForm.onsubmit() != false)) {{ theForm.__EVENTTARGET.value = eventTarget; theForm.__EVENTARGUMENT.value = eventArgument; theForm.submit(); }} }}
var g_correlationId = '{rng.getrandbits(128):032x}'; var g_wsaEnabled = false; var g_wsaLCID = 1066;
//]]></script>
<div id="ms-designer-ribbon"><div id="s4-ribbonrow" style="display:none"><div id="s4-ribboncont"></div></div><div id="ms-help"><a href="/_layouts/15/Authenticate.aspx?Source=%2F" id="ctl00_IdWelcome_ExplicitLogin" class="ms-signInLink">Đăng nhập</a></div></div>
<div id="s4-workspace"><div id="s4-bodyContainer">
<div id="ctl00_Header" class="header"><table width="100%" cellpadding="0" cellspacing="0"><tr><td class="logo"><a href="/"><img src="/PublishingImages/logo.png" alt="Quốc huy" /></a></td>
<td class="site-title"><span class="ten-co-quan">{_e(portal.spec.name.upper())}</span><br /><span class="slogan">Thông tin chính thống của {_e(portal.spec.place)}</span></td></tr></table></div>
<div id="ctl00_TopNav" class="ms-core-navigation"><div id="zz1_TopNavigationMenu" class="ms-core-listMenu-horizontal"><ul class="root ms-core-listMenu-root static">
<li class="static"><a class="static menu-item ms-core-listMenu-item" href="/"><span class="additional-background ms-navedit-flyoutArrow"><span class="menu-item-text">Trang chủ</span></span></a></li>
<li class="static"><a class="static menu-item ms-core-listMenu-item" href="{_e(self.listing_path(1))}"><span class="menu-item-text">Tin tức - Sự kiện</span></a></li>
<li class="static"><a class="static menu-item ms-core-listMenu-item" href="{_e(self.document_listing_path(1))}"><span class="menu-item-text">Văn bản chỉ đạo điều hành</span></a></li>
<li class="static"><a class="static menu-item ms-core-listMenu-item" href="/Pages/lich-cong-tac.aspx"><span class="menu-item-text">Lịch công tác</span></a></li></ul></div></div>
<div id="contentRow"><table width="100%" cellpadding="0" cellspacing="0" border="0"><tr>
<td id="MSOZoneCell_WebPartWPQ1" valign="top" class="s4-wpcell-plain left-zone" width="22%"><div class="ms-webpart-chrome"><div class="ms-webpart-chrome-title"><h2 class="ms-webpart-titleText"><span>Chuyên mục</span></h2></div>
<div class="ms-WPBody"><ul class="menu-trai"><li><a href="{_e(self.listing_path(1))}">Tin tức - Sự kiện</a></li><li><a href="/Pages/chinh-tri.aspx">Chính trị</a></li><li><a href="/Pages/kinh-te.aspx">Kinh tế</a></li><li><a href="/Pages/van-hoa-xa-hoi.aspx">Văn hóa - Xã hội</a></li></ul></div></div></td>
<td valign="top" width="56%"><div id="DeltaPlaceHolderMain"><a id="mainContent" name="mainContent" tabindex="-1"></a>
{content}
</div></td>
<td id="MSOZoneCell_WebPartWPQ4" valign="top" class="s4-wpcell-plain right-zone" width="22%">
<div class="ms-webpart-chrome"><div class="ms-webpart-chrome-title"><h2 class="ms-webpart-titleText"><span>Tin xem nhiều</span></h2></div><div class="ms-WPBody"><ul class="dfwp-column dfwp-list">{most_read}</ul></div></div>
<div class="ms-webpart-chrome"><div class="ms-webpart-chrome-title"><h2 class="ms-webpart-titleText"><span>Thống kê truy cập</span></h2></div><div class="ms-WPBody"><table class="thongke"><tr><td>Đang truy cập:</td><td>{rng.randint(3, 120)}</td></tr><tr><td>Tổng lượt truy cập:</td><td>{portal.visits + 3_400_000}</td></tr></table></div></div>
</td></tr></table></div>
<div class="footer"><div class="ms-rtestate-field">Cơ quan chủ quản: UBND {_e(portal.spec.place)}. Chịu trách nhiệm chính: Chánh Văn phòng HĐND và UBND {_e(portal.spec.place)}<br />Giấy phép số 05/GP-TTĐT do Sở Thông tin và Truyền thông tỉnh Điện Biên cấp</div></div>
</div></div>
<div class="aspNetHidden"><input type="hidden" name="__EVENTVALIDATION" id="__EVENTVALIDATION" value="/wEdAAL{rng.getrandbits(96):024x}" /></div>
<script type="text/javascript">//<![CDATA[
ExecuteOrDelayUntilScriptLoaded(function(){{var initInfo = {{ listPermsMask: null, listBaseType: null }};}}, 'core.js');
//]]></script>
</form></body></html>"""

    def article(self, portal: Portal, article: Article, rng: random.Random, body: str) -> str:
        guid = f"{rng.getrandbits(32):08x}_{rng.getrandbits(16):04x}_{rng.getrandbits(16):04x}"
        live = portal.live()
        others = "".join(
            f'<li class="dfwp-item"><a href="{_e(self.article_path(a))}">{_e(a.title)}</a> <span class="ngay">({a.published_at:%d/%m/%Y})</span></li>'
            for a in live[:8]
            if a is not article
        )
        byline = (
            (
                f'<div class="tac-gia" style="text-align: right; font-weight: bold;"><span id="ctl00_ctl40_g_{guid}_ctl00_lblTacGia">'
                f"{_e(article.byline)}</span></div>"
            )
            if article.byline
            else ""
        )
        content = f"""<div class="article article-left">
<div class="breadcrumb"><span id="ctl00_PlaceHolderMain_siteMapPath"><span><a href="/">Trang chủ</a></span><span> &gt; </span><span><a href="{_e(self.listing_path(1))}">Tin tức - Sự kiện</a></span><span> &gt; </span><span>{_e(article.category)}</span></span></div>
<div class="ms-webpart-zone ms-fullWidth"><div id="MSOZoneCell_WebPartWPQ2" class="s4-wpcell-plain ms-webpartzone-cell ms-webpart-cell-vertical ms-fullWidth">
<div class="ms-webpart-chrome ms-webpart-chrome-vertical ms-webpart-chrome-fullWidth"><div webpartid="{guid.replace("_", "-")}" haspers="false" id="WebPartWPQ2" width="100%" class="ms-WPBody" allowdelete="false" style="">
<div class="tin-chi-tiet" id="ctl00_ctl40_g_{guid}_ctl00_pnlChiTiet">
<div class="tieu-de-tin"><span id="ctl00_ctl40_g_{guid}_ctl00_lblTitle">{_e(article.title)}</span></div>
<div class="ngay-dang"><span id="ctl00_ctl40_g_{guid}_ctl00_lblNgay">(Cập nhật lúc {article.published_at:%H:%M} ngày {article.published_at:%d/%m/%Y})</span></div>
<div class="tom-tat"><div id="ctl00_ctl40_g_{guid}_ctl00_pnlTomTat" class="ms-rtestate-field"><b>{_e(article.lead)}</b></div></div>
<div class="noi-dung"><div id="ctl00_ctl40_g_{guid}_ctl00_pnlNoiDung" class="ms-rtestate-field"><div class="ExternalClass{rng.getrandbits(128):032X}">
{body}
</div></div></div>
{byline}
<div class="cong-cu"><a href="javascript:window.print()">In bài viết</a> | <a href="mailto:?subject={_e(article.title[:40])}">Gửi email</a> | <a href="javascript:history.go(-1)">Quay lại</a></div>
</div></div></div>
<div class="ms-clear"></div></div>
<div id="MSOZoneCell_WebPartWPQ3" class="s4-wpcell-plain ms-webpartzone-cell ms-webpart-cell-vertical"><div class="ms-webpart-chrome"><div class="ms-webpart-chrome-title"><h2 class="ms-webpart-titleText"><span>Các tin khác</span></h2></div>
<div class="ms-WPBody"><ul class="dfwp-column dfwp-list">{others}</ul></div></div></div></div>
</div>"""
        return self.frame(portal, rng, article.title, content)

    def listing(self, portal: Portal, page: int, rng: random.Random) -> str:
        live = portal.live()
        # Past the last page the list view answers with its last page again, as a 200.
        page = min(page, _pages(len(live)))
        items = _page_items(live, page)
        rows = "\n".join(
            f'<li class="dfwp-item"><div class="item"><div class="image-area-left"><img class="image" src="/PublishingImages/TinTuc/thumb-{a.id}.jpg" alt="" /></div>'
            f'<div class="link-item"><a href="{_e(self.article_path(a))}" title="">{_e(a.title)}</a><div class="description">{_e(a.lead[:200])}</div></div></div></li>'
            for a in items
        )
        first = (page - 1) * PAGE_SIZE + 1
        paging = f"{first} - {first + len(items) - 1}" if items else ""
        previous = (
            f'<a href="{_e(self.listing_path(page - 1))}" title="Trước"><img src="/_layouts/15/images/prev.gif" alt="Trước" /></a>'
            if page > 1
            else ""
        )
        following = (
            f'<a href="{_e(self.listing_path(page + 1))}" title="Tiếp"><img src="/_layouts/15/images/next.gif" alt="Tiếp" /></a>'
            if len(items) == PAGE_SIZE
            else ""
        )
        content = f"""<div class="ms-webpart-zone ms-fullWidth"><div id="MSOZoneCell_WebPartWPQ2" class="s4-wpcell-plain ms-webpartzone-cell">
<div class="ms-webpart-chrome-title"><h2 class="ms-webpart-titleText"><span>Tin tức - Sự kiện</span></h2></div>
<div class="ms-WPBody"><div id="cbqwpctl00_ctl40_g_{rng.getrandbits(32):08x}" class="cbq-layout-main"><ul class="dfwp-column dfwp-list" style="width:100%">
{rows}
</ul></div>
<table class="ms-bottompaging"><tr><td class="ms-paging">{previous}</td><td class="ms-paging">{paging}</td><td class="ms-paging">{following}</td></tr></table></div></div></div>"""
        return self.frame(portal, rng, "Tin tức - Sự kiện", content)

    def document_pager(self, page: int, count: int) -> str:
        first = (page - 1) * PAGE_SIZE + 1
        following = (
            f'<a href="{_e(self.document_listing_path(page + 1))}">Tiếp</a>'
            if page * PAGE_SIZE < count
            else ""
        )
        return f'<table class="ms-bottompaging"><tr><td class="ms-paging">{first} - {min(count, page * PAGE_SIZE)}</td><td>{following}</td></tr></table>'


# ---------------------------------------------------------------- WordPress


class WordPress(Family):
    name = "wordpress"
    profile = "wordpress_site"
    listing_template = "/chuyen-muc/tin-tuc/page/{page}/"  # page 1 redirects to /chuyen-muc/tin-tuc/
    document_listing_template = "/van-ban/page/{page}/"
    file_folder = "/wp-content/uploads/van-ban/"
    listing_route = (r"^/chuyen-muc/tin-tuc/(?:page/(\d+)/)?$", None)
    document_listing_route = (r"^/van-ban/(?:page/(\d+)/)?$", None)
    article_route = (r"^/\d{4}/\d{2}/[a-z0-9-]*-(\d+)/$", None)
    document_route = (r"^/van-ban/[a-z0-9-]*-(\d+)/$", None)

    def article_path(self, article: Article) -> str:
        return f"/{article.published_at:%Y/%m}/{article.slug}-{article.id}/"

    def redirect(self, path: str) -> str | None:
        if path.endswith("/page/1/"):
            return path.removesuffix("page/1/")
        if not path.endswith("/") and "." not in path.rsplit("/", 1)[-1]:
            return path + "/"
        return None

    def document_path(self, document: Document) -> str:
        return f"/van-ban/{document.slug}-{document.id}/"

    def document_listing(self, documents: list[Document], pager: str) -> str:
        rows = "".join(
            f'<tr><td>{_e(d.number)}</td><td>{d.issued:%d/%m/%Y}</td><td class="trich-yeu"><a href="{_e(self.document_path(d))}">{_e(d.subject)}</a></td></tr>'
            for d in documents
        )
        return (
            f'<header class="page-header"><h1 class="page-title">Văn bản</h1></header>'
            f'<figure class="wp-block-table is-style-stripes"><table><thead><tr><th>Số, ký hiệu</th><th>Ngày ban hành</th><th>Trích yếu</th></tr></thead><tbody>{rows}</tbody></table></figure>{pager}'
        )

    def document_page(self, document: Document, letter: str) -> str:
        return f"""<article class="van_ban type-van_ban status-publish hentry"><header class="entry-header"><h1 class="entry-title">{_e(document.title)}</h1></header>
<div class="entry-content">{letter}
<div class="wp-block-file"><a href="{_e(self.file_path(document))}">{_e(document.file_name)}</a><a href="{_e(self.file_path(document))}" class="wp-block-file__button wp-element-button" download>Tải xuống</a></div></div></article>"""

    def paragraph(self, text: str, article: Article) -> str:
        if article.id % 2:  # written in the block editor; older posts in the classic one
            return f"<!-- wp:paragraph -->\n<p>{text}</p>\n<!-- /wp:paragraph -->"
        return f"<p>{text}</p>"

    def figure(self, name: str, caption: str) -> str:
        number = random.Random(name).randint(100, 9999)
        return (
            f'<figure id="attachment_{number}" aria-describedby="caption-attachment-{number}" style="width: 800px" class="wp-caption aligncenter">'
            f'<img fetchpriority="high" decoding="async" class="size-full wp-image-{number}" src="/wp-content/uploads/2024/06/{_e(name)}" alt="" width="800" height="533" '
            f'srcset="/wp-content/uploads/2024/06/{_e(name)} 800w, /wp-content/uploads/2024/06/{_e(name[:-4])}-300x200.jpg 300w" sizes="(max-width: 800px) 100vw, 800px" />'
            f'<figcaption id="caption-attachment-{number}" class="wp-caption-text">{_e(caption)}</figcaption></figure>'
        )

    @staticmethod
    def date(moment) -> str:
        return f"{moment:%d} Tháng {MONTHS[moment.month - 1]}, {moment:%Y}"

    def frame(self, portal: Portal, rng: random.Random, title: str, content: str, head: str = "") -> str:
        recent = "".join(
            f'<li><a href="{_e(self.article_path(a))}">{_e(a.title)}</a></li>' for a in portal.live()[:5]
        )
        months = sorted(
            {(a.published_at.year, a.published_at.month) for a in portal.live()[:60]}, reverse=True
        )[:6]
        archive = "".join(
            f'<li><a href="/{y}/{m:02d}/">Tháng {MONTHS[m - 1]} {y}</a></li>' for y, m in months
        )
        return f"""<!doctype html>
<html lang="vi">
<head>
<meta charset="UTF-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="profile" href="https://gmpg.org/xfn/11">
<title>{_e(title)} &#8211; {_e(portal.spec.name)}</title>
<meta name="robots" content="index, follow, max-image-preview:large, max-snippet:-1, max-video-preview:-1" />
{head}
<link rel='stylesheet' id='wp-block-library-css' href='/wp-includes/css/dist/block-library/style.min.css?ver=6.5.3' media='all' />
<style id='global-styles-inline-css'>body{{--wp--preset--color--black: #000000;--wp--preset--font-size--small: 13px;}}.has-black-color{{color: var(--wp--preset--color--black) !important;}}</style>
<script src="/wp-includes/js/jquery/jquery.min.js?ver=3.7.1" id="jquery-core-js"></script>
<script id="pvc-frontend-js-extra">var pvcArgsFrontend = {{"mode":"js","requestURL":"\\/wp-admin\\/admin-ajax.php","nonce":"{rng.getrandbits(40):010x}"}};</script>
</head>
<body class="post-template-default single single-post single-format-standard wp-custom-logo wp-embed-responsive">
<div id="page" class="site">
<a class="skip-link screen-reader-text" href="#primary">Chuyển đến nội dung</a>
<header id="masthead" class="site-header">
<div class="site-branding"><a href="/" class="custom-logo-link" rel="home"><img width="120" height="120" src="/wp-content/uploads/2023/01/logo.png" class="custom-logo" alt="{_e(portal.spec.name)}" decoding="async" /></a>
<p class="site-title"><a href="/" rel="home">{_e(portal.spec.name)}</a></p><p class="site-description">Thông tin chính thống của {_e(portal.spec.place)}</p></div>
<nav id="site-navigation" class="main-navigation"><button class="menu-toggle" aria-controls="primary-menu" aria-expanded="false">Menu</button>
<div class="menu-menu-chinh-container"><ul id="primary-menu" class="menu">
<li id="menu-item-21" class="menu-item menu-item-type-custom menu-item-home menu-item-21"><a href="/">Trang chủ</a></li>
<li id="menu-item-22" class="menu-item menu-item-has-children menu-item-22"><a href="/gioi-thieu/">Giới thiệu</a>
<ul class="sub-menu"><li class="menu-item"><a href="/gioi-thieu/dieu-kien-tu-nhien/">Điều kiện tự nhiên</a></li><li class="menu-item"><a href="/gioi-thieu/lanh-dao/">Lãnh đạo</a></li></ul></li>
<li id="menu-item-23" class="menu-item current-menu-item"><a href="{_e(self.listing_path(1))}">Tin tức</a></li>
<li id="menu-item-24" class="menu-item"><a href="{_e(self.document_listing_path(1))}">Văn bản</a></li>
<li id="menu-item-25" class="menu-item"><a href="/lien-he/">Liên hệ</a></li></ul></div></nav>
</header>
<div id="content" class="site-content">
<div id="primary" class="content-area"><main id="main" class="site-main">
{content}
</main></div>
<aside id="secondary" class="widget-area">
<section id="search-2" class="widget widget_search"><form role="search" method="get" class="search-form" action="/"><label><span class="screen-reader-text">Tìm kiếm cho:</span><input type="search" class="search-field" placeholder="Tìm kiếm &hellip;" value="" name="s" /></label><input type="submit" class="search-submit" value="Tìm kiếm" /></form></section>
<section id="recent-posts-2" class="widget widget_recent_entries"><h2 class="widget-title">Bài viết mới</h2><ul>{recent}</ul></section>
<section id="archives-2" class="widget widget_archive"><h2 class="widget-title">Lưu trữ</h2><ul>{archive}</ul></section>
<section id="custom_html-3" class="widget_text widget widget_custom_html"><h2 class="widget-title">Thống kê truy cập</h2><div class="textwidget custom-html-widget"><ul class="wps-stats"><li>Hôm nay: {rng.randint(20, 400)}</li><li>Tổng lượt truy cập: {portal.visits + 48_000}</li></ul></div></section>
</aside>
</div>
<footer id="colophon" class="site-footer"><div class="site-info">Bản quyền &copy; {_e(portal.spec.name)}. <span class="sep"> | </span>Được vận hành bởi <a href="https://wordpress.org/">WordPress</a></div></footer>
</div>
<script id="wp-emoji-settings" type="application/json">{{"baseUrl":"https:\\/\\/s.w.org\\/images\\/core\\/emoji\\/15.0.3\\/72x72\\/","ext":".png"}}</script>
</body>
</html>"""

    def article(self, portal: Portal, article: Article, rng: random.Random, body: str) -> str:
        published = article.published_at.isoformat() + "+07:00"
        modified = (article.updated_at or article.published_at).isoformat() + "+07:00"
        schema = {
            "@context": "https://schema.org",
            "@graph": [
                {
                    "@type": "Article",
                    "@id": f"{self.article_path(article)}#article",
                    "headline": article.title[:110],
                    "datePublished": published,
                    "dateModified": modified,
                    "inLanguage": "vi",
                },
                {"@type": "WebSite", "name": portal.spec.name, "inLanguage": "vi"},
            ],
        }
        head = (
            f'<meta property="og:locale" content="vi_VN" /><meta property="og:type" content="article" />'
            f'<meta property="og:title" content="{_e(article.title)}" /><meta property="og:description" content="{_e(article.lead[:150])}" />'
            f'<meta property="article:published_time" content="{published}" />'
            f'<script type="application/ld+json" class="yoast-schema-graph">{json.dumps(schema, ensure_ascii=False)}</script>'
        )
        author = author_of(article.byline)
        byline = (
            (
                f'<span class="byline"> bởi <span class="author vcard"><a class="url fn n" href="/author/{rng.randint(2, 9)}/">'
                f"{_e(author)}</a></span></span>"
            )
            if author
            else ""
        )
        live = portal.live()
        index = next((i for i, a in enumerate(live) if a is article), 0)
        older = live[index + 1] if index + 1 < len(live) else None
        navigation = (
            (
                f'<div class="nav-previous"><a href="{_e(self.article_path(older))}" rel="prev"><span class="nav-subtitle">Bài trước:</span> '
                f'<span class="nav-title">{_e(older.title)}</span></a></div>'
            )
            if older
            else ""
        )
        content = f"""<article id="post-{article.id}" class="post-{article.id} post type-post status-publish format-standard has-post-thumbnail hentry category-tin-tuc">
<header class="entry-header">
<h1 class="entry-title">{_e(article.title)}</h1>
<div class="entry-meta"><span class="posted-on">Đăng ngày <a href="{_e(self.article_path(article))}" rel="bookmark">{self._times(article, published, modified)}</a></span>{byline}</div>
</header>
<div class="entry-content">
<p><strong>{_e(article.lead)}</strong></p>
{body}
<div class="post-views content-post post-{article.id} entry-meta load-static"><span class="post-views-icon dashicons dashicons-chart-bar"></span> <span class="post-views-label">Lượt xem: </span> <span class="post-views-count">{_thousands(article.views)}</span></div>
<div class="sharedaddy sd-sharing-enabled"><div class="robots-nocontent sd-block sd-social sd-social-icon-text sd-sharing"><h3 class="sd-title">Chia sẻ:</h3><div class="sd-content"><ul><li class="share-facebook"><a rel="nofollow noopener noreferrer" class="share-facebook sd-button" href="{_e(self.article_path(article))}?share=facebook" target="_blank"><span>Facebook</span></a></li><li class="share-twitter"><a class="share-twitter sd-button" href="{_e(self.article_path(article))}?share=twitter"><span>X</span></a></li></ul></div></div></div>
<div id='jp-relatedposts' class='jp-relatedposts'><h3 class="jp-relatedposts-headline"><em>Có liên quan</em></h3></div>
</div>
<footer class="entry-footer"><span class="cat-links">Đăng trong <a href="{_e(self.listing_path(1))}" rel="category tag">{_e(article.category)}</a></span></footer>
</article>
<nav class="navigation post-navigation" aria-label="Bài viết"><h2 class="screen-reader-text">Điều hướng bài viết</h2><div class="nav-links">{navigation}</div></nav>
<div id="comments" class="comments-area"><div id="respond" class="comment-respond"><h3 id="reply-title" class="comment-reply-title">Để lại một bình luận</h3>
<form action="/wp-comments-post.php" method="post" id="commentform" class="comment-form"><p class="comment-notes"><span id="email-notes">Email của bạn sẽ không được hiển thị công khai.</span> Các trường bắt buộc được đánh dấu <span class="required">*</span></p>
<p class="comment-form-comment"><label for="comment">Bình luận <span class="required">*</span></label><textarea id="comment" name="comment" cols="45" rows="8" maxlength="65525" required></textarea></p>
<p class="form-submit"><input name="submit" type="submit" id="submit" class="submit" value="Phản hồi" /><input type='hidden' name='comment_post_ID' value='{article.id}' id='comment_post_ID' /></p></form></div></div>"""
        return self.frame(portal, rng, article.title, content, head)

    def _times(self, article: Article, published: str, modified: str) -> str:
        """The theme's posted-on times: the "updated" one is shown only once the post was edited."""
        if article.updated_at is None:
            return f'<time class="entry-date published updated" datetime="{published}">{self.date(article.published_at)}</time>'
        return (
            f'<time class="entry-date published" datetime="{published}">{self.date(article.published_at)}</time>'
            f'<time class="updated" datetime="{modified}">{self.date(article.updated_at)}</time>'
        )

    def listing(self, portal: Portal, page: int, rng: random.Random) -> str | None:
        live = portal.live()
        pages = _pages(len(live))
        if page > pages:
            return None
        rows = "\n".join(
            f'<article id="post-{a.id}" class="post-{a.id} post type-post status-publish format-standard hentry category-tin-tuc">'
            f'<header class="entry-header"><h2 class="entry-title"><a href="{_e(self.article_path(a))}" rel="bookmark">{_e(a.title)}</a></h2>'
            f'<div class="entry-meta"><span class="posted-on">Đăng ngày <time class="entry-date published" datetime="{a.published_at.isoformat()}+07:00">{self.date(a.published_at)}</time></span></div></header>'
            f'<div class="entry-summary"><p>{_e(a.lead[:200])} [&hellip;]</p></div></article>'
            for a in _page_items(live, page)
        )
        numbers = sorted({1, 2, pages, *range(max(1, page - 1), min(pages, page + 1) + 1)})
        links, last = [], 0
        for number in numbers:
            if number - last > 1:
                links.append('<span class="page-numbers dots">&hellip;</span>')
            links.append(
                f'<span aria-current="page" class="page-numbers current">{number}</span>'
                if number == page
                else f'<a class="page-numbers" href="{_e(self.listing_path(number))}">{number}</a>'
            )
            last = number
        if page < pages:
            links.append(
                f'<a class="next page-numbers" href="{_e(self.listing_path(page + 1))}">Trang sau &raquo;</a>'
            )
        if page > 1:
            links.insert(
                0,
                f'<a class="prev page-numbers" href="{_e(self.listing_path(page - 1))}">&laquo; Trang trước</a>',
            )
        content = f"""<header class="page-header"><h1 class="page-title">Chuyên mục: <span>Tin tức</span></h1></header>
{rows}
<nav class="navigation pagination" aria-label="Phân trang bài viết"><h2 class="screen-reader-text">Phân trang bài viết</h2><div class="nav-links">{" ".join(links)}</div></nav>"""
        return self.frame(portal, rng, "Tin tức", content)

    def document_pager(self, page: int, count: int) -> str:
        pages = _pages(count)
        links = " ".join(
            f'<a class="page-numbers" href="{_e(self.document_listing_path(n))}">{n}</a>'
            for n in range(1, pages + 1)
        )
        return f'<nav class="navigation pagination"><div class="nav-links">{links}</div></nav>'


# ---------------------------------------------------------------- newspaper layout


class Newspaper(Family):
    name = "newspaper"
    profile = "news_portal"
    shows_views = False
    listing_template = "/tin-tuc/trang-{page}.htm"
    document_listing_template = "/van-ban/trang-{page}.htm"
    file_folder = "/Uploads/VanBan/"
    listing_route = (r"^/tin-tuc/trang-(\d+)\.htm$", None)
    document_listing_route = (r"^/van-ban/trang-(\d+)\.htm$", None)
    article_route = (r"^/tin-tuc/[a-z0-9-]*-(\d+)\.htm$", None)
    document_route = (r"^/van-ban/[a-z0-9-]*-(\d+)\.htm$", None)

    def article_path(self, article: Article) -> str:
        return f"/tin-tuc/{article.slug}-{article.id}.htm"

    def document_path(self, document: Document) -> str:
        return f"/van-ban/{document.slug}-{document.id}.htm"

    def document_listing(self, documents: list[Document], pager: str) -> str:
        rows = "".join(
            f'<div class="item-vb"><a class="title-vb" href="{_e(self.document_path(d))}">{_e(d.kind)} số {_e(d.number)}</a>'
            f'<p class="trich-yeu">{_e(d.subject)}</p><span class="time">Ngày ban hành: {d.issued:%d/%m/%Y}</span></div>'
            for d in documents
        )
        return f'<h1 class="title-cate">Văn bản</h1><div class="list-vanban">{rows}</div>{pager}'

    def document_page(self, document: Document, letter: str) -> str:
        return f"""<div class="detail-vanban"><h1 class="title-detail">{_e(document.title)}</h1>
<div class="detail-content fck_detail">{letter}</div>
<div class="attach"><b>File đính kèm:</b> <a href="{_e(self.file_path(document))}">{_e(document.file_name)}</a></div></div>"""

    def paragraph(self, text: str, article: Article) -> str:
        return f'<p class="Normal" style="text-align: justify;">{text}</p>'

    def figure(self, name: str, caption: str) -> str:
        return (
            f'<table class="picture" align="center" border="0" cellpadding="3" cellspacing="0"><tbody>'
            f'<tr><td class="pic"><img class="lazyload" data-src="/Uploads/Images/{_e(name)}" alt="{_e(caption)}" /></td></tr>'
            f'<tr><td class="caption"><p>{_e(caption)}</p></td></tr></tbody></table>'
        )

    @staticmethod
    def date(moment) -> str:
        return f"{WEEKDAYS[moment.weekday()]}, {moment:%d/%m/%Y, %H:%M} [GMT+7]"

    def frame(self, portal: Portal, rng: random.Random, title: str, content: str) -> str:
        live = portal.live()
        today = live[0].published_at if live else None
        most_read = "".join(
            f'<li><span class="number">{n}</span><a href="{_e(self.article_path(a))}">{_e(a.title)}</a><span class="time">{a.published_at:%d/%m/%Y}</span></li>'
            for n, a in enumerate(sorted(live[:30], key=lambda a: -a.views)[:6], 1)
        )
        return f"""<!DOCTYPE html>
<html lang="vi" xmlns="http://www.w3.org/1999/xhtml"><head><meta charset="utf-8" />
<title>{_e(title)} | {_e(portal.spec.name)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1" />
<link rel="stylesheet" href="/Content/css/style.min.css?v=2.4.{rng.randint(1, 99)}" />
<script>window.__NEWS_CONFIG={{"zone":12,"tk":"{rng.getrandbits(64):016x}"}};(function(i,s,o,g,r,a,m){{i['GoogleAnalyticsObject']=r;i[r]=i[r]||function(){{(i[r].q=i[r].q||[]).push(arguments)}},i[r].l=1*new Date();a=s.createElement(o),m=s.getElementsByTagName(o)[0];a.async=1;a.src=g;m.parentNode.insertBefore(a,m)}})(window,document,'script','//www.google-analytics.com/analytics.js','ga');ga('create','UA-{rng.randint(10000000, 99999999)}-1','auto');ga('send','pageview');</script>
</head><body>
<div class="top-bar"><div class="container"><span class="today">{self.date(today).split(",")[0] + ", " + f"{today:%d/%m/%Y}" if today else ""}</span>
<span class="hotline">Đường dây nóng: 0215.38{rng.randint(10000, 99999)}</span> <a href="/rss">RSS</a> <a href="/dang-nhap">Đăng nhập</a></div></div>
<header class="header"><div class="container"><div class="logo"><a href="/"><img src="/Content/images/logo.png" alt="{_e(portal.spec.name)}" /></a></div>
<div class="banner-ads"><a href="/quang-cao/{rng.randint(1, 9)}" rel="nofollow"><img src="/Uploads/QuangCao/banner-728x90.gif" alt="" /></a></div></div></header>
<nav class="main-menu"><div class="container"><ul>
<li class="home"><a href="/"><i class="icon-home"></i></a></li><li><a href="/thoi-su/trang-1.htm">Thời sự</a></li><li class="active"><a href="{_e(self.listing_path(1))}">Tin tức</a></li>
<li><a href="/kinh-te/trang-1.htm">Kinh tế</a></li><li><a href="/van-hoa-xa-hoi/trang-1.htm">Văn hóa - Xã hội</a></li><li><a href="/quoc-phong-an-ninh/trang-1.htm">Quốc phòng - An ninh</a></li>
<li><a href="{_e(self.document_listing_path(1))}">Văn bản</a></li><li><a href="/video/trang-1.htm">Video</a></li></ul></div></nav>
<div class="container main"><div class="row">
<div class="col-left col-md-8">
{content}
</div>
<div class="col-right col-md-4">
<div class="box-widget box-docnhieu"><h3 class="title-box">Đọc nhiều</h3><ol class="list-docnhieu">{most_read}</ol></div>
<div class="box-widget box-video"><h3 class="title-box">Video</h3><div class="video-item"><a href="/video/{rng.randint(100, 999)}.htm"><img src="/Uploads/Video/thumb.jpg" alt="" /><span>Bản tin thời sự {_e(portal.spec.place)}</span></a></div></div>
<div class="box-widget box-ads"><a href="https://dichvucong.gov.vn" rel="nofollow"><img src="/Uploads/QuangCao/dvc-300x250.jpg" alt="Dịch vụ công trực tuyến" /></a></div>
<div class="box-widget box-thoitiet"><h3 class="title-box">Thời tiết</h3><div class="weather">Điện Biên Phủ <b>{rng.randint(14, 34)}°C</b> - Nhiều mây</div></div>
<div class="box-widget box-thongke"><h3 class="title-box">Thống kê truy cập</h3><p>Đang online: {rng.randint(5, 300)}</p><p>Tổng lượt truy cập: {_thousands(portal.visits + 12_000_000)}</p></div>
</div></div></div>
<footer class="footer"><div class="container"><p><strong>{_e(portal.spec.name.upper())}</strong></p>
<p>Giấy phép số 12/GP-TTĐT ngày 15/3/2019 của Sở Thông tin và Truyền thông. Chịu trách nhiệm chính: Chánh Văn phòng HĐND - UBND.</p>
<p>Địa chỉ: Tổ dân phố 5, {_e(portal.spec.place)}, tỉnh Điện Biên. Điện thoại: 0215.38{rng.randint(10000, 99999)} - Email: banbientap@dienbien.gov.vn</p><p>&copy; Ghi rõ nguồn khi phát hành lại thông tin từ website này.</p></div></footer>
<script src="/Scripts/jquery.lazyload.min.js"></script><script>$(function(){{$("img[data-src]").lazyload({{data_attribute:"src"}});}});</script>
</body></html>"""

    def article(self, portal: Portal, article: Article, rng: random.Random, body: str) -> str:
        live = portal.live()
        related = "".join(
            f'<li><a href="{_e(self.article_path(a))}">{_e(a.title)}</a></li>'
            for a in live[:3]
            if a is not article
        )
        box = f'<div class="box-tinlienquan" style="float: right; width: 260px; margin: 0 0 10px 15px;"><b>Tin liên quan:</b><ul>{related}</ul></div>'
        parts = body.split("\n")
        if len(parts) > 3:
            parts.insert(2, box)  # the related box sits between the second and third block of the text
        byline = (
            f'<p class="Normal" style="text-align: right;"><strong>{_e(article.byline)}</strong></p>'
            if article.byline
            else ""
        )
        tags = "".join(
            f'<a href="/tag/{t}.htm">{t.replace("-", " ")}</a> ' for t in article.slug.split("-")[:3]
        )
        others = "".join(
            f'<li><a href="{_e(self.article_path(a))}">{_e(a.title)}</a> <span class="time">({a.published_at:%d/%m/%Y %H:%M})</span></li>'
            for a in live[3:11]
            if a is not article
        )
        content = f"""<div class="breadcrumb-detail"><a href="/">Trang chủ</a> <span>›</span> <a href="{_e(self.listing_path(1))}">{_e(article.category)}</a></div>
<div class="detail-top"><span class="cate"><a href="{_e(self.listing_path(1))}">{_e(article.category)}</a></span><span class="date">{self.date(article.published_at)}</span></div>
<h1 class="title-detail">{_e(article.title)}</h1>
<h2 class="sapo">{_e(article.lead)}</h2>
<div class="social-top"><a class="btn-fb" href="https://www.facebook.com/sharer/sharer.php">Chia sẻ</a> <a class="zalo-share-button" data-href="" data-oaid="{rng.getrandbits(60)}">Zalo</a> <a href="javascript:window.print()">In bài</a> <span class="font-size">A- A+</span></div>
<div class="detail-content fck_detail" id="ctl00_mainContent_divContent">
{chr(10).join(parts)}
{byline}
</div>
<div class="tags"><h4>Từ khóa:</h4>{tags}</div>
<div class="box-comment"><h3 class="title-box">Ý kiến bạn đọc</h3><form action="/binh-luan" method="post"><textarea placeholder="Nhập ý kiến của bạn..."></textarea><input type="text" placeholder="Họ tên" /><input type="submit" value="Gửi ý kiến" /></form></div>
<div class="box-other"><h3 class="title-box">Tin khác</h3><ul>{others}</ul></div>"""
        return self.frame(portal, rng, article.title, content)

    def listing(self, portal: Portal, page: int, rng: random.Random) -> str:
        live = portal.live()
        pages = _pages(len(live))
        rows = "\n".join(
            f'<div class="item-news"><a class="thumb" href="{_e(self.article_path(a))}"><img data-src="/Uploads/Images/thumb-{a.id}.jpg" src="/images/blank.gif" alt="" /></a>'
            f'<h3 class="title-news"><a href="{_e(self.article_path(a))}">{_e(a.title)}</a></h3>'
            f'<span class="time">{a.published_at:%d/%m/%Y %H:%M}</span><p class="description">{_e(a.lead[:200])}</p></div>'
            for a in _page_items(live, page)
        )
        low, high = max(1, page - 2), min(pages, page + 2)
        links = "".join(
            f'<a class="{"active" if n == page else ""}" href="{_e(self.listing_path(n))}">{n}</a>'
            for n in range(low, high + 1)
        )
        content = f"""<h1 class="title-cate">Tin tức</h1><div class="list-news">
{rows}
</div>
<div class="pagination"><span class="page-info">Trang {page} / {pages}</span><a href="{_e(self.listing_path(1))}">«</a>{links}<a href="{_e(self.listing_path(pages))}">»</a></div>"""
        return self.frame(portal, rng, "Tin tức", content)

    def document_pager(self, page: int, count: int) -> str:
        return f'<div class="pagination"><span class="page-info">Trang {page} / {_pages(count)}</span></div>'


# ---------------------------------------------------------------- old table layout (ASP)


class TableLayout(Family):
    name = "table"
    profile = "table_layout"
    listing_template = "/tintuc.asp?page={page}"
    document_listing_template = "/vanban.asp?page={page}"
    file_folder = "/upload/vanban/"
    listing_route = (r"^/tintuc\.asp$", "page")
    document_listing_route = (r"^/vanban\.asp$", "page")
    article_route = (r"^/chitiet\.asp$", "id")
    document_route = (r"^/chitietvb\.asp$", "id")

    def article_path(self, article: Article) -> str:
        return f"/chitiet.asp?id={article.id}&cat=12"

    def document_path(self, document: Document) -> str:
        return f"/chitietvb.asp?id={document.id}"

    def document_listing(self, documents: list[Document], pager: str) -> str:
        rows = "".join(
            f'<tr><td><font size="2">{_e(d.number)}</font></td><td><font size="2">{d.issued:%d/%m/%Y}</font></td>'
            f'<td><a class="tieude_nho" href="{_e(self.document_path(d)[1:])}"><font size="2">{_e(d.subject)}</font></a></td></tr>'
            for d in documents
        )
        return (
            f'<table width="100%" border="1" cellspacing="0" cellpadding="3" bordercolor="#CCCCCC"><tr bgcolor="#EEEEEE"><td colspan="3"><b>VĂN BẢN PHÁP QUY</b></td></tr>'
            f"<tr><td><b>Số/Ký hiệu</b></td><td><b>Ngày</b></td><td><b>Trích yếu</b></td></tr>{rows}</table>{pager}"
        )

    def document_page(self, document: Document, letter: str) -> str:
        return f"""<table class="chitietvb" width="100%" border="0" cellspacing="0" cellpadding="4">
<tr><td class="tieude"><font color="#003399" size="3"><b>{_e(document.title)}</b></font></td></tr>
<tr><td class="noidungvb"><font face="Times New Roman" size="3">{letter}</font></td></tr>
<tr><td><font size="2">File đính kèm: <a href="{_e(self.file_path(document)[1:])}">{_e(document.file_name)}</a></font></td></tr></table>"""

    def paragraph(self, text: str, article: Article) -> str:
        # Years of editors: plain lines split by breaks, indented paragraphs, and text pasted from Word.
        style = article.id % 3
        if style == 0:
            return f"{text}<br><br>"
        if style == 1:
            return f'<p align="justify">&nbsp;&nbsp;&nbsp;&nbsp;{text}</p>'
        return (
            '<p class="MsoNormal" style="margin-bottom:6.0pt;text-align:justify;text-indent:36.0pt;line-height:115%">'
            '<span lang="VI" style="font-size:13.0pt;line-height:115%;font-family:&quot;Times New Roman&quot;,serif;'
            f'mso-fareast-font-family:&quot;Times New Roman&quot;">{text}<o:p></o:p></span></p>'
        )

    def figure(self, name: str, caption: str) -> str:
        return (
            f'<table width="500" border="0" align="center" cellpadding="2" cellspacing="0"><tr><td align="center"><img src="upload/images/{_e(name)}" width="480" border="0"></td></tr>'
            f'<tr><td align="center"><font size="2" color="#333399"><i>{_e(caption)}</i></font></td></tr></table>'
        )

    def frame(self, portal: Portal, rng: random.Random, title: str, content: str) -> str:
        marquee = " &nbsp;&nbsp; ".join(
            f'<img src="images/new.gif"> <a href="{_e(self.article_path(a))}">{_e(a.title)}</a>'
            for a in portal.live()[:5]
        )
        return f"""<html>
<head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<title>{_e(portal.spec.name.upper())}</title>
<link href="css/style.css" rel="stylesheet" type="text/css">
<script language="JavaScript" type="text/JavaScript">
<!--
function MM_swapImgRestore() {{ var i,x,a=document.MM_sr; for(i=0;a&&i<a.length&&(x=a[i])&&x.oSrc;i++) x.src=x.oSrc; }}
var sessid="{rng.getrandbits(64):016X}";
function ShowDate() {{ var d=new Date(); document.write("Hôm nay: " + d.getDate() + "/" + (d.getMonth()+1) + "/" + d.getFullYear()); }}
//-->
</script>
</head>
<body leftmargin="0" topmargin="0" marginwidth="0" marginheight="0" bgcolor="#FFFFFF">
<table width="980" border="0" align="center" cellpadding="0" cellspacing="0" bgcolor="#FFFFFF">
<tr><td colspan="3"><img src="images/banner.jpg" width="980" height="150" alt="{_e(portal.spec.name)}"></td></tr>
<tr><td colspan="3" bgcolor="#CC0000" height="28" class="menu">&nbsp;<font color="#FFFFFF"><b><a href="default.asp"><font color="#FFFFFF">TRANG CHỦ</font></a> | <a href="gioithieu.asp"><font color="#FFFFFF">GIỚI THIỆU</font></a> | <a href="{_e(self.listing_path(1)[1:])}"><font color="#FFFFFF">TIN TỨC</font></a> | <a href="{_e(self.document_listing_path(1)[1:])}"><font color="#FFFFFF">VĂN BẢN</font></a> | <a href="lienhe.asp"><font color="#FFFFFF">LIÊN HỆ</font></a></b></font></td></tr>
<tr><td colspan="3" bgcolor="#FFFFCC"><marquee scrollamount="3" onmouseover="this.stop()" onmouseout="this.start()"><font size="2">{marquee}</font></marquee></td></tr>
<tr>
<td width="190" valign="top" bgcolor="#F5F5F5">
<table width="100%" border="0" cellspacing="0" cellpadding="3"><tr><td class="tieude_trai" bgcolor="#336699"><font color="#FFFFFF"><b>DANH MỤC</b></font></td></tr>
<tr><td><font size="2"><a href="{_e(self.listing_path(1)[1:])}">&raquo; Tin tức - Sự kiện</a><br><a href="gioithieu.asp">&raquo; Giới thiệu chung</a><br><a href="{_e(self.document_listing_path(1)[1:])}">&raquo; Văn bản pháp quy</a><br><a href="thutuc.asp">&raquo; Thủ tục hành chính</a><br><a href="lichct.asp">&raquo; Lịch công tác</a></font></td></tr></table>
<table width="100%" border="0" cellspacing="0" cellpadding="3"><tr><td class="tieude_trai" bgcolor="#336699"><font color="#FFFFFF"><b>THỐNG KÊ TRUY CẬP</b></font></td></tr>
<tr><td><font size="2">Đang online: {rng.randint(1, 40)}<br>Tổng lượt truy cập: {portal.visits + 210_000}</font></td></tr></table>
</td>
<td width="600" valign="top">
{content}
</td>
<td width="190" valign="top">
<table width="100%" border="0" cellspacing="0" cellpadding="3"><tr><td class="tieude_trai" bgcolor="#336699"><font color="#FFFFFF"><b>LIÊN KẾT WEBSITE</b></font></td></tr>
<tr><td align="center"><a href="http://www.dienbien.gov.vn" target="_blank"><img src="images/lk-dienbien.gif" width="180" border="0"></a><br><a href="http://www.chinhphu.vn" target="_blank"><img src="images/lk-chinhphu.gif" width="180" border="0"></a></td></tr>
<tr><td><font size="1"><script language="JavaScript">ShowDate();</script></font></td></tr></table>
</td></tr>
<tr><td colspan="3" bgcolor="#CC0000" align="center" height="50"><font color="#FFFFFF" size="1">Bản quyền &copy; 2008 {_e(portal.spec.name)}<br>Địa chỉ: Trung tâm {_e(portal.spec.place)} - Điện thoại: 0215.38{rng.randint(10000, 99999)}<br>Thiết kế bởi Trung tâm Tin học</font></td></tr>
</table>
</body>
</html>"""

    def article(self, portal: Portal, article: Article, rng: random.Random, body: str) -> str:
        live = portal.live()
        others = "".join(
            f'<img src="images/dot.gif"> <a href="{_e(self.article_path(a)[1:])}">{_e(a.title)}</a> <font size="1" color="#999999">({a.published_at:%d/%m/%Y})</font><br>'
            for a in live[:8]
            if a is not article
        )
        byline = (
            f'<tr><td align="right" class="tacgia"><b><i>{_e(article.byline)}</i></b></td></tr>'
            if article.byline
            else ""
        )
        content = f"""<table class="chitiet" width="100%" border="0" cellspacing="0" cellpadding="4">
<tr><td class="duongdan"><font size="1"><a href="default.asp">Trang chủ</a> &raquo; <a href="{_e(self.listing_path(1)[1:])}">{_e(article.category)}</a></font></td></tr>
<tr><td class="tieude"><font color="#003399" size="4"><b>{_e(article.title)}</b></font></td></tr>
<tr><td><font color="#666666" size="1"><i>(Ngày đăng: {article.published_at:%d/%m/%Y - %H:%M})</i></font></td></tr>
<tr><td class="trichyeu"><font size="2"><b>{_e(article.lead)}</b></font></td></tr>
<tr><td class="noidung"><div align="justify"><font face="Arial" size="2">
{body}
</font></div></td></tr>
{byline}
<tr><td align="right" class="luotxem"><font size="1">Số lần xem: {article.views} &nbsp; <a href="javascript:window.print()">[In trang]</a> &nbsp; <a href="javascript:history.back()">[Quay lại]</a></font></td></tr>
<tr><td><hr size="1" color="#CCCCCC"><b><font size="2" color="#CC0000">Các tin đã đưa:</font></b><br><font size="2">{others}</font></td></tr>
</table>"""
        return self.frame(portal, rng, article.title, content)

    def listing(self, portal: Portal, page: int, rng: random.Random) -> str:
        live = portal.live()
        pages = _pages(len(live))
        rows = "\n".join(
            f'<tr><td width="90" valign="top"><img src="upload/images/thumb-{a.id}.jpg" width="80" border="1"></td><td valign="top">'
            f'<a class="tieude_nho" href="{_e(self.article_path(a)[1:])}"><b>{_e(a.title)}</b></a> <font size="1" color="#999999">({a.published_at:%d/%m/%Y})</font><br>'
            f'<font size="2">{_e(a.lead[:180])}...</font></td></tr>'
            for a in _page_items(live, page)
        )
        links = " ".join(
            f"<b>[{n}]</b>" if n == page else f'<a href="{_e(self.listing_path(n)[1:])}">{n}</a>'
            for n in range(1, pages + 1)
        )
        content = f"""<table width="100%" border="0" cellspacing="0" cellpadding="4">
<tr><td colspan="2" class="tieude_muc" bgcolor="#EEEEEE"><b>TIN TỨC - SỰ KIỆN</b></td></tr>
{rows}
<tr><td colspan="2" align="center" class="phantrang"><font size="2">Tổng số tin: {len(live)} - Trang: {links}</font></td></tr>
</table>"""
        return self.frame(portal, rng, "Tin tức", content)

    def document_pager(self, page: int, count: int) -> str:
        pages = _pages(count)
        links = " ".join(
            f'<a href="{_e(self.document_listing_path(n)[1:])}">{n}</a>' for n in range(1, pages + 1)
        )
        return f'<div class="phantrang"><font size="2">Tổng số văn bản: {count} - Trang: {links}</font></div>'


# ---------------------------------------------------------------- eGov portal platform


class EGov(Family):
    name = "egov"
    profile = "egov_portal"
    listing_template = "/chuyen-muc/tin-tuc-su-kien.html?pageindex={page}"
    document_listing_template = "/van-ban-chi-dao-dieu-hanh.html?pageindex={page}"
    file_folder = "/uploads/vanban/"
    listing_route = (r"^/chuyen-muc/tin-tuc-su-kien\.html$", "pageindex")
    document_listing_route = (r"^/van-ban-chi-dao-dieu-hanh\.html$", "pageindex")
    article_route = (r"^/tin-tuc-su-kien/t(\d+)/[a-z0-9-]*\.html$", None)
    document_route = (r"^/van-ban/vb(\d+)/[a-z0-9-]*\.html$", None)

    def article_path(self, article: Article) -> str:
        return f"/tin-tuc-su-kien/t{article.id}/{article.slug}.html"

    def document_path(self, document: Document) -> str:
        return f"/van-ban/vb{document.id}/{document.slug}.html"

    def document_listing(self, documents: list[Document], pager: str) -> str:
        rows = "".join(
            f'<tr><td>{i}</td><td>{_e(d.number)}</td><td>{d.issued:%d/%m/%Y}</td><td><a class="document-link" href="{_e(self.document_path(d))}">{_e(d.subject)}</a></td></tr>'
            for i, d in enumerate(documents, 1)
        )
        return (
            f'<div class="title-category"><h2>Văn bản chỉ đạo điều hành</h2></div><table class="table table-bordered table-document">'
            f"<thead><tr><th>STT</th><th>Số hiệu</th><th>Ngày ban hành</th><th>Trích yếu</th></tr></thead><tbody>{rows}</tbody></table>{pager}"
        )

    def document_page(self, document: Document, letter: str) -> str:
        return f"""<div class="document-detail"><div class="title-news-detail"><h2>{_e(document.title)}</h2></div>
<table class="table table-bordered document-info"><tr><td>Số hiệu</td><td>{_e(document.number)}</td><td>Ngày ban hành</td><td>{document.issued:%d/%m/%Y}</td></tr><tr><td>Người ký</td><td>{_e(document.signer)}</td><td>Loại văn bản</td><td>{_e(document.kind)}</td></tr></table>
<div class="document-content">{letter}</div>
<div class="document-files"><i class="fa fa-paperclip"></i> <a href="{_e(self.file_path(document))}" target="_blank">{_e(document.file_name)}</a></div></div>"""

    def paragraph(self, text: str, article: Article) -> str:
        return (
            f'<p style="text-align: justify;"><span style="font-size:14px;"><span style="font-family:Arial,Helvetica,sans-serif;">'
            f"{text}</span></span></p>"
        )

    def figure(self, name: str, caption: str) -> str:
        return (
            f'<p style="text-align: center;"><img alt="" src="/uploads/news/{random.Random(name).randint(2019, 2025)}/{_e(name)}" style="width: 100%; max-width: 700px;" /></p>'
            f'<p style="text-align: center;"><span style="font-size:12px;"><i>{_e(caption)}</i></span></p>'
        )

    def frame(self, portal: Portal, rng: random.Random, title: str, content: str) -> str:
        notices = "".join(
            f'<li><a href="{_e(self.article_path(a))}"><i class="fa fa-caret-right"></i> {_e(a.title)}</a><span class="date">{a.published_at:%d/%m/%Y}</span></li>'
            for a in portal.live()[:5]
        )
        return f"""<!DOCTYPE html>
<html lang="vi"><head><meta charset="utf-8" /><meta name="viewport" content="width=device-width, initial-scale=1.0" />
<title>{_e(title)}</title>
<link rel="stylesheet" href="/lib/bootstrap/dist/css/bootstrap.min.css" /><link rel="stylesheet" href="/css/site.min.css?v={rng.getrandbits(40):x}" />
<script>var __RequestVerificationToken = "CfDJ8{rng.getrandbits(200):x}"; var siteId = {rng.randint(10, 99)};</script>
</head><body>
<div class="header-top"><div class="container"><span class="hotline">Đường dây nóng: 0215.3{rng.randint(100000, 999999)}</span>
<ul class="header-links"><li><a href="https://dichvucong.dienbien.gov.vn">Dịch vụ công trực tuyến</a></li><li><a href="/hoi-dap.html">Hỏi đáp</a></li><li><a href="/Account/Login">Đăng nhập</a></li></ul></div></div>
<header class="header"><div class="container"><a class="logo" href="/"><img src="/images/quoc-huy.png" alt="" /></a>
<h1 class="site-name">{_e(portal.spec.name.upper())}</h1><div class="slogan">Thông tin chính thống - Phục vụ nhân dân</div></div></header>
<nav class="navbar navbar-expand-lg mega-menu"><div class="container"><ul class="navbar-nav">
<li class="nav-item"><a class="nav-link" href="/"><i class="fa fa-home"></i></a></li>
<li class="nav-item dropdown"><a class="nav-link dropdown-toggle" href="/gioi-thieu.html" data-toggle="dropdown">Giới thiệu</a><div class="dropdown-menu"><a class="dropdown-item" href="/gioi-thieu/lich-su.html">Lịch sử</a><a class="dropdown-item" href="/gioi-thieu/to-chuc.html">Cơ cấu tổ chức</a></div></li>
<li class="nav-item active"><a class="nav-link" href="{_e(self.listing_path(1))}">Tin tức - Sự kiện</a></li>
<li class="nav-item"><a class="nav-link" href="{_e(self.document_listing_path(1))}">Văn bản</a></li>
<li class="nav-item"><a class="nav-link" href="/cong-khai-ngan-sach.html">Công khai ngân sách</a></li></ul></div></nav>
<main class="container main-content"><div class="row">
<div class="col-lg-9 col-md-8">
{content}
</div>
<div class="col-lg-3 col-md-4 sidebar">
<div class="block-sidebar"><div class="title-block"><span>Thông báo</span></div><ul class="list-notice">{notices}</ul></div>
<div class="block-sidebar"><div class="title-block"><span>Thăm dò ý kiến</span></div><form class="poll"><p>Bạn đánh giá thế nào về giao diện mới của Cổng thông tin?</p><label><input type="radio" name="poll" /> Đẹp, dễ sử dụng</label><label><input type="radio" name="poll" /> Bình thường</label><button type="button">Bình chọn</button></form></div>
<div class="block-sidebar"><div class="title-block"><span>Thống kê truy cập</span></div><div class="statistic"><p>Trực tuyến: <b>{rng.randint(2, 150)}</b></p><p>Tổng lượt truy cập: <b>{portal.visits + 987_000:,}</b></p></div></div>
</div></div></main>
<footer class="footer"><div class="container"><p><b>{_e(portal.spec.name)}</b></p><p>Cơ quan chủ quản: Ủy ban nhân dân {_e(portal.spec.place)}</p><p>Địa chỉ: {_e(portal.spec.place)}, tỉnh Điện Biên</p><p>Đơn vị phát triển: VNPT Điện Biên</p></div></footer>
<script src="/lib/jquery/dist/jquery.min.js"></script><script src="/js/site.min.js?v={rng.getrandbits(40):x}"></script>
<script>(function(){{var s=document.createElement('script');s.src='https://chatbot.dienbien.gov.vn/widget.js?bot={rng.getrandbits(32):x}';document.body.appendChild(s);}})();</script>
</body></html>"""

    def article(self, portal: Portal, article: Article, rng: random.Random, body: str) -> str:
        author = author_of(article.byline)
        byline = f'<div class="author-news text-right"><b>Tác giả: {_e(author)}</b></div>' if author else ""
        others = "".join(
            f'<li><a href="{_e(self.article_path(a))}">{_e(a.title)}</a> <span class="date">({a.published_at:%d/%m/%Y %H:%M})</span></li>'
            for a in rng.sample(portal.live(), min(6, len(portal.live())))
            if a is not article
        )
        content = f"""<nav aria-label="breadcrumb"><ol class="breadcrumb"><li class="breadcrumb-item"><a href="/">Trang chủ</a></li><li class="breadcrumb-item"><a href="{_e(self.listing_path(1))}">Tin tức - Sự kiện</a></li><li class="breadcrumb-item active">{_e(article.category)}</li></ol></nav>
<div class="news-detail-page">
<div class="title-news-detail"><h2>{_e(article.title)}</h2></div>
<div class="meta-news"><span class="post-date"><i class="fa fa-calendar"></i> {article.published_at:%d/%m/%Y %H:%M:%S}</span> <span class="post-view"><i class="fa fa-eye"></i> Lượt xem: {article.views:,}</span>
<span class="font-resize"><a href="javascript:void(0)" onclick="resizeText(-1)">A-</a> <a href="javascript:void(0)" onclick="resizeText(1)">A+</a></span></div>
<div class="summary-news"><p><em><strong>{_e(article.lead)}</strong></em></p></div>
<div class="content-news" id="content-news">
{body}
</div>
{byline}
<div class="share-news"><div class="fb-like" data-href="{_e(self.article_path(article))}" data-layout="button_count"></div><a href="javascript:window.print()"><i class="fa fa-print"></i> In bài viết</a></div>
<div class="other-news"><div class="title-block"><span>Tin cùng chuyên mục</span></div><ul>{others}</ul></div>
</div>"""
        return self.frame(portal, rng, f"{article.title} - {portal.spec.name}", content)

    def listing(self, portal: Portal, page: int, rng: random.Random) -> str:
        live = portal.live()
        pages = _pages(len(live))
        rows = "\n".join(
            f'<div class="news-item row"><div class="col-md-4"><a href="{_e(self.article_path(a))}"><img src="/uploads/news/thumb/{a.id}.jpg" class="img-fluid" /></a></div>'
            f'<div class="col-md-8"><h3 class="news-item-title"><a href="{_e(self.article_path(a))}">{_e(a.title)}</a></h3>'
            f'<span class="post-date">{a.published_at:%d/%m/%Y %H:%M:%S}</span><p class="news-item-summary">{_e(a.lead[:200])}</p></div></div>'
            for a in _page_items(live, page)
        )
        low, high = max(1, page - 2), min(pages, page + 2)
        links = "".join(
            f'<li class="page-item{" active" if n == page else ""}"><a class="page-link" href="{_e(self.listing_path(n))}">{n}</a></li>'
            for n in range(low, high + 1)
        )
        content = f"""<div class="title-category"><h2>Tin tức - Sự kiện</h2></div>
<div class="list-news">
{rows}
</div>
<div class="paging-wrap"><span class="total-record">Tổng số: {len(live)} bản ghi</span><ul class="pagination">
<li class="page-item"><a class="page-link" href="{_e(self.listing_path(1))}">Đầu</a></li>{links}<li class="page-item"><a class="page-link" href="{_e(self.listing_path(pages))}">Cuối</a></li></ul></div>"""
        return self.frame(portal, rng, "Tin tức - Sự kiện", content)

    def document_pager(self, page: int, count: int) -> str:
        links = "".join(
            f'<li class="page-item"><a class="page-link" href="{_e(self.document_listing_path(n))}">{n}</a></li>'
            for n in range(1, _pages(count) + 1)
        )
        return f'<div class="paging-wrap"><span class="total-record">Tổng số: {count} bản ghi</span><ul class="pagination">{links}</ul></div>'


FAMILIES: dict[str, Family] = {
    family.name: family
    for family in (Portlet(), SharePoint(), WordPress(), Newspaper(), TableLayout(), EGov())
}

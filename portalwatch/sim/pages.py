"""HTML of the simulated portals, in the shape the real ones use.

Three families, as the seed pages show, and those of :mod:`portalwatch.sim.families`
(platforms the seed pages do not show). The provincial Party portal (an old
ASP.NET site: layout tables, the article in the items of one list, related
articles and a ``1141-1150 of 1350`` pager below it), a district portal (list
items, "Các tin khác:" as plain lines, sidebars) and a commune portal on a
Joomla template ("Văn bản mới" repeated, template-settings junk). Every page
carries volatile chrome: a visit counter, a view-state token, a nonce in an
inline script.
"""

from __future__ import annotations

import base64
import math
import random
import unicodedata
from html import escape
from urllib.parse import quote

from portalwatch.sim import corpus
from portalwatch.sim.documents import WEEKDAYS, Document
from portalwatch.sim.families import FAMILIES
from portalwatch.sim.world import Article, Portal, World, ascii_slug

PAGE_SIZE = 10

# Where each family puts listings and articles. `article_id` recovers the id from a path.
LISTING_PATHS = {
    "province": "/tin-tuc-su-kien.aspx?Page={page}",
    "district": "/tin-tuc?page={page}",
    "commune": "/index.php/tin-tuc?start={offset}",
    **{name: family.listing_template for name, family in FAMILIES.items()},
}


DOCUMENT_LISTING_PATHS = {
    "province": "/van-ban.aspx?Page={page}",
    "district": "/van-ban?page={page}",
    "commune": "/index.php/van-ban?start={offset}",
    **{name: family.document_listing_template for name, family in FAMILIES.items()},
}
_FILE_FOLDERS = {
    "province": "/Uploads/VanBan/",
    "district": "/Uploads/files/van-ban/",
    "commune": "/images/van-ban/",
}


def document_path(family: str, document: Document) -> str:
    if family in FAMILIES:
        return FAMILIES[family].document_path(document)
    if family == "province":
        return f"/van-ban/chi-tiet.aspx?DocID={document.id}"
    if family == "district":
        return f"/van-ban/{document.slug}-{document.id}.html"
    return f"/index.php/van-ban/{document.id}-{document.slug}"


def document_file_path(family: str, document: Document) -> str:
    if family in FAMILIES:
        return FAMILIES[family].file_path(document)
    return _FILE_FOLDERS[family] + document.file_name


def document_listing_path(family: str, page: int) -> str:
    return DOCUMENT_LISTING_PATHS[family].format(page=page, offset=(page - 1) * PAGE_SIZE)


def article_path(article: Article) -> str:
    family = article.portal.family
    if family in FAMILIES:
        return FAMILIES[family].article_path(article)
    if family == "province":
        return f"/tin-tuc-su-kien/chi-tiet.aspx?NewsID={article.id}&CateID=12"
    if family == "district":
        return f"/tin-tuc/{article.slug}-{article.id}.html"
    return f"/index.php/tin-tuc/{article.id}-{article.slug}"


def listing_path(family: str, page: int) -> str:
    return LISTING_PATHS[family].format(page=page, offset=(page - 1) * PAGE_SIZE)


def _e(text: str) -> str:
    return escape(text, quote=True)


def _maybe_nfd(html: str, portal: Portal, rng: random.Random) -> str:
    """Some portals send decomposed Vietnamese (the same word, other code points)."""
    if portal.spec.nfd_share and rng.random() < portal.spec.nfd_share:
        return unicodedata.normalize("NFD", html)
    return html


def _posted(article: Article, with_views: bool) -> str:
    stamp = article.published_at.strftime("%d/%m/%Y %I:%M:%S %p")
    return (
        f"Thời gian đăng: {stamp} - Lượt đọc: {article.views}" if with_views else f"Thời gian đăng: {stamp}"
    )


def _pager_numbers(page: int, pages: int, href) -> str:
    low = max(1, min(page - 4, pages - 9))
    high = min(pages, low + 9)
    links = [f'<a href="{href(max(1, page - 1))}">&lt;</a>']
    if low > 1:
        links.append("<span>...</span>")
    for number in range(low, high + 1):
        if number == page:
            links.append(f'<span class="current">{number}</span>')
        else:
            links.append(f'<a href="{href(number)}">{number}</a>')
    if high < pages:
        links.append("<span>...</span>")
    links.append(f'<a href="{href(min(pages, page + 1))}">&gt;</a>')
    return "&nbsp; ".join(links)


def _range_text(page: int, total: int) -> str:
    first = (page - 1) * PAGE_SIZE + 1
    return f"{first}-{min(total, page * PAGE_SIZE)} of {total}"


def _viewstate(rng: random.Random) -> str:
    return base64.b64encode(rng.randbytes(48)).decode()


def _body_html(article: Article, family: str, world: World | None = None) -> str:
    """Paragraphs in the inline-styled markup of a WYSIWYG editor, images where they fall.

    A document the article cites is linked from its mention; the files it
    attaches are listed after the text.
    """
    parts: list[str] = []
    images = list(article.images)
    mentions = {index: (mention, number) for index, mention, number in article.citations}
    for index, paragraph in enumerate(article.paragraphs):
        text = _e(paragraph)
        if index in mentions and world is not None:
            mention, number = mentions[index]
            document, owner = world_document(world, number)
            if document is not None:
                link = f'<a href="{_e(document_path(owner, document))}">{_e(mention)}</a>'
                text = text.replace(_e(mention), link, 1)
        if family in FAMILIES:
            parts.append(FAMILIES[family].paragraph(text, article))
        elif family == "province":
            parts.append(
                '<p style="text-align: justify;"><span style="font-family: Times New Roman; font-size: 14pt;">'
                f"{text}</span></p>"
            )
        elif family == "district":
            parts.append(f'<p style="text-align: justify; line-height: 1.5;">&nbsp;&nbsp;&nbsp; {text}</p>')
        else:
            parts.append(f'<p style="text-align: justify;">{text}</p>')
        while images and images[0][2] == index:
            name, caption, _ = images.pop(0)
            parts.append(_figure(name, caption, family))
    for name, caption, _ in images:  # a photo story has no paragraphs to follow
        parts.append(_figure(name, caption, family))
    if world is not None:
        for number in article.attachments:
            document, owner = world_document(world, number)
            if document is not None:
                parts.append(
                    f'<p><strong>Tải về:</strong> <a href="{_e(document_file_path(owner, document))}">'
                    f"{_e(document.file_name)}</a></p>"
                )
    return "\n".join(parts)


def world_document(world: World, number: str) -> tuple[Document | None, str]:
    """A document by number, and the family of the portal that publishes it."""
    for portal in world.portals.values():
        for document in portal.documents:
            if document.number == number:
                return document, portal.spec.family
    return None, ""


def _figure(name: str, caption: str, family: str) -> str:
    if family in FAMILIES:
        return FAMILIES[family].figure(name, caption)
    if family == "province":
        return (
            '<table class="image" align="center" border="0" cellpadding="3"><tbody>'
            f'<tr><td><img src="/Uploads/Images/{_e(name)}" alt="" width="600" /></td></tr>'
            f'<tr><td class="image_desc" style="text-align: center;"><em>({_e(caption)})</em></td></tr>'
            "</tbody></table>"
        )
    if family == "district":
        return (
            f'<p style="text-align: center;"><img src="/Uploads/images/tin-tuc/{_e(name)}" style="width: 600px;" /></p>'
            f'<p style="text-align: center;"><em>{_e(caption)}</em></p>'
        )
    return (
        f'<p style="text-align: center;"><img src="/images/tin-tuc/{_e(name)}" alt="{_e(caption)}" /></p>'
        f'<p style="text-align: center;"><em>{_e(caption)}</em></p>'
    )


# ---------------------------------------------------------------- province (ASP.NET)


def _province_frame(portal: Portal, rng: random.Random, title: str, content: str) -> str:
    return f"""<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml"><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8" />
<title>{_e(title)}</title>
<link href="/App_Themes/Default/style.css" rel="stylesheet" type="text/css" />
<script type="text/javascript">var __pageToken = '{rng.getrandbits(64):016x}';</script>
</head><body>
<form name="aspnetForm" method="post" action="./default.aspx" id="aspnetForm">
<div><input type="hidden" name="__VIEWSTATE" id="__VIEWSTATE" value="{_viewstate(rng)}" /></div>
<table id="ctl00_tblMain" width="1000" border="0" cellpadding="0" cellspacing="0" align="center">
<tr><td colspan="2" class="banner"><div class="banner-title">TRANG THÔNG TIN ĐIỆN TỬ ĐẢNG BỘ TỈNH ĐIỆN BIÊN</div></td></tr>
<tr><td colspan="2" class="menu"><a href="/">Trang chủ</a> | <a href="/gioi-thieu.aspx">Giới thiệu</a> | <a href="{listing_path("province", 1)}">Tin tức - Sự kiện</a> | <a href="/van-ban.aspx">Văn bản</a></td></tr>
<tr><td valign="top" id="ctl00_tdContent" width="720">
{content}
</td><td valign="top" width="280" class="right-col">
<ul class="ul-right">
<li><div class="box-title">BẢN ĐỒ HÀNH CHÍNH</div><img src="/Images/ban-do.jpg" alt="" /><div class="box-title">Liên kết web</div>
<select onchange="window.open(this.value)"><option>-- Chọn liên kết --</option><option value="http://dangcongsan.vn">Báo điện tử Đảng Cộng sản Việt Nam</option></select></li>
<li><div class="box-title">Thống kê truy cập</div>Tổng truy cập: <span id="ctl00_lblCounter">{portal.visits}</span><br />Đang truy cập: {rng.randint(3, 90)}</li>
</ul></td></tr>
<tr><td colspan="2" class="footer">Cơ quan chủ quản: Ban Tuyên giáo Tỉnh ủy Điện Biên</td></tr>
</table></form></body></html>"""


def _province_list(items: list[Article], page: int, total: int) -> str:
    pages = max(1, math.ceil(total / PAGE_SIZE))
    rows = "\n".join(
        f'<li><a class="title-other" href="{article_path(a)}">{_e(a.title)}</a></li>' for a in items
    )
    pager = _pager_numbers(page, pages, lambda n: listing_path("province", n))
    return (
        f'<ul class="ul-other">\n{rows}\n<li class="pager-label">Trang: </li>\n'
        f'<li class="pager"><span class="pager-info">{_range_text(page, total)}</span>{pager}</li>\n</ul>'
    )


def province_article(portal: Portal, article: Article, rng: random.Random, world: World | None = None) -> str:
    live = portal.live()
    page = rng.randint(1, max(1, math.ceil(len(live) / PAGE_SIZE)))
    others = live[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    byline = (
        f'<p style="text-align: right;"><strong>{_e(article.byline)}</strong></p>' if article.byline else ""
    )
    content = f"""<div class="breadcrumb"><a href="/">Trang chủ</a> &gt; <a href="{listing_path("province", 1)}">Tin tức - Sự kiện</a> &gt; <a href="/chuyen-muc.aspx?c={ascii_slug(article.category)}">{_e(article.category)}</a></div>
<div id="ctl00_ContentPlaceHolder1_ctl00_pnlDetail" class="NewsDetail">
<ul class="ul-detail">
<li class="title"><span id="ctl00_ContentPlaceHolder1_ctl00_lblTitle">{_e(article.title)}</span></li>
<li class="date"><span id="ctl00_ContentPlaceHolder1_ctl00_lblDate">{_posted(article, with_views=True)}</span></li>
<li class="sapo"><strong>{_e(article.lead)}</strong></li>
<li class="content"><div id="ctl00_ContentPlaceHolder1_ctl00_divContent">
{_body_html(article, "province", world)}
{byline}
</div></li>
</ul>
{_province_list(others, page, len(live))}
</div>"""
    return _province_frame(portal, rng, f"{article.title} - Đảng bộ tỉnh Điện Biên", content)


def _listing_page(portal: Portal, page: int) -> tuple[list[Article], list[Article], int]:
    """The portal's live articles (newest first), those listing page `page` shows, and the number of pages."""
    live = portal.live()
    return live, live[(page - 1) * PAGE_SIZE : page * PAGE_SIZE], max(1, math.ceil(len(live) / PAGE_SIZE))


def province_listing(portal: Portal, page: int, rng: random.Random) -> str:
    live, items, pages = _listing_page(portal, page)
    rows = "\n".join(
        f'<tr><td class="news-item"><a class="news-title" href="{article_path(a)}">{_e(a.title)}</a>'
        f'<span class="news-date"> ({a.published_at:%d/%m/%Y})</span><p class="news-sapo">{_e(a.lead[:160])}...</p></td></tr>'
        for a in items
    )
    pager = _pager_numbers(page, pages, lambda n: listing_path("province", n))
    content = f"""<div id="ctl00_ContentPlaceHolder1_ctl00_pnlList" class="NewsList">
<div class="cate-title">TIN TỨC - SỰ KIỆN</div>
<table class="tbl-news" width="100%">{rows}</table>
<ul class="ul-pager"><li>Trang: </li><li><span class="pager-info">{_range_text(page, len(live))}</span>{pager}</li></ul>
</div>"""
    return _province_frame(portal, rng, "Tin tức - Sự kiện - Đảng bộ tỉnh Điện Biên", content)


# ---------------------------------------------------------------- district portal


def _district_frame(portal: Portal, rng: random.Random, title: str, content: str) -> str:
    docs = "".join(
        f'<li><a href="/van-ban/{i}">{_e(t)}</a></li>'
        for i, t in enumerate(corpus.document_titles(rng, portal.spec.place, 4))
    )
    return f"""<!DOCTYPE html>
<html lang="vi"><head><meta charset="utf-8" /><title>{_e(title)}</title>
<link rel="stylesheet" href="/Portals/_default/skin.css" />
<script>window.dataLayer=[{{"sid":"{rng.getrandbits(48):012x}"}}];</script></head>
<body><div id="dnn_wrapper">
<div class="header"><div class="site-name">{_e(portal.spec.name.upper())}</div></div>
<div class="topnav"><a href="/">Trang chủ</a><a href="{listing_path("district", 1)}">Tin tức</a><a href="/van-ban">Văn bản</a></div>
<div class="container"><div class="row">
<div class="col-md-8" id="dnn_ContentPane">
{content}
</div>
<div class="col-md-4 sidebar" id="dnn_RightPane">
<ul class="sidebar-list">
<li><a href="/van-ban">Công khai gửi nhận văn bản</a></li>
<li><span>văn bản qua mạng giữa các đơn vị trên địa bàn huyện</span><ul class="docs">{docs}</ul></li>
<li><a href="https://dichvucong.dienbien.gov.vn">Tiến độ giải quyết DVC trực tuyến</a></li>
<li><div class="box-title">Thư viện Video</div><a href="/video/1">Di tích lịch sử trên địa bàn huyện</a></li>
<li><div class="box-title">Thống kê truy cập</div></li>
<li>Tổng truy cập: <span class="counter">{portal.visits}</span></li>
<li><div class="box-title">Liên kết Website</div></li>
</ul></div></div></div>
<div class="footer">Bản quyền thuộc {_e(portal.spec.name)}</div></div></body></html>"""


def district_article(portal: Portal, article: Article, rng: random.Random, world: World | None = None) -> str:
    live = portal.live()
    page = rng.randint(1, max(1, math.ceil(len(live) / PAGE_SIZE)))
    others = live[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    pages = max(1, math.ceil(len(live) / PAGE_SIZE))
    other_lines = "<br />\n".join(f'<a href="{article_path(a)}">{_e(a.title)}</a>' for a in others)
    pager = _pager_numbers(page, pages, lambda n: listing_path("district", n))
    byline = (
        f'<li class="news-author" style="text-align: right;"><b>{_e(article.byline)}</b></li>'
        if article.byline
        else ""
    )
    content = f"""<ol class="breadcrumb"><li><a href="/">Trang chủ</a></li><li><a href="{listing_path("district", 1)}">Tin tức - Sự kiện</a></li><li class="active">{_e(article.category)}</li></ol>
<div class="news-detail">
<ul class="list-unstyled detail">
<li><h2 class="news-title">{_e(article.title)}</h2></li>
<li class="news-time">{_posted(article, with_views=False)}</li>
<li class="news-content"><p><strong>{_e(article.lead)}</strong></p>
{_body_html(article, "district", world)}
</li>
{byline}
</ul>
<div class="other-news"><b>Các tin khác:</b><br />
{other_lines}
<div class="paging">{_range_text(page, len(live))}{pager}</div>
</div></div>"""
    return _district_frame(portal, rng, article.title, content)


def district_listing(portal: Portal, page: int, rng: random.Random) -> str:
    live, items, pages = _listing_page(portal, page)
    rows = "\n".join(
        f'<div class="news-item"><a class="title" href="{article_path(a)}">{_e(a.title)}</a>'
        f'<div class="date">{a.published_at:%d/%m/%Y}</div><div class="sapo">{_e(a.lead[:200])}</div></div>'
        for a in items
    )
    pager = _pager_numbers(page, pages, lambda n: listing_path("district", n))
    content = f"""<div class="list-news"><h3 class="cate">Tin tức - Sự kiện</h3>
{rows}
<div class="paging">{_range_text(page, len(live))}{pager}</div></div>"""
    return _district_frame(portal, rng, "Tin tức - Sự kiện", content)


# ---------------------------------------------------------------- commune portal (Joomla)


def _joomla_frame(portal: Portal, rng: random.Random, title: str, content: str) -> str:
    documents = corpus.document_titles(rng, portal.spec.place, 2)
    latest = "\n".join(
        f'<li><a href="/index.php/van-ban/{i}">{_e(documents[i % 2])}</a></li>' for i in range(12)
    )
    return f"""<!DOCTYPE html>
<html lang="vi-vn" dir="ltr"><head><meta http-equiv="content-type" content="text/html; charset=utf-8" />
<meta name="generator" content="Joomla! - Open Source Content Management" /><title>{_e(title)}</title>
<script type="text/javascript">jQuery(function($){{ $('.hasTooltip').tooltip(); }}); var t3_token="{rng.getrandbits(64):016x}";</script>
</head><body class="site com_content">
<div class="t3-wrapper"><header id="t3-header"><h1 class="logo">{_e(portal.spec.name)}</h1></header>
<nav id="t3-mainnav"><ul class="nav"><li><a href="/">Trang chủ</a></li><li><a href="{listing_path("commune", 1)}">Tin tức</a></li></ul></nav>
<div id="t3-mainbody" class="container t3-mainbody"><div class="row">
<div id="t3-content" class="t3-content col-xs-12 col-sm-8">
{content}
</div>
<div class="t3-sidebar t3-sidebar-right col-xs-12 col-sm-4">
<div class="t3-module module"><div class="module-inner"><h3 class="module-title"><span>Văn bản mới</span></h3>
<div class="module-ct"><ul class="latestnews">
{latest}
</ul></div></div></div>
<div class="t3-module module"><div class="module-ct"><img src="/images/banners/Thi-hanh-hien-phap-2013-copy.jpg" alt="Thi hanh hien phap 2013 copy" /></div></div>
<div class="t3-module module"><div class="module-ct">Lượt truy cập: {portal.visits}</div></div>
</div></div></div>
<div id="t3-template-settings" class="t3-template-settings" style="display:none"><h3>Template Settings</h3>
<div class="colors"><h4>Color</h4><p>For each color, the params below will be given default values</p><span>Blue</span> <span>Oranges</span> <span>Red</span></div>
<h4>Body</h4><label>Background Color</label><label>Text Color</label><h4>Header</h4><label>Background Color</label>
<h4>Spotlight3</h4><label>Background Color</label><h4>Footer</h4><label>Select menu</label><label>Google Font</label>
<label>Body Font-size</label><label>Body Font-family</label><label>Direction</label></div>
</div></body></html>"""


def joomla_date(portal: Portal, moment) -> str:
    """A Joomla date as the portal's language pack writes it."""
    if portal.spec.variant == "duoc-dang":
        return f"{WEEKDAYS[moment.weekday()]}, {moment:%d} Tháng {moment.month} {moment:%Y %H:%M}"
    return moment.strftime("%d/%m/%Y %H:%M")


def commune_article(portal: Portal, article: Article, rng: random.Random, world: World | None = None) -> str:
    long_form = portal.spec.variant == "duoc-dang"
    posted = (
        f"Được đăng: {joomla_date(portal, article.published_at)}"
        if long_form
        else f"Ngày đăng: {joomla_date(portal, article.published_at)}"
    )
    hits = f"Hits: {article.views}" if long_form else f"Lượt xem: {article.views}"
    modified = ""
    if article.updated_at is not None:
        label = "Cập nhật lần cuối" if long_form else "Cập nhật"
        modified = (
            f'<dd class="modified"><span class="icon-calendar"></span><time datetime="{article.updated_at.isoformat()}+07:00" '
            f'itemprop="dateModified">{label}: {joomla_date(portal, article.updated_at)}</time></dd>'
        )
    byline = (
        f'<p style="text-align: right;"><strong>{_e(article.byline)}</strong></p>' if article.byline else ""
    )
    content = f"""<ul class="breadcrumb"><li><a href="/" class="pathway">Trang chủ</a><span class="divider">/</span></li><li><a href="{listing_path("commune", 1)}" class="pathway">Tin tức</a><span class="divider">/</span></li><li class="active"><span>{_e(article.category)}</span></li></ul>
<div class="item-page clearfix" itemscope itemtype="https://schema.org/Article">
<meta itemprop="inLanguage" content="vi-VN" />
<div class="page-header"><h2 itemprop="headline">{_e(article.title)}</h2></div>
<dl class="article-info muted"><dt class="article-info-term">Chi tiết</dt>
<dd class="published"><span class="icon-calendar"></span><time datetime="{article.published_at.isoformat()}+07:00" itemprop="datePublished">{posted}</time></dd>
{modified}
<dd class="hits"><span class="icon-eye-open"></span><meta itemprop="interactionCount" content="UserPageVisits:{article.views}" />{hits}</dd></dl>
<div itemprop="articleBody">
<p style="text-align: justify;"><strong>{_e(article.lead)}</strong></p>
{_body_html(article, "commune", world)}
{byline}
</div></div>"""
    return _joomla_frame(portal, rng, article.title, content)


def commune_listing(portal: Portal, page: int, rng: random.Random) -> str:
    live, items, pages = _listing_page(portal, page)
    rows = "\n".join(
        f'<div class="items-row"><div class="item"><h2 class="item-title" itemprop="name">'
        f'<a href="{article_path(a)}" itemprop="url">{_e(a.title)}</a></h2>'
        f"<p>{_e(a.lead[:180])}</p></div></div>"
        for a in items
    )
    links = "".join(
        f'<li><a href="{listing_path("commune", n)}">{n}</a></li>' for n in range(1, min(pages, 10) + 1)
    )
    content = f"""<div class="blog" itemscope itemtype="https://schema.org/Blog">
{rows}
<div class="pagination"><p class="counter pull-right">Trang {page} của {pages}</p><ul>{links}</ul></div></div>"""
    return _joomla_frame(portal, rng, "Tin tức", content)


# ---------------------------------------------------------------- error pages


def not_found(portal: Portal) -> str:
    if portal.spec.family in FAMILIES:
        return FAMILIES[portal.spec.family].not_found(portal)
    if portal.spec.family == "commune":
        return "<!DOCTYPE html><html><head><title>404 - Không tìm thấy bài viết</title></head><body><h1>404</h1><p>Không tìm thấy bài viết.</p></body></html>"
    return """<html><head><title>The resource cannot be found.</title></head><body><span><h1>Server Error in '/' Application.<hr width=100% size=1 color=silver></h1>
<h2><i>The resource cannot be found.</i></h2></span><b>Description:</b> HTTP 404.</body></html>"""


ARTICLE_RENDERERS = {"province": province_article, "district": district_article, "commune": commune_article}
LISTING_RENDERERS = {"province": province_listing, "district": district_listing, "commune": commune_listing}


def render_article(portal: Portal, article: Article, rng: random.Random, world: World | None = None) -> str:
    family = portal.spec.family
    if family in FAMILIES:
        html = FAMILIES[family].article(portal, article, rng, _body_html(article, family, world))
    else:
        html = ARTICLE_RENDERERS[family](portal, article, rng, world)
    return _maybe_nfd(html, portal, rng)


def render_listing(portal: Portal, page: int, rng: random.Random) -> str | None:
    """A listing page; None where the CMS answers "not found" past its last page."""
    family = portal.spec.family
    html = (
        FAMILIES[family].listing(portal, page, rng)
        if family in FAMILIES
        else LISTING_RENDERERS[family](portal, page, rng)
    )
    return _maybe_nfd(html, portal, rng) if html is not None else None


def shows_views(family: str) -> bool:
    """Whether the family's article pages show a view counter."""
    return FAMILIES[family].shows_views if family in FAMILIES else family != "district"


# ---------------------------------------------------------------- official documents

_FRAMES = {"province": "_province_frame", "district": "_district_frame", "commune": "_joomla_frame"}


def _frame(portal: Portal, rng: random.Random, title: str, content: str) -> str:
    if portal.spec.family in FAMILIES:
        return FAMILIES[portal.spec.family].frame(portal, rng, title, content)
    return globals()[_FRAMES[portal.spec.family]](portal, rng, title, content)


def document_listing(portal: Portal, page: int, rng: random.Random) -> str:
    """A page of the documents section: number, date and subject columns, newest first."""
    family = portal.spec.family
    documents = [d for d in reversed(portal.documents) if not d.removed]
    items = documents[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    pages = max(1, math.ceil(len(documents) / PAGE_SIZE))
    rows = "\n".join(
        f'<tr><td class="so-hieu">{_e(d.number)}</td><td class="ngay-bh">{d.issued:%d/%m/%Y}</td>'
        f'<td class="trich-yeu"><a class="doc-title" href="{_e(document_path(family, d))}">{_e(d.subject)}</a></td>'
        f'<td class="tai-ve"><a href="{_e(document_file_path(family, d))}">Tải về</a></td></tr>'
        for d in items
    )
    if family in FAMILIES:
        content = FAMILIES[family].document_listing(
            items, FAMILIES[family].document_pager(page, len(documents))
        )
        return _maybe_nfd(_frame(portal, rng, "Văn bản", content), portal, rng)
    if family == "commune":
        pager = f'<div class="pagination"><p class="counter pull-right">Trang {page} của {pages}</p></div>'
    else:
        links = _pager_numbers(page, pages, lambda n: document_listing_path(family, n))
        pager = f'<div class="vb-paging"><span class="pager-info">{_range_text(page, len(documents))}</span>{links}</div>'
    content = f"""<div class="vanban-list"><h3 class="cate">VĂN BẢN CHỈ ĐẠO, ĐIỀU HÀNH</h3>
<table class="table-vanban" border="1" cellpadding="4"><thead><tr><th>Số/Ký hiệu</th><th>Ngày ban hành</th><th>Trích yếu</th><th>Tải về</th></tr></thead>
<tbody>
{rows}
</tbody></table>
{pager}</div>"""
    return _maybe_nfd(_frame(portal, rng, "Văn bản", content), portal, rng)


def document_page(portal: Portal, document: Document, rng: random.Random) -> str:
    """A document's page: the letter laid out as the Word original, and its PDF attached."""
    family = portal.spec.family
    left = "".join(f"<p><b>{_e(line)}</b></p>" for line in document.issuer)
    left += "<p>*</p>" if document.party else "<p>-------</p>"
    left += f"<p>Số {_e(document.number)}</p>" if document.party else f"<p>Số: {_e(document.number)}</p>"
    heading = ""
    if document.subject.startswith("V/v"):
        left += f"<p><i>{_e(document.subject)}</i></p>"
    else:
        heading = (
            f'<p style="text-align: center;"><b>{_e(document.kind.upper())}</b></p>'
            f'<p style="text-align: center;"><b>{_e(document.subject)}</b></p>'
        )
    motto = (
        "<p><b><u>ĐẢNG CỘNG SẢN VIỆT NAM</u></b></p>"
        if document.party
        else "<p><b>CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM</b></p><p><b><u>Độc lập - Tự do - Hạnh phúc</u></b></p>"
    )
    addressees = ""
    if document.addressees:
        items = "".join(f"<p>{_e(line)}</p>" for line in document.addressees)
        addressees = f'<table class="vb-kinhgui" border="0"><tr><td valign="top"><i>Kính gửi:</i></td><td>{items}</td></tr></table>'
    body = "\n".join(
        f'<p style="text-align: justify; text-indent: 1cm;">{_e(p)}</p>' for p in document.paragraphs
    )
    distribution = "".join(f"<p>{_e(line)}</p>" for line in document.distribution)
    signature = "".join(f"<p><b>{_e(line)}</b></p>" for line in document.signer_role)
    letter = f"""<table class="vb-header" width="100%" border="0"><tbody><tr>
<td width="40%" style="text-align: center;" valign="top">{left}</td>
<td width="60%" style="text-align: center;" valign="top">{motto}<p><i>{_e(document.heading_date())}</i></p></td>
</tr></tbody></table>
{heading}
{addressees}
{body}
<table class="vb-footer" width="100%" border="0"><tbody><tr>
<td width="50%" valign="top"><p><b><i>Nơi nhận:</i></b></p>{distribution}</td>
<td width="50%" style="text-align: center;" valign="top">{signature}<p><i>(Đã ký)</i></p><p><b>{_e(document.signer)}</b></p></td>
</tr></tbody></table>"""
    if family in FAMILIES:  # the letter as converted from Word, in the CMS's own document view
        content = FAMILIES[family].document_page(document, letter)
    else:
        content = f"""<div class="vanban-detail">
<h2 class="vb-title">{_e(document.title)}</h2>
<div class="vb-content">
{letter}
</div>
<div class="vb-files">Tệp đính kèm: <a href="{_e(document_file_path(family, document))}">{_e(document.file_name)}</a></div>
</div>"""
    return _maybe_nfd(_frame(portal, rng, document.title, content), portal, rng)


# ---------------------------------------------------------------- broken answers that say 200
#
# What a portal sends with status 200 when it cannot send the page: each comes in
# several forms (wording, language, markup, in the site's chrome or on its own), so
# that no single string gives them away.

_MAINTENANCE = (
    ("Hệ thống đang bảo trì", "Xin quý độc giả vui lòng quay lại sau ít phút. Xin cảm ơn!"),
    (
        "Website đang được nâng cấp",
        "Chúng tôi đang nâng cấp hệ thống để phục vụ tốt hơn. Mong quý vị thông cảm.",
    ),
    ("THÔNG BÁO BẢO TRÌ HỆ THỐNG", "Cổng thông tin tạm dừng hoạt động để bảo trì định kỳ."),
    ("Site under maintenance", "We are performing scheduled maintenance. Please check back soon."),
)
_NOT_FOUND = (
    ("Không tìm thấy trang", "Trang bạn yêu cầu không tồn tại hoặc đã bị xóa."),
    ("Thông báo", "Bài viết không tồn tại hoặc đã bị gỡ bỏ khỏi hệ thống."),
    ("Lỗi 404", "Rất tiếc, nội dung bạn tìm không tồn tại. Vui lòng quay lại trang chủ."),
    ("Page not found", "The page you requested could not be found."),
)


def maintenance_page(portal: Portal, rng: random.Random, variant: int) -> str:
    """A maintenance notice: in the portal's chrome, or the bare page a web server shows instead."""
    heading, text = _MAINTENANCE[variant % len(_MAINTENANCE)]
    if variant % 2 == 0:
        content = f'<div class="alert alert-warning" style="text-align:center"><h3>{_e(heading)}</h3><p>{_e(text)}</p></div>'
        return _frame(portal, rng, portal.spec.name, content)
    return (
        f'<!DOCTYPE html><html><head><meta charset="utf-8" /><title>{_e(heading)}</title></head>'
        f'<body style="text-align:center"><img src="/images/maintenance.png" alt="" />'
        f"<h1>{_e(heading)}</h1><p>{_e(text)}</p></body></html>"
    )


def soft_404_page(portal: Portal, rng: random.Random, variant: int) -> str:
    """A "not found" page in full site chrome, sent with status 200."""
    heading, text = _NOT_FOUND[variant % len(_NOT_FOUND)]
    if variant % 2 == 0:
        content = (
            f'<div class="message-box"><div class="box-title">{_e(heading)}</div><p>{_e(text)}</p></div>'
        )
    else:
        content = f'<h2 class="page-title">{_e(heading)}</h2><p>{_e(text)} <a href="/">Trang chủ</a></p>'
    return _frame(portal, rng, portal.spec.name, content)


ERROR_PATH = "/Error.aspx"


def error_redirect_target(path_qs: str) -> str:
    """Where an ASP.NET site with customErrors on sends a request that failed."""
    return f"{ERROR_PATH}?aspxerrorpath={quote(path_qs, safe='/')}"


def error_page(portal: Portal, rng: random.Random, variant: int) -> str:
    """The page behind an error redirect: ASP.NET's own, or the site's custom one in its chrome."""
    if variant % 3 == 0:
        return (
            "<html><head><title>Runtime Error</title></head><body><span><h1>Server Error in '/' Application."
            "<hr width=100% size=1 color=silver></h1><h2><i>Runtime Error</i></h2></span>"
            "<b>Description:</b> An application error occurred on the server.</body></html>"
        )
    if variant % 3 == 1:
        content = (
            '<div class="error-page"><h3>Đã có lỗi xảy ra</h3>'
            "<p>Hệ thống không thể xử lý yêu cầu của bạn lúc này. Vui lòng thử lại sau.</p></div>"
        )
        return _frame(portal, rng, portal.spec.name, content)
    content = (
        '<div class="error-page"><h3>Error</h3><p>An error occurred while processing your request.</p></div>'
    )
    return _frame(portal, rng, "Error", content)


EMPTY_BODIES = ("", "\r\n", "<html><head></head><body></body></html>")


def cut_at(body: bytes, variant: int) -> int:
    """Where a cut page ends: mid-body, or just before its closing tags, where it still looks whole."""
    end = body.rfind(b"</body>")
    if variant % 3 == 0 and end > 0:
        return end
    share = (0.35, 0.55, 0.8)[variant % 3]
    return max(1, int(len(body) * share))


def damaged_file(pdf: bytes, seed: str) -> bytes:
    """A PDF damaged past reading, as a broken upload or a faulty converter leaves it: its
    header and its end marker where a reader looks for them, noise of the same length between."""
    head = pdf[: pdf.index(b"\n") + 1] if b"\n" in pdf[:16] else b"%PDF-1.4\n"
    tail = b"\n%%EOF\n"
    noise = random.Random(f"damaged:{seed}").randbytes(max(0, len(pdf) - len(head) - len(tail)))
    return head + noise + tail


def server_error(status: int) -> str:
    """The error page of an overloaded IIS or nginx in front of the portal."""
    titles = {500: "500 - Internal server error.", 502: "502 Bad Gateway", 503: "Service Unavailable"}
    return f"<html><head><title>{titles.get(status, status)}</title></head><body><h1>{titles.get(status, status)}</h1></body></html>"

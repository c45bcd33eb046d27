"""Masking of personal data before anything is shown to the public or to roles that do not need it.

Text is matched on its NFKC form (full-width digits, ideographic spaces) but the output keeps what was
typed; only the personal parts are replaced, with `*`, so the text stays readable. Pure: no I/O here.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from functools import cache

COORDINATE_PLACES = 3  # about 100 m: a street corner, not a house

_CJK = r"[\u4e00-\u9fff]"
_COMMON_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢"
    "姜崔钟谭陆汪范金石廖贾夏韦付傅方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔汤温康施"
    "文牛樊葛邢齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕季裴霍涂苗谷盛"
    "曲翁冉骆蓝游辛靳管柴蒙鲍华喻祁蒲房滕屈饶牟艾尤阳穆农司卓古吉缪简项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米"
    "柏宗瞿桂佟臧闵苟邬边卞姬师仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩佘池查麻苑迟邝"
)
_COMPOUND_SURNAMES = "欧阳|司马|上官|诸葛|东方|皇甫|尉迟|公孙|慕容|令狐|夏侯|长孙|宇文|司徒|端木"
# After 我是 / 本人 a surname-like first character is often a place or a word, not a name.
_NOT_NAMES = ("江西", "江苏", "甘肃", "宁夏", "吉林", "高层", "高中", "高三", "本地", "电话", "手机", "方式")

_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"


def mask_phone(phone: str) -> str:
    """A mobile keeps its first three and last four digits; shorter numbers keep only the last two."""
    digits = re.sub(r"\D", "", phone or "")
    if len(digits) >= 11:
        return digits[:3] + "****" + digits[-4:]
    if len(digits) >= 7:
        return "*" * (len(digits) - 2) + digits[-2:]
    return "****" if digits else ""


def mask_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        return ""
    return name[0] + "*" * max(1, len(name) - 1)


def round_coordinate(value: float | None) -> float | None:
    """Exact latitude or longitude -> about 100 m, for every public output."""
    return None if value is None else round(float(value), COORDINATE_PLACES)


# ---- how each kind of personal data is found (on the NFKC form) and what replaces it ----


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def _mobile(m: re.Match[str]) -> str:
    return mask_phone(_digits(m.group("n")))


def _long_number(m: re.Match[str]) -> str:
    value = m.group(0)  # ID cards (15 or 18), bank cards: keep only the ends
    return value[:3] + "*" * (len(value) - 5) + value[-2:]


def _landline(m: re.Match[str]) -> str:
    return m.group("area") + m.group("sep") + "*" * len(m.group("local"))


def _marked_number(m: re.Match[str]) -> str:
    return mask_phone(m.group("v"))


def _social_id(m: re.Match[str]) -> str | None:
    value = m.group("v")
    if not m.group("colon") and value.isalpha():
        return None  # "WeChat account": an ordinary word, not an id
    return value[0] + "*****"


def _plate(m: re.Match[str]) -> str:
    return m.group("p") + "*" * len(m.group("tail"))


def _name(m: re.Match[str]) -> str | None:
    value = m.group("v")
    if value.startswith(_NOT_NAMES):
        return None
    return mask_name(value)


def _hide_digits(m: re.Match[str]) -> str:
    return re.sub(r"\d", "*", m.group(0))


def _coordinates(m: re.Match[str]) -> str:
    lat, lng = (f"{round_coordinate(float(m.group(k))):.{COORDINATE_PLACES}f}" for k in ("lat", "lng"))
    return f"{lat}{m.group('sep')}{lng}"


_NAME_PATTERNS = (
    re.compile(rf"(?:我叫|联系人|姓名|名字)(?:是|叫|为)?[:：\s]*(?P<v>{_CJK}{{2,4}})"),
    re.compile(rf"(?:我是|本人)[:：\s]*(?P<v>(?:{_COMPOUND_SURNAMES}|[{_COMMON_SURNAMES}]){_CJK}{{1,2}})"),
)
_Render = Callable[[re.Match[str]], "str | None"]
_ROOM_END = r"(?:室|号房|房)?"
# In priority order: a span claimed by an earlier rule is not matched again.
_RULES: tuple[tuple[re.Pattern[str], _Render], ...] = (
    (re.compile(r"([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+\.[A-Za-z]{2,})"),
     lambda m: f"{m.group(1)}***@{m.group(2)}"),
    (re.compile(r"(?<![\d.])(?P<lat>-?\d{1,3}\.\d{4,})(?P<sep>\s*[,，]\s*)(?P<lng>-?\d{1,3}\.\d{4,})(?![\d.])"),
     _coordinates),
    (re.compile(r"(?<!\d)(?:(?:\+|00) ?86[ -]?|\(\+?86\) ?)?(?P<n>1[3-9]\d[ -]?\d{4}[ -]?\d{4})(?!\d)"), _mobile),
    (re.compile(r"(?<![\dA-Za-z])(?:\d{17}[\dXx]|\d{15,19})(?![\dA-Za-z])"), _long_number),
    (re.compile(r"(?<!\d)(?P<area>\(?0\d{2,3}\)?)(?P<sep>[ -]?)(?P<local>[2-9]\d{6,7})(?!\d)"), _landline),
    (re.compile(r"(?i:电话|手机|座机|联系方式|号码|tel|phone|mobile)[^\d\n]{0,4}(?P<v>\d(?:[ -]?\d){6,})(?!\d)"),
     _marked_number),
    (re.compile(r"(?<![A-Za-z])(?:微信号?|(?i:v信|vx|wx|wechat|weixin|qq)号?)\s*(?P<colon>[:：]?)\s*"
                r"(?P<v>[A-Za-z0-9][-_A-Za-z0-9]{4,19})(?![-_A-Za-z0-9])"), _social_id),
    (re.compile(rf"(?P<p>[{_PROVINCES}][A-Za-z])[·•・･.\s-]?(?P<tail>(?=[A-Za-z0-9]*\d)[A-Za-z0-9]{{5,6}})"
                r"(?![A-Za-z0-9])"), _plate),
    *((pattern, _name) for pattern in _NAME_PATTERNS),
    (re.compile(
        rf"(?<!\d)(?:\d{{1,3}}\s?(?:号楼|栋|幢|座)\s?(?:\d{{1,2}}\s?(?:单元|号门|门)\s?)?\d{{3,4}}{_ROOM_END}"
        rf"|\d{{1,2}}\s?(?:单元|号门|门)\s?\d{{3,4}}{_ROOM_END}"
        r"|\d{3,4}(?:室|号房)"
        r"|(?<!-)\d{1,3}-\d{1,2}-\d{3,4}(?![\d-]))"), _hide_digits),
)


@cache
def _nfkc_table() -> dict[int, str]:
    """Every character whose NFKC form is one other character (full-width digits, ideographic space...)."""
    table = {}
    for code in range(0x20000):
        normal = unicodedata.normalize("NFKC", chr(code))
        if len(normal) == 1 and normal != chr(code):
            table[code] = normal
    return table


def _matchable(text: str) -> str:
    """NFKC per character, one character for one, so positions in it are positions in the text as typed."""
    return text.translate(_nfkc_table())


class _Spans(list):
    """Replacements on the text, never overlapping: the first rule to claim a character keeps it."""

    def __init__(self, length: int) -> None:
        super().__init__()
        self.taken = bytearray(length)

    def claim(self, start: int, end: int, replacement: str) -> None:
        if start < end and self.taken.find(1, start, end) < 0:
            self.taken[start:end] = b"\x01" * (end - start)
            self.append((start, end, replacement))


def typed_names(text: str) -> list[str]:
    """Names introduced in the text ("我是李娜"), to mask them wherever else they appear (e.g. in the result)."""
    names: set[str] = set()
    for pattern in _NAME_PATTERNS:
        for match in pattern.finditer(_matchable(text or "")):
            value = match.group("v")
            if not value.startswith(_NOT_NAMES):
                names.update(value[:n] for n in range(2, len(value) + 1))  # the capture may run past the name
    return sorted(names, key=len, reverse=True)


def _known_spans(probe: str, known: Iterable[str], spans: _Spans) -> None:
    """The complainant's own name and phone, wherever they appear in the text."""
    for value in sorted(known, key=lambda v: len(v or ""), reverse=True):
        value = _matchable((value or "").strip())
        if len(value) < 2:
            continue
        replacement = mask_phone(value) if len(_digits(value)) >= 7 else mask_name(value)
        start = probe.find(value)
        while start >= 0:
            spans.claim(start, start + len(value), replacement)
            start = probe.find(value, start + len(value))


def mask_text(text: str, known: Iterable[str] = ()) -> str:
    """`text` with phones, ID and card numbers, e-mails, chat ids, plates, typed names, room numbers and
    exact coordinates masked; `known` are the complainant's name and phone."""
    text = text or ""
    probe = _matchable(text)
    spans = _Spans(len(probe))
    _known_spans(probe, [*known, *typed_names(probe)], spans)
    for pattern, render in _RULES:
        for match in pattern.finditer(probe):
            replacement = render(match)
            if replacement is not None:
                start, end = match.span("v") if "v" in pattern.groupindex else match.span()
                spans.claim(start, end, replacement)
    pieces, last = [], 0
    for start, end, replacement in sorted(spans):
        pieces += [text[last:start], replacement]
        last = end
    return "".join(pieces) + text[last:]

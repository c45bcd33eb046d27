"""mask_text on every kind of personal data the public outputs missed, and on ordinary text it must leave alone."""

from __future__ import annotations

import pytest

from core.masking import mask_phone, mask_text, round_coordinate


@pytest.mark.parametrize(("text", "secrets", "shown"), [
    # phones: country code, dashes, spaces, full-width digits, landlines, numbers after a marker
    ("电话+8613912345678", ["13912345678", "1234"], "139****5678"),
    ("请打0086 139 1234 5670", ["1234"], "139****5670"),
    ("手机139-1234-5679", ["1234"], "139****5679"),
    ("手机 139 1234 5670 随时打", ["1234"], "139****5670"),
    ("号码１３７１２３４５６７８，谢谢", ["１３７１２３４５６７８", "１２３４"], "137****5678，谢谢"),
    ("全角横线１３７－１２３４－５６７８", ["１２３４"], "137****5678"),
    ("座机0971-6123456", ["6123456"], "0971-"),
    ("座机(010) 62345678", ["62345678"], "(010) "),
    ("电话 6123456", ["6123456"], "电话 *****56"),
    # ID card numbers, 18 and 15 digits
    ("身份证110101199001011234", ["19900101", "110101199001011234"], "身份证"),
    ("身份证11010119900101123X", ["19900101"], "身份证"),
    ("老身份证110101900101123", ["900101", "110101900101123"], "老身份证"),
    # chat ids, after the usual markers
    ("加我微信：li_na88", ["li_na88"], "加我微信："),
    ("加VX abc12345 联系", ["abc12345"], "加VX "),
    ("wx:linana", ["linana"], "wx:"),
    ("WeChat: wxid_k2j3h4", ["wxid_k2j3h4"], "WeChat: "),
    ("qq 123456789", ["123456789"], "qq "),
    # licence plates, new-energy ones included
    ("车牌京A12345停了三天", ["A12345", "12345"], "停了三天"),
    ("川A·D12345占道", ["D12345"], "川A"),
    ("粤b 8866x乱停", ["8866"], "乱停"),
    # names typed in the text
    ("我是李娜，楼下很吵", ["李娜"], "我是李*，楼下很吵"),
    ("我叫王小明", ["小明"], "我叫王"),
    ("本人张三反映", ["张三"], "本人张*"),
    ("联系人：欧阳娜娜", ["欧阳娜娜", "阳娜娜"], "联系人：欧"),
    ("姓名:李四", ["李四"], "姓名:李*"),
    # room numbers
    ("住12号楼2门301", ["12号楼2门301", "301"], "住**号楼*门***"),
    ("3单元502室漏水", ["502"], "*单元***室漏水"),
    ("5栋1202噪音", ["1202"], "*栋****噪音"),
    ("12-2-301楼上", ["301"], "**-*-***楼上"),
    ("住1602室", ["1602"], "****室"),
    # e-mail, exact coordinates typed in the text
    ("邮箱abc.def@example.com", ["abc.def@"], "a***@example.com"),
    ("位置36.623456,101.781234", ["36.623456", "101.781234"], "位置36.623,101.781"),
])
def test_personal_data_is_masked(text, secrets, shown):
    masked = mask_text(text)
    for secret in secrets:
        assert secret not in masked, (text, masked)
    assert shown in masked, (text, masked)


@pytest.mark.parametrize("text", [
    "2026年11月30日晚上十点，已经3天了",
    "罚款5000元，噪音80分贝，持续2小时",
    "建设路128号门口，12号楼下",
    "工单2026-1122-000123还没人管",
    "我是业主，我是江西人，本人在此反映",
    "WeChat account, added yesterday",
    "微信支付的押金",
    "2026-11-30 22:30",
])
def test_ordinary_text_is_left_as_typed(text):
    assert mask_text(f"{text}，我是李娜") == f"{text}，我是李*"


def test_full_width_text_is_kept_as_typed_around_the_mask():
    masked = mask_text("ＡＢＣ小区　电话１３７１２３４５６７８（白天）")
    assert masked == "ＡＢＣ小区　电话137****5678（白天）"


def test_known_name_and_phone_are_masked_wherever_they_appear():
    masked = mask_text("赵六说赵六家门口有垃圾，打０９７１-６１２３４５６", ["赵六", "0971-6123456"])
    assert "赵六" not in masked and "６１２３４５６" not in masked and masked.count("赵*") == 2


def test_masking_twice_changes_nothing():
    once = mask_text("我是李娜，电话13912345678，住3单元502室，车牌京A12345，微信li_na88")
    assert once == "我是李*，电话139****5678，住*单元***室，车牌京A*****，微信l*****"
    assert mask_text(once) == once


def test_short_numbers_never_come_back_whole():
    assert mask_phone("6123456") == "*****56"
    assert mask_phone("13812345678") == "138****5678"


def test_coordinates_are_rounded_to_about_100_metres():
    assert round_coordinate(36.6234567) == 36.623
    assert round_coordinate(-101.7815) == pytest.approx(-101.781, abs=0.0011)
    assert round_coordinate(None) is None

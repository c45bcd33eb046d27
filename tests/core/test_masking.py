"""Personal data never reaches the public board."""

from core.masking import mask_name, mask_phone, mask_text


def test_mask_text_hides_contacts_ids_rooms_and_known_names():
    text = "我叫张三，电话13812345678，住3号楼2单元501室，身份证110101199001011234，邮箱abc@x.com，座机0971-6123456"
    masked = mask_text(text, ["张三", "13812345678"])
    for secret in ("张三", "13812345678", "501室", "199001011", "abc@", "6123456"):
        assert secret not in masked
    assert "138****5678" in masked and "张*" in masked


def test_mask_helpers():
    assert mask_phone("13812345678") == "138****5678"
    assert mask_name("欧阳娜娜") == "欧***"
    assert mask_name("") == "" and mask_phone("") == ""

"""Real administrative divisions (GB/T 2260 codes) the demo builds its federation from.

The first two provinces with their first two cities are the demo's default topology
(issue 6): 湖南省 with 长沙市 and 株洲市, 江苏省 with 南京市 and 常州市. More provinces
and cities come from this list, in order, when asked for.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class City:
    code: str
    name: str
    districts: tuple[tuple[str, str], ...]  # (district code, name): ID numbers, addresses
    roads: tuple[str, ...]


@dataclass(frozen=True)
class Province:
    code: str
    name: str
    cities: tuple[City, ...]


HQ_CODE, HQ_NAME = "000000", "集团总部"

_COMMON_ROADS = ("人民路", "解放路", "中山路", "建设路", "新华路", "文化路", "胜利路", "和平路")

PROVINCES: tuple[Province, ...] = (
    Province(
        "430000",
        "湖南省",
        (
            City(
                "430100",
                "长沙市",
                (
                    ("430102", "芙蓉区"),
                    ("430103", "天心区"),
                    ("430104", "岳麓区"),
                    ("430105", "开福区"),
                    ("430111", "雨花区"),
                ),
                ("五一大道", "芙蓉中路", "韶山北路", "劳动西路", "湘江中路", "麓山南路"),
            ),
            City(
                "430200",
                "株洲市",
                (
                    ("430202", "荷塘区"),
                    ("430203", "芦淞区"),
                    ("430204", "石峰区"),
                    ("430211", "天元区"),
                ),
                ("建设中路", "新华西路", "长江北路", "炎帝广场路"),
            ),
            City(
                "430300",
                "湘潭市",
                (("430302", "雨湖区"), ("430304", "岳塘区")),
                ("韶山中路", "建设北路", "河东大道"),
            ),
            City(
                "430400",
                "衡阳市",
                (("430405", "珠晖区"), ("430406", "雁峰区"), ("430407", "石鼓区")),
                ("解放大道", "船山大道", "蒸湘北路"),
            ),
        ),
    ),
    Province(
        "320000",
        "江苏省",
        (
            City(
                "320100",
                "南京市",
                (
                    ("320102", "玄武区"),
                    ("320104", "秦淮区"),
                    ("320105", "建邺区"),
                    ("320106", "鼓楼区"),
                    ("320113", "栖霞区"),
                ),
                ("中山东路", "汉中路", "珠江路", "北京西路", "江东中路", "龙蟠路"),
            ),
            City(
                "320400",
                "常州市",
                (
                    ("320402", "天宁区"),
                    ("320404", "钟楼区"),
                    ("320411", "新北区"),
                    ("320412", "武进区"),
                ),
                ("延陵西路", "和平北路", "通江中路", "晋陵中路"),
            ),
            City(
                "320200",
                "无锡市",
                (("320213", "梁溪区"), ("320214", "新吴区"), ("320211", "滨湖区")),
                ("中山路", "人民中路", "太湖大道"),
            ),
            City(
                "320500",
                "苏州市",
                (("320505", "虎丘区"), ("320506", "吴中区"), ("320508", "姑苏区")),
                ("干将西路", "人民路", "东环路", "现代大道"),
            ),
        ),
    ),
    Province(
        "440000",
        "广东省",
        (
            City(
                "440100",
                "广州市",
                (
                    ("440103", "荔湾区"),
                    ("440104", "越秀区"),
                    ("440105", "海珠区"),
                    ("440106", "天河区"),
                ),
                ("中山五路", "环市东路", "天河路", "江南大道"),
            ),
            City(
                "440300",
                "深圳市",
                (
                    ("440303", "罗湖区"),
                    ("440304", "福田区"),
                    ("440305", "南山区"),
                    ("440306", "宝安区"),
                ),
                ("深南大道", "华强北路", "科苑路", "宝安大道"),
            ),
            City(
                "440600",
                "佛山市",
                (("440604", "禅城区"), ("440605", "南海区"), ("440606", "顺德区")),
                ("季华路", "汾江中路", "桂城大道"),
            ),
        ),
    ),
    Province(
        "330000",
        "浙江省",
        (
            City(
                "330100",
                "杭州市",
                (
                    ("330102", "上城区"),
                    ("330105", "拱墅区"),
                    ("330106", "西湖区"),
                    ("330108", "滨江区"),
                ),
                ("延安路", "文三路", "江南大道", "莫干山路"),
            ),
            City(
                "330200",
                "宁波市",
                (("330203", "海曙区"), ("330205", "江北区"), ("330212", "鄞州区")),
                ("中山西路", "天童南路", "人民路"),
            ),
            City(
                "330300",
                "温州市",
                (("330302", "鹿城区"), ("330303", "龙湾区"), ("330304", "瓯海区")),
                ("人民西路", "车站大道", "学院中路"),
            ),
        ),
    ),
    Province(
        "510000",
        "四川省",
        (
            City(
                "510100",
                "成都市",
                (
                    ("510104", "锦江区"),
                    ("510105", "青羊区"),
                    ("510106", "金牛区"),
                    ("510107", "武侯区"),
                    ("510108", "成华区"),
                ),
                ("人民南路", "春熙路", "蜀都大道", "天府大道"),
            ),
            City(
                "510700",
                "绵阳市",
                (("510703", "涪城区"), ("510704", "游仙区")),
                ("临园路", "剑南路", "绵兴东路"),
            ),
        ),
    ),
    Province(
        "420000",
        "湖北省",
        (
            City(
                "420100",
                "武汉市",
                (
                    ("420102", "江岸区"),
                    ("420103", "江汉区"),
                    ("420106", "武昌区"),
                    ("420111", "洪山区"),
                ),
                ("解放大道", "中山大道", "珞喻路", "武珞路"),
            ),
            City(
                "420500",
                "宜昌市",
                (("420502", "西陵区"), ("420503", "伍家岗区")),
                ("东山大道", "夷陵大道", "沿江大道"),
            ),
        ),
    ),
)


def roads_of(city: City) -> tuple[str, ...]:
    """The city's own roads first, then roads every Chinese city has."""
    return city.roads + _COMMON_ROADS


def choose(provinces: int, cities_per_province: int) -> list[tuple[Province, tuple[City, ...]]]:
    """The first `provinces` provinces, each with its first `cities_per_province` cities."""
    if not 1 <= provinces <= len(PROVINCES):
        raise ValueError(f"--provinces must be between 1 and {len(PROVINCES)}; got {provinces}")
    most = min(len(p.cities) for p in PROVINCES[:provinces])
    if not 1 <= cities_per_province <= most:
        raise ValueError(
            f"--cities-per-province must be between 1 and {most} for {provinces} provinces; "
            f"got {cities_per_province}"
        )
    return [(p, p.cities[:cities_per_province]) for p in PROVINCES[:provinces]]

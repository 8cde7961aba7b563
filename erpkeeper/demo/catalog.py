"""Fixed master data of the demo company: parties, products, people, roles.

Everything here is a constant so that the same seed always gives the same database.
Names are fictional; some companies carry Chinese names, as a Chinese distributor's ERP would.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

COMPANY_NAME = "华信办公设备有限公司 Huaxin Office Equipment Co., Ltd."
COMPANY_CURRENCY = "CNY"
# The demo company works on UTC so that the hours stored by Tryton (always UTC) are the
# business hours: busy 9:00-18:00 on weekdays, quiet at night and on Sundays.
COMPANY_TIMEZONE = "UTC"

CUSTOMERS = [
    "上海华联贸易有限公司",
    "深圳市腾达电子有限公司",
    "广州白云五金批发部",
    "杭州西湖茶业有限公司",
    "成都天府办公用品有限公司",
    "南京金陵建材有限公司",
    "武汉长江物流有限公司",
    "苏州工业园区精密机械有限公司",
    "天津滨海新能源科技有限公司",
    "重庆山城餐饮管理有限公司",
    "厦门鹭岛进出口有限公司",
    "青岛海洋食品有限公司",
    "西安古城文化传媒有限公司",
    "Acme Trading Ltd",
    "Globex Corporation",
    "Initech Asia Pte Ltd",
    "Pacific Rim Supplies",
    "Northwind Traders",
    "Blue Harbor Retail",
    "Summit Office Solutions",
    "Evergreen Hotels Group",
    "Redwood Construction Co",
    "Silverline Electronics",
    "Lotus Garden Foods",
]

SUPPLIERS = [
    "宁波港城机电设备有限公司",
    "东莞市精工塑胶制品厂",
    "佛山市顺德家电配件有限公司",
    "义乌小商品供应链有限公司",
    "温州正华电器经销部",
    "Shenzhen Bright LED Co., Ltd.",
    "Taipei Precision Components",
    "Osaka Paper Industries",
    "Guangdong Steelworks",
    "Kunshan Cable & Wire Co.",
]

CITIES = ["上海", "深圳", "广州", "杭州", "成都", "南京", "武汉", "苏州", "天津", "Singapore"]


@dataclass(frozen=True)
class Product:
    code: str
    name: str
    category: str
    list_price: Decimal
    cost_price: Decimal
    supplier: int  # index in SUPPLIERS
    popularity: int = 3  # relative weight in sales lines


def _p(code, name, category, list_price, cost_price, supplier, popularity=3):
    return Product(
        code, name, category, Decimal(list_price), Decimal(cost_price), supplier, popularity
    )


PRODUCTS = [
    _p("PAP-A4", "A4 复印纸 Copy Paper (500 sheets)", "Office Supplies", "25.00", "18.00", 7, 9),
    _p("PRN-LP200", "激光打印机 Laser Printer LP-200", "IT Equipment", "1899.00", "1350.00", 6, 2),
    _p("CHR-ERG", "人体工学办公椅 Ergonomic Chair", "Furniture", "899.00", "560.00", 1, 3),
    _p("LED-T8", "LED 灯管 T8 18W", "Electrical", "32.00", "19.00", 5, 6),
    _p("SCR-M4", "不锈钢螺丝套装 Screw Set M4", "Industrial Supplies", "45.00", "26.00", 8, 4),
    _p("MOU-WL", "无线鼠标 Wireless Mouse", "IT Equipment", "89.00", "52.00", 6, 6),
    _p("KBD-MEC", "机械键盘 Mechanical Keyboard", "IT Equipment", "399.00", "240.00", 6, 4),
    _p("MON-27", '27" 显示器 Monitor', "IT Equipment", "1599.00", "1150.00", 6, 3),
    _p("CAB-C6", "六类网线 Cat6 Cable 5m", "Electrical", "29.00", "14.00", 9, 5),
    _p("FIL-CAB", "钢制文件柜 Filing Cabinet", "Furniture", "1280.00", "820.00", 8, 2),
    _p("WBD-120", "白板 Whiteboard 120x90", "Office Supplies", "320.00", "190.00", 3, 3),
    _p("SHR-PS", "碎纸机 Paper Shredder", "Office Supplies", "680.00", "430.00", 2, 2),
    _p("PWR-6", "六位电源插排 Power Strip", "Electrical", "69.00", "38.00", 4, 5),
    _p("TAP-48", "工业胶带 Industrial Tape 48mm", "Industrial Supplies", "12.00", "6.50", 1, 6),
    _p("HLM-SAF", "安全帽 Safety Helmet", "Industrial Supplies", "58.00", "31.00", 3, 3),
    _p("GLV-12", "劳保手套 Work Gloves (12 pairs)", "Industrial Supplies", "36.00", "20.00", 3, 4),
    _p("TEA-GB", "茶叶礼盒 Tea Gift Box", "Food & Beverage", "268.00", "150.00", 3, 3),
    _p("WAT-24", "矿泉水 Mineral Water 550ml x24", "Food & Beverage", "36.00", "24.00", 3, 5),
    _p("PRJ-HD", "投影仪 Projector HD", "IT Equipment", "3299.00", "2450.00", 6, 1),
    _p("UPS-15", "不间断电源 UPS 1500VA", "Electrical", "1450.00", "980.00", 0, 2),
]

CATEGORIES = sorted({p.category for p in PRODUCTS})


@dataclass(frozen=True)
class Person:
    login: str
    name: str
    title: str
    groups: tuple[str, ...] = ()  # Tryton res.group names given directly
    roles: tuple[str, ...] = ()  # user_role roles (res.role names)
    duties: tuple[str, ...] = ()  # what the person does in the simulated history
    joined_days_ago: int = 0  # 0: since go-live
    last_login_days_ago: int | None = None  # dormant accounts: no login since then
    never_logged_in: bool = False
    active: bool = True
    notes: str = ""


# Roles of the user_role module: a role is a named set of groups given to users.
ROLES = {
    "Sales Representative": ("Sales", "Party Administration"),
    "Warehouse Clerk": ("Stock",),
    "Accountant": ("Accounting",),
    "Buyer": ("Purchase", "Purchase Administrator", "Product Administration"),
}

PEOPLE = [
    Person(
        "zhang.wei",
        "张伟 Zhang Wei",
        "Sales Representative",
        roles=("Sales Representative",),
        duties=("sell",),
    ),
    Person(
        "li.na",
        "李娜 Li Na",
        "Sales Representative",
        roles=("Sales Representative",),
        duties=("sell",),
        joined_days_ago=200,
    ),
    Person(
        "wang.fang",
        "王芳 Wang Fang",
        "Sales Manager",
        groups=("Sales", "Sales Administrator", "Party Administration"),
        duties=("sell", "approve_sale"),
    ),
    Person(
        "liu.yang",
        "刘洋 Liu Yang",
        "Warehouse Clerk",
        roles=("Warehouse Clerk",),
        duties=("ship", "receive"),
    ),
    Person(
        "chen.jie",
        "陈杰 Chen Jie",
        "Warehouse Manager",
        groups=("Stock", "Stock Administration", "Stock Force Assignment", "Stock Cancellation"),
        duties=("ship", "receive", "inventory"),
    ),
    Person(
        "zhao.min",
        "赵敏 Zhao Min",
        "Accountant",
        roles=("Accountant",),
        duties=("post", "pay"),
    ),
    Person(
        "sun.li",
        "孙丽 Sun Li",
        "Finance Manager",
        groups=("Accounting", "Accounting Administration", "Account Product Administration"),
        duties=("pay",),
    ),
    # Segregation-of-duties conflict: buys (creates and confirms purchase orders) and also
    # posts and pays the supplier invoices of those purchases.
    Person(
        "zhou.qiang",
        "周强 Zhou Qiang",
        "Purchasing Officer",
        roles=("Buyer", "Accountant"),
        duties=("buy", "post_supplier", "pay_supplier"),
        notes="SoD conflict: purchase + accounting",
    ),
    Person(
        "wu.hao",
        "吴昊 Wu Hao",
        "Master Data Manager",
        groups=("Product Administration", "Party Administration"),
        duties=("master_data",),
    ),
    Person(
        "ma.chao",
        "马超 Ma Chao",
        "IT Administrator",
        groups=("Company Administration", "Currency Administration", "Employee Administration"),
        duties=("it",),
    ),
    # Dormant: still active, last logged in long ago (moved to another branch).
    Person(
        "huang.lei",
        "黄磊 Huang Lei",
        "Sales Representative (Shenzhen branch)",
        groups=("Sales",),
        duties=(),
        last_login_days_ago=250,
        notes="dormant account",
    ),
    # Dormant: created for an intern who never logged in.
    Person(
        "xu.jing",
        "徐静 Xu Jing",
        "Warehouse Intern",
        groups=("Stock",),
        duties=(),
        joined_days_ago=150,
        never_logged_in=True,
        notes="never logged in",
    ),
    # Offboarded properly: deactivated.
    Person(
        "zheng.kai",
        "郑凯 Zheng Kai",
        "Former Accountant",
        roles=("Accountant",),
        duties=(),
        last_login_days_ago=120,
        active=False,
        notes="left the company, deactivated",
    ),
]

ADMIN_LOGIN = "admin"
SOD_CONFLICT_LOGIN = "zhou.qiang"
DORMANT_LOGINS = ("huang.lei", "xu.jing")


@dataclass
class SizeSpec:
    core_sales: int
    core_purchases: int
    bulk_sales: int
    bulk_purchases: int
    extra: dict = field(default_factory=dict)

    @property
    def sales(self) -> int:
        return self.core_sales + self.bulk_sales

    @property
    def purchases(self) -> int:
        return self.core_purchases + self.bulk_purchases


SIZES = {
    "small": SizeSpec(core_sales=15, core_purchases=9, bulk_sales=17, bulk_purchases=3),
    "medium": SizeSpec(core_sales=15, core_purchases=9, bulk_sales=5000, bulk_purchases=600),
    "large": SizeSpec(core_sales=15, core_purchases=9, bulk_sales=100000, bulk_purchases=10000),
}

"""Word lists the matcher needs: legal forms, generic words, trade abbreviations, particles.

Written for Sekisho (compact on purpose): a legal form is never evidence that two names are
the same party, and a generic word ("trading", "technology") must never carry a match alone.
Native-script phrases (CJK, Cyrillic, Korean) are mapped to an ASCII word *before*
transliteration, so that "有限公司", "ООО" and "Co., Ltd." all end up in one class.
"""

from __future__ import annotations

# Legal-form classes: canonical class -> Latin spellings (lower case, punctuation removed,
# words separated by single spaces). Longest phrases are matched first.
LEGAL_FORMS: dict[str, tuple[str, ...]] = {
    "llc": (
        "llc", "l l c", "ltd", "limited", "co ltd", "co limited", "company limited",
        "limited company", "limited liability company", "limited liability co",
        "ltd liability co", "ltd liability company", "llc co", "you xian gong si",
        "you xian ze ren gong si", "ze ren you xian gong si", "ze ren gong si",
        "you xian hui she", "he tong hui she", "yuhanhoesa",
        "liability company", "pvt ltd", "private limited", "private limited company",
        "pty ltd", "pty", "gmbh", "g m b h", "gesellschaft mit beschrankter haftung",
        "sarl", "s a r l", "srl", "s r l", "sp z o o", "sp z oo", "spolka z ograniczona odpowiedzialnoscia",
        "societate cu raspundere limitata", "societatea cu raspundere limitata",
        "sociedad de responsabilidad limitada", "societa a responsabilita limitata",
        "bv", "b v", "bvba", "b v b a", "ooo", "tov", "too", "sdn bhd", "bhd", "kft", "sro",
        "s r o", "yugen kaisha", "yk", "ltda", "lda", "oy", "aps", "ehf", "doo", "d o o",
        "lllp", "llp", "l l p", "lp", "l p", "limited partnership", "ltd partnership", "kg", "gmbh co kg",
        "ohg", "limitada", "sas", "s a s", "eood", "ood", "mchj",
    ),
    "jsc": (
        "jsc", "j s c", "joint stock company", "joint stock co", "jointstock company",
        "ojsc", "open joint stock company", "cjsc", "closed joint stock company",
        "pjsc", "public joint stock company", "pjsc", "oao", "zao", "pao", "ao", "nao",
        "ag", "a g", "aktiengesellschaft", "sa", "s a", "societate pe actiuni",
        "societatea pe actiuni", "sociedad anonima", "societe anonyme", "societa per azioni", "spa", "s p a", "nv", "n v", "plc",
        "p l c", "public limited company", "public company limited", "kabushiki kaisha",
        "kabushiki gaisha", "kk", "k k", "ab", "asa", "as", "a s", "oyj", "se", "sab de cv",
        "sa de cv", "s a de c v", "tbk", "pt", "pt tbk", "jsc co", "co jsc",
        "joint stock commercial bank", "gu fen you xian gong si", "gu fen gong si",
        "zhu shi hui she", "jusighoesa", "jusikhoesa", "kabushikikaisha", "kabushikigaisha", "shareholding company", "company limited by shares",
        "stock company", "public company", "pcl", "sae", "bsc", "qsc", "psc", "saog",
    ),
    "corp": (
        "inc", "incorporated", "corp", "corporation", "co", "company", "cos", "companies",
        "co inc", "corp ltd", "co corp", "companie", "compagnie", "cie", "compania", "cia",
        "gongsi", "gong si", "kaisha", "kompaniya", "kompaniia",
    ),
    "state": (
        "fgup", "gup", "sue", "state unitary enterprise", "federal state unitary enterprise",
        "soe", "state owned enterprise", "pe", "private enterprise", "ip", "chp",
    ),
}

# Native-script legal forms and company words -> ASCII replacement words (before transliteration).
# CJK entries are matched anywhere (no word boundaries in those scripts).
NATIVE_PHRASES: dict[str, str] = {
    # Chinese (Simplified; Traditional is folded to Simplified first)
    "股份有限公司": " jsc ",
    "有限责任公司": " llc ",
    "有限公司": " llc ",
    "责任公司": " llc ",
    "集团": " group ",
    "控股": " holding ",
    "公司": " company ",
    "科技": " technology ",
    "技术": " technology ",
    "电子": " electronics ",
    "通信": " communication ",
    "通讯": " communication ",
    "国际": " international ",
    "贸易": " trading ",
    "进出口": " import export ",
    "实业": " industrial ",
    "工业": " industrial ",
    "投资": " investment ",
    "发展": " development ",
    "半导体": " semiconductor ",
    "制造": " manufacturing ",
    "设备": " equipment ",
    "研究所": " institute ",
    "研究院": " institute ",
    "大学": " university ",
    "航空": " aviation ",
    "航天": " aerospace ",
    "物流": " logistics ",
    "银行": " bank ",
    "香港": " hong kong ",
    "分公司": " branch ",
    "服务": " services ",
    "电机": " electric ",
    "产业": " industrial ",
    "集団": " group ",
    # Japanese
    "株式会社": " jsc ",
    "有限会社": " llc ",
    "合同会社": " llc ",
    "（株）": " jsc ",
    "(株)": " jsc ",
    "㈱": " jsc ",
    "技術": " technology ",
    "電子": " electronics ",
    "電機": " electric ",
    "工業": " industrial ",
    "産業": " industrial ",
    "商事": " trading ",
    "貿易": " trading ",
    "ホールディングス": " holding ",
    "グループ": " group ",
    "インターナショナル": " international ",
    "テクノロジー": " technology ",
    "エレクトロニクス": " electronics ",
    # Korean
    "주식회사": " jsc ",
    "(주)": " jsc ",
    "㈜": " jsc ",
    "유한회사": " llc ",
    "그룹": " group ",
    "전자": " electronics ",
    "중공업": " heavy industrial ",
    "은행": " bank ",
}

# Chinese places that prefix company names ("东莞市大华" is Dahua of Dongguan): they become
# separate low-weight words instead of merging into the brand's pinyin.
CHINESE_PLACES: dict[str, str] = {
    "北京": "beijing", "上海": "shanghai", "天津": "tianjin", "重庆": "chongqing",
    "深圳": "shenzhen", "广州": "guangzhou", "东莞": "dongguan", "杭州": "hangzhou",
    "南京": "nanjing", "武汉": "wuhan", "成都": "chengdu", "西安": "xian", "苏州": "suzhou",
    "厦门": "xiamen", "青岛": "qingdao", "大连": "dalian", "沈阳": "shenyang",
    "长沙": "changsha", "合肥": "hefei", "珠海": "zhuhai", "宁波": "ningbo", "无锡": "wuxi",
    "浙江": "zhejiang", "江苏": "jiangsu", "广东": "guangdong", "山东": "shandong",
    "四川": "sichuan", "湖北": "hubei", "湖南": "hunan", "河南": "henan", "河北": "hebei",
    "福建": "fujian", "安徽": "anhui", "陕西": "shaanxi", "辽宁": "liaoning", "中国": "china",
}
# World regions qualify a group's subsidiaries ("Faberlic Europe"): a place, not a name word.
REGIONS = ("europe", "eurasia", "asia", "africa", "americas", "latam", "emea", "apac")
PLACE_WORDS: frozenset[str] = frozenset(
    [v for v in CHINESE_PLACES.values() if v != "china"] + list(REGIONS)
)

# Romanised Chinese and Japanese company words, as ICU or a person would write them: the
# pinyin of every Han entry of NATIVE_PHRASES (ICU and pypinyin readings where they differ)
# and the romaji of its katakana entries (tests/match/test_normalize.py checks they agree).
PINYIN_PHRASES: dict[str, str] = {
    "ji tuan": "group", "ke ji": "technology", "ji shu": "technology", "dian zi": "electronics",
    "tong xin": "communication", "guo ji": "international", "mao yi": "trading",
    "shi ye": "industrial", "gong ye": "industrial", "tou zi": "investment",
    "fa zhan": "development", "kong gu": "holding", "yan jiu suo": "institute",
    "yan jiu yuan": "institute", "da xue": "university", "hang kong": "aviation",
    "hang tian": "aerospace", "yin hang": "bank", "zhi zao": "manufacturing",
    "she bei": "equipment", "wu liu": "logistics", "fu wu": "services",
    "jin chu kou": "import export", "ban dao ti": "semiconductor",
    "tong xun": "communication", "yin xing": "bank", "xiang gang": "hong kong",
    "fen gong si": "branch", "dian ji": "electric", "chan ye": "industrial",
    "shang shi": "trading", "zhong guo": "china",
    # katakana company words in romaji (ICU's spelling and Hepburn with long vowels)
    "horudingusu": "holding", "hoorudingusu": "holding", "gurupu": "group",
    "guruupu": "group", "intanashonaru": "international", "intaanashonaru": "international",
    "tekunoroji": "technology", "tekunorojii": "technology",
    "erekutoronikusu": "electronics",
}

# Every syllable of Mandarin pinyin (tone marks dropped, ü as v): space-separated syllables
# are a name romanised from Chinese characters, whatever they would mean in English.
_SYLLABLE_TEXT = """a ai an ang ao ba bai ban bang bao bei ben beng bi bian biao bie bin bing bo bu ca cai
    can cang cao ce cen ceng cha chai chan chang chao che chen cheng chi chong chou chu chua
    chuai chuan chuang chui chun chuo ci cong cou cu cuan cui cun cuo da dai dan dang dao de
    dei den deng di dia dian diao die ding diu dong dou du duan dui dun duo e ei en eng er fa
    fan fang fei fen feng fo fou fu ga gai gan gang gao ge gei gen geng gong gou gu gua guai
    guan guang gui gun guo ha hai han hang hao he hei hen heng hong hou hu hua huai huan
    huang hui hun huo ji jia jian jiang jiao jie jin jing jiong jiu ju juan jue jun ka kai
    kan kang kao ke kei ken keng kong kou ku kua kuai kuan kuang kui kun kuo la lai lan lang
    lao le lei leng li lia lian liang liao lie lin ling liu lo long lou lu luan lue lun luo
    lv ma mai man mang mao me mei men meng mi mian miao mie min ming miu mo mou mu na nai nan
    nang nao ne nei nen neng ni nian niang niao nie nin ning niu nong nou nu nuan nue nuo nv
    o ou pa pai pan pang pao pei pen peng pi pian piao pie pin ping po pou pu qi qia qian
    qiang qiao qie qin qing qiong qiu qu quan que qun ran rang rao re ren reng ri rong rou
    ru rua ruan rui run ruo sa sai san sang sao se sen seng sha shai shan shang shao she
    shei shen sheng shi shou shu shua shuai shuan shuang shui shun shuo si song sou su suan
    sui sun suo ta tai tan tang tao te teng ti tian tiao tie ting tong tou tu tuan tui tun
    tuo wa wai wan wang wei wen weng wo wu xi xia xian xiang xiao xie xin xing xiong xiu xu
    xuan xue xun ya yan yang yao ye yi yin ying yo yong you yu yuan yue yun za zai zan zang
    zao ze zei zen zeng zha zhai zhan zhang zhao zhe zhei zhen zheng zhi zhong zhou zhu zhua
    zhuai zhuan zhuang zhui zhun zhuo zi zong zou zu zuan zui zun zuo"""
PINYIN_SYLLABLES: frozenset[str] = frozenset(_SYLLABLE_TEXT.split())

# Cyrillic legal forms (word-bounded, lower case) -> ASCII replacement.
CYRILLIC_PHRASES: dict[str, str] = {
    "общество с ограниченной ответственностью": " llc ",
    "товариство з обмеженою відповідальністю": " llc ",
    "публичное акционерное общество": " pjsc ",
    "открытое акционерное общество": " ojsc ",
    "закрытое акционерное общество": " cjsc ",
    "непубличное акционерное общество": " jsc ",
    "акционерное общество": " jsc ",
    "акціонерне товариство": " jsc ",
    "федеральное государственное унитарное предприятие": " fgup ",
    "государственное унитарное предприятие": " gup ",
    "научно-производственное объединение": " npo ",
    "научно производственное объединение": " npo ",
    "ооо": " llc ",
    "оао": " ojsc ",
    "зао": " cjsc ",
    "пао": " pjsc ",
    "ао": " jsc ",
    "тов": " llc ",
    "фгуп": " fgup ",
    "гуп": " gup ",
    "компания": " company ",
    "группа": " group ",
    "завод": " plant ",
    "банк": " bank ",
}

# Trade-document abbreviations -> full word (before generic-word canonicalisation).
ABBREVIATIONS: dict[str, str] = {
    "comm": "communications", "comms": "communications", "commun": "communications",
    "grp": "group", "tech": "technology", "techn": "technology", "technol": "technology",
    "intl": "international", "int'l": "international", "internat": "international",
    "elec": "electronics", "elect": "electronics", "electr": "electronics",
    "semicon": "semiconductor", "semi": "semiconductor", "mfg": "manufacturing",
    "manuf": "manufacturing", "mfr": "manufacturer", "ind": "industrial",
    "inds": "industries", "indus": "industrial", "eng": "engineering", "engg": "engineering",
    "engr": "engineering", "equip": "equipment", "eqpt": "equipment", "sys": "systems",
    "syst": "systems", "svc": "services", "svcs": "services", "serv": "services",
    "hldg": "holding", "hldgs": "holdings", "hold": "holding", "invt": "investment",
    "invest": "investment", "inv": "investment", "dev": "development", "devt": "development",
    "sci": "science", "scien": "science", "natl": "national", "nat'l": "national",
    "assn": "association", "assoc": "association", "bros": "brothers", "ctr": "center",
    "cntr": "center", "univ": "university", "inst": "institute", "dept": "department",
    "mgmt": "management", "mgt": "management", "prod": "products", "prods": "products",
    "chem": "chemical", "chems": "chemicals", "pharm": "pharmaceutical",
    "pharma": "pharmaceutical", "trdg": "trading", "trad": "trading", "imp": "import",
    "exp": "export", "impex": "import export", "ent": "enterprise", "entp": "enterprise",
    "ents": "enterprises", "gen": "general", "genl": "general", "mach": "machinery",
    "mech": "mechanical", "matl": "material", "matls": "materials", "aero": "aerospace",
    "avn": "aviation", "shpg": "shipping", "shipg": "shipping", "logist": "logistics",
    "elecs": "electronics", "electro": "electronics", "opt": "optical", "photon": "photonics",
    "auto": "automation", "telecom": "telecommunications", "telecomm": "telecommunications",
    "dist": "distribution", "distr": "distribution", "coop": "cooperative",
    "fed": "federal", "govt": "government", "gov": "government", "rsch": "research",
    "res": "research", "lab": "laboratory", "labs": "laboratories", "mil": "military",
    "acad": "academy", "precis": "precision", "instr": "instrument", "comp": "company",
    "compy": "company", "cmpy": "company", "corpn": "corporation", "incorp": "incorporated",
    "ltd.": "limited", "lmtd": "limited", "ltdco": "co ltd",
}

# Generic words: every spelling -> one canonical stem. Low weight; never match alone.
_GENERIC_GROUPS: tuple[tuple[str, ...], ...] = (
    ("company", "companies"),
    ("trading", "trade", "traders", "trader", "trades"),
    ("international", "internacional", "international", "internationale", "intercontinental"),
    ("group", "groups", "gruppa", "gruppe", "groupe", "grupo"),
    ("technology", "technologies", "technological", "technologie", "tecnologia",
     "technic", "technics", "technical", "technik", "tekhnologii", "tekhnologiya", "techno"),
    ("industrial", "industries", "industry", "industriya", "industrie", "industria",
     "industrias", "industriale"),
    ("import", "imports", "importing"),
    ("export", "exports", "exporting", "exp"),
    ("general", "generale"),
    ("communication", "communications", "telecommunication", "telecommunications",
     "telecom"),
    ("electronic", "electronics", "elektronik", "electronique", "electrical", "electric",
     "electro"),
    ("holding", "holdings", "kholding"),
    ("investment", "investments", "invest"),
    ("development", "developments"),
    ("service", "services", "servicos", "servicios"),
    ("system", "systems", "sistemas"),
    ("enterprise", "enterprises", "entreprise", "predpriyatie"),
    ("manufacturing", "manufacturer", "manufacture", "manufacturers", "mfg"),
    ("engineering", "engineers", "engineer"),
    ("equipment", "equipments"),
    ("product", "products"),
    ("solution", "solutions"),
    ("global", "worldwide"),
    ("science", "sciences", "scientific"),
    ("semiconductor", "semiconductors"),
    ("logistics", "logistic"),
    ("shipping",),
    ("network", "networks"),
    ("partner", "partners", "partnership", "partnerships"),
    ("management",),
    ("resources", "resource"),
    ("materials", "material"),
    ("machinery",),
    ("import export", "importexport"),
    ("commercial", "commerce", "commerciale"),
    ("institute", "institut", "instituto", "institution"),
    ("research",),
    ("branch", "office"),
    ("bank", "banco", "banque"),
    ("national", "nationale", "nacional"),
    ("plant", "factory", "works"),
    ("organization", "organisation"),
    ("association",),
    ("center", "centre", "centro"),
    ("products",),
    ("energy", "energia"),
    ("new",),
    ("scientific",),
    ("production", "productions", "proizvodstvennoe", "proizvodstvennaya"),
    ("foundation",),
    ("agency",),
    ("development",),
)
GENERIC: dict[str, str] = {w: group[0] for group in _GENERIC_GROUPS for w in group}
# Generic words that name a line of business ("Shipping", "Materials", "Network Solutions"),
# unlike the fillers of a firm's own name ("Technologies", "Group", "Holding",
# "International"): a listed name that adds one to a brand names one business of that brand
# ("Fujitsu Network Solutions", "Pandora Shipping"), often a subsidiary, not the brand.
# ("Science" is a filler: 科技 is written "Sci-Tech" and "Science & Technology".)
BUSINESS_LINES: frozenset[str] = frozenset(
    ["trading", "communication", "electronic", "investment", "development", "service",
     "system", "manufacturing", "engineering", "equipment", "product", "products", "solution",
     "semiconductor", "logistics", "shipping", "network", "management", "resources",
     "materials", "machinery", "import", "export", "import export", "commercial", "institute",
     "research", "bank", "energy", "production", "foundation", "agency", "plant", "center",
     "association", "branch"]
)

# Words that carry (almost) nothing: articles, conjunctions, prepositions, honorifics.
STOPWORDS: frozenset[str] = frozenset(
    ["the", "and", "of", "for", "a", "an", "y", "e", "et", "und", "de", "del", "della", "di", "da", "des", "du", "la", "le", "les", "el", "los", "las", "der", "die", "das", "den", "van", "von", "vom", "zu", "zum", "zur", "in", "on", "at", "by", "to", "with", "on", "mr", "mrs", "ms", "miss", "dr", "prof", "sir", "sheikh", "shaikh", "haji", "hajji", "hadji", "president", "general", "gen", "col", "colonel", "madame", "monsieur", "mme", "herr", "frau", "sri", "shri", "mx"]
)

# Name particles: part of a person's name but weak evidence ("al", "bin", "van").
PARTICLES: frozenset[str] = frozenset(
    ["al", "el", "bin", "ben", "ibn", "bint", "abu", "abou", "ould", "uld", "ag", "ap", "mac", "mc", "st", "san", "santa", "dos", "das", "do"]
)

NUMBER_WORDS: dict[str, str] = {
    w: str(i)
    for i, ws in enumerate(
        [
            ("zero",),
            ("one", "first"),
            ("two", "second"),
            ("three", "third"),
            ("four", "fourth"),
            ("five", "fifth"),
            ("six", "sixth"),
            ("seven", "seventh"),
            ("eight", "eighth"),
            ("nine", "ninth"),
            ("ten", "tenth"),
            ("eleven", "eleventh"),
            ("twelve", "twelfth"),
            ("thirteen",),
            ("fourteen",),
            ("fifteen",),
            ("sixteen",),
            ("seventeen",),
            ("eighteen",),
            ("nineteen",),
            ("twenty", "twentieth"),
        ]
    )
    for w in ws
}
ORDINAL_WORDS: dict[str, str] = {
    w: str(i)
    for i, w in enumerate(
        ["zeroth", "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth", "eleventh", "twelfth"]
    )
}
TENS: dict[str, int] = {
    "twenty": 20, "thirty": 30, "forty": 40, "fourty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90,
}

# Common short forms of given names (nickname -> formal name); both sides are folded.
NICKNAMES: dict[str, str] = {
    "bill": "william", "will": "william", "billy": "william", "bob": "robert",
    "rob": "robert", "bobby": "robert", "dick": "richard", "rick": "richard",
    "jim": "james", "jimmy": "james", "mike": "michael", "tom": "thomas", "tony": "anthony",
    "ted": "theodore", "teddy": "theodore", "alex": "alexander", "sasha": "alexander",
    "sergei": "sergey", "sergej": "sergey", "kate": "katherine", "liz": "elizabeth",
    "beth": "elizabeth", "peggy": "margaret", "maggie": "margaret", "joe": "joseph",
    "dan": "daniel", "danny": "daniel", "dave": "david", "steve": "stephen",
    "chris": "christopher", "matt": "matthew", "nick": "nicholas", "bibi": "benjamin", "sam": "samuel", "andy": "andrew", "fred": "frederick",
    "ed": "edward", "eddie": "edward", "jack": "john", "johnny": "john",
    "jon": "john", "vova": "vladimir", "volodya": "vladimir", "misha": "mikhail",
    "dima": "dmitry", "kolya": "nikolai", "pasha": "pavel", "kostya": "konstantin",
    "barry": "barack", "tim": "timothy", "pat": "patrick", "greg": "gregory",
    "larry": "lawrence", "jerry": "gerald", "charlie": "charles", "chuck": "charles",
    "hank": "henry", "harry": "henry", "jeff": "jeffrey", "ron": "ronald", "don": "donald",
}

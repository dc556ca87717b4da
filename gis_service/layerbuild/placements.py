"""Where each point feature goes, and why. The one table of placement choices.

("gaz", row, note)   placed from the gazetteer row itself (location_basis gazetteer)
("area", key, note)  placed at the representative point of an area the plan names
                     (location_basis area_hint); key -> AREA_POINTS
("none", reason)     no place given, a placeholder row, or a programme: null geometry
"""
from __future__ import annotations

# representative points of areas named by the plan -> gazetteer rows
AREA_POINTS = {
    "北石店": "北石店镇",          # town seat (GeoNames point), not the unit centroid
    "西上庄": "西上庄街道",
    "北街": "北街街道",
    "钟家庄": "钟家庄街道",
    "西北片区": "西北片区(area centroid)",
    "北石店新区": "北石店新区(area centroid)",
    "司徒": "司徒村",
    "东王台": "东王台村",
    "苗匠": "苗匠村",
}
# area keys that are admin units: a placement under them must fall inside the unit
AREA_UNITS = {"北石店": "beishidian", "西上庄": "xishangzhuang", "北街": "beijie",
              "钟家庄": "zhongjiazhuang"}

PH = "gazetteer row is a placeholder ('NO location found')"
NOSITE = "the plan gives no site and the sources have none"
PROGRAMME = "a programme, not a site"

PROJECTS = {
    # 专栏1 服务业旗舰项目
    "北石店中心卫生院": ("area", "北石店", "专栏1 heading 北石店"),
    "中原局整军旧址修缮工程": ("area", "北石店", "专栏1 heading 北石店; the 旧址 itself is not located"),
    "吕祖坛修缮工程": ("area", "北石店", "专栏1 heading 北石店; 吕祖坛 itself is not located"),
    "白马寺生态旅游休闲文化中心": ("gaz", "白马寺山(白马寺山森林公园)",
                       "第三章第二节三: 以白马寺山宗教生态景区为核心"),
    "程颢书院文化产业园": ("gaz", "程颢书院(古书院)", "at 程颢书院 (古书院)"),
    "程颢书院修缮与保护二期": ("gaz", "程颢书院(古书院)", "at 程颢书院 (古书院)"),
    "下东关商业大厦": ("area", "北街", "专栏1 heading 北街; 下东关 has no gazetteer row"),
    "太印体验式商业中心": ("area", "西北片区", "专栏1 heading 西北片区"),
    "晋匠之城创意产业园": ("area", "西北片区", "专栏1 heading 西北片区"),
    "景德桥特色商业街": ("gaz", "景德桥",
                  "placed at 景德桥 (named in the title); 专栏1 lists it under 西北片区"),
    "景西路SOHO商业街": ("area", "西北片区", "专栏1 heading 西北片区; 景西路 not traced"),
    "全民健身中心": ("none", PH),
    "光荣院": ("none", NOSITE),
    "三馆三中心": ("none", NOSITE),
    "卫生监督所": ("none", NOSITE),
    "畅安大厦": ("none", NOSITE + " (畅安路 is a street in 北石店片, not a site)"),
    "华大时代广场": ("none", NOSITE),
    "深国投城市广场": ("none", NOSITE),
    "绿欣市场改造": ("none", NOSITE),
    "蓝海港花卉市场": ("none", PH),
    "吴王山森林公园二期提升工程": ("gaz", "吴王山(吴王山森林公园)", "at the placed 吴王山"),
    "晋城文化商贸区（国际会展中心）": ("none", PH),
    "钟阳大厦": ("none", NOSITE),
    "佰恒科技大厦": ("none", NOSITE),
    "人民广场改造暨兰花国际购物广场项目": ("gaz", "晋城市人民广场", "at 人民广场"),
    "尚嘉美庭项目": ("none", NOSITE),
    "万达广场": ("gaz", "万达广场(晋城)", "GCJ-02 store coordinate converted (anchor_points.csv)"),
    # 专栏2 精品农业项目
    "司徒现代都市农业示范园": ("gaz", "司徒现代都市农业示范园(司徒小镇)", "address-based estimate"),
    "绿源时代生态农业园": ("area", "北石店", "专栏2 heading 北石店"),
    "润泽农林示范园": ("area", "北石店", "专栏2 heading 北石店"),
    "汇江亨通国际花卉城": ("gaz", "汇江亨通国际花卉城", "exact site unknown"),
    "景熙绿谷生态农业示范园区": ("area", "北石店", "专栏2 heading 北石店"),
    "黑龙潭都市农业休闲园": ("gaz", "黑龙潭", "at 黑龙潭"),
    "摩登大地农庄": ("gaz", "摩登大地农庄", "exact site unknown"),
    "仕帝生态园": ("area", "钟家庄", "专栏2 heading 钟家庄"),
    "民和玫瑰种植产业园": ("area", "钟家庄", "专栏2 heading 钟家庄"),
    "洞头生态旅游村": ("gaz", "洞头村", "at 洞头村"),
    "凤还巢森林公园": ("gaz", "凤还巢(凤还巢森林公园)", "also in ecology_sites"),
    "农夫乐山鸡养殖园": ("area", "钟家庄", "专栏2 heading 钟家庄"),
    "农夫果园": ("area", "钟家庄", "专栏2 heading 钟家庄"),
    "旗道岭森林公园": ("gaz", "旗道岭(旗道岭森林公园)", "also in ecology_sites"),
    "柏基菌业香菇种植基地": ("area", "钟家庄", "专栏2 heading 钟家庄"),
    # 专栏3 新型工业项目
    "北石店工业园区": ("gaz", "北石店工业园区", "park extent unknown"),
    "王台铺CNG和LNG合建站": ("gaz", "王台铺CNG/LNG合建站", "at 王台铺"),
    "银焰新能源有限公司拟建加气站": ("area", "北石店", "专栏3 heading 北石店"),
    "中小企业孵化基地": ("area", "西北片区", "专栏3 heading 西北片区"),
    # 专栏6 教育发展重点工程
    "北石店中心幼儿园": ("area", "北石店", "name gives 北石店"),
    "司徒小学": ("area", "司徒", "name gives 司徒 (司徒村)"),
    "西城小学": ("none", "'西城' (west city) is no mapped place"),
    "书院小学": ("none", "'书院' could be 古书院, 前书院 or 书院街; not placed"),
    "东王台小学": ("area", "东王台", "name gives 东王台 (东王台村)"),
    "花园小学": ("none", "'花园' is ambiguous (花园头? 花园街?); not placed"),
    "晋城市第八中学校": ("none", PH),
    "晋城市第十一中学校": ("none", PH),
    "晋城市第十二中学校": ("none", PH),
    "东南新区学校": ("none", "'东南新区' has no location in the sources"),
    "晋城长城职业技术学校": ("none", PH),
    # 专栏7 医疗卫生服务体系建设工程
    "迁址新建中医院": ("none", "new site not given"),
    "疾病防控能力建设": ("none", PROGRAMME),
    "卫生监督机构建设": ("none", PROGRAMME),
    "妇幼和计生服务中心门诊楼和住院楼": ("none", NOSITE),
    "迁址新建北石店镇卫生院": ("area", "北石店", "new site within 北石店镇 not given"),
    "白马肿瘤专科医院建设工程": ("none", NOSITE),
    "晋城市眼科医院更新扩建工程": ("none", NOSITE),
    # 专栏8 人居环境改善重点工程
    "棚户区改造项目": ("none", PROGRAMME),
    "晋城市区限价商品住房项目": ("none", PROGRAMME),
    "北石店镇晋煤集团集中供热项目": ("area", "北石店", "serves 北石店镇; plant site not given"),
}

OTHER_PLACES = {
    "苗匠物流园": ("area", "苗匠",
              "placed at 苗匠村; the gazetteer wonders whether 苇匠 was meant, the plan says 苗匠"),
    "晋城城西综合物流园": ("gaz", "豪德商贸城(香港豪德光彩贸易广场)", "plan: 以豪德商贸城为基础"),
    "公路物流港": ("none", NOSITE + " (依托华煜物流, not located)"),
    "蓝海港花卉物流园": ("none", PH + " (蓝海港花卉市场)"),
    "新型琉璃文化产业园": ("none", NOSITE),
    "晋城长亮（国际）恐龙文化影视城": ("none", NOSITE),
    "景德桥": ("gaz", "景德桥", "省保 bridge at 西关"),
    "景忠桥": ("gaz", "景忠桥", "省保 bridge at 东关"),
    "张院民居": ("none", NOSITE),
    "古书院": ("gaz", "程颢书院(古书院)", "古书院 / 程颢书院"),
    "晋城市旅游集散中心": ("area", "北石店新区", "第一章第二节: a 北石店新区 project"),
    "电子商务产业园": ("area", "北石店新区", "第一章第二节: a 北石店新区 project"),
    "太焦高铁": ("none", "a railway line; its route is not in the sources"),
    "西北片区改造": ("area", "西北片区", "area centroid from the gazetteer"),
    "北石店新区": ("area", "北石店新区", "area centroid from the gazetteer"),
}

# urban_village_sites: inventory name -> gazetteer rows (clusters have several)
VILLAGE_ROWS = {
    "吴家沟、叶家河连片": ("吴家沟", "叶家河"),
    "泰昌、凤西、万苑连片": ("泰昌", "凤西", "万苑"),
}

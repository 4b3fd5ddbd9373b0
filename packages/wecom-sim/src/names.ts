// Word lists for the demo corp: common Chinese surnames and given-name characters with their pinyin
// (employee userids are pinyin, as most corps configure them), departments, positions, companies.

export const SURNAMES: ReadonlyArray<readonly [string, string]> = [
  ['王', 'wang'], ['李', 'li'], ['张', 'zhang'], ['刘', 'liu'], ['陈', 'chen'], ['杨', 'yang'], ['黄', 'huang'],
  ['赵', 'zhao'], ['吴', 'wu'], ['周', 'zhou'], ['徐', 'xu'], ['孙', 'sun'], ['马', 'ma'], ['朱', 'zhu'],
  ['胡', 'hu'], ['郭', 'guo'], ['何', 'he'], ['高', 'gao'], ['林', 'lin'], ['罗', 'luo'], ['郑', 'zheng'],
  ['梁', 'liang'], ['谢', 'xie'], ['宋', 'song'], ['唐', 'tang'], ['许', 'xu'], ['韩', 'han'], ['冯', 'feng'],
  ['邓', 'deng'], ['曹', 'cao'], ['彭', 'peng'], ['曾', 'zeng'], ['肖', 'xiao'], ['田', 'tian'], ['董', 'dong'],
  ['袁', 'yuan'], ['潘', 'pan'], ['于', 'yu'], ['蒋', 'jiang'], ['蔡', 'cai'], ['余', 'yu'], ['杜', 'du'],
  ['叶', 'ye'], ['程', 'cheng'], ['苏', 'su'], ['魏', 'wei'], ['吕', 'lv'], ['丁', 'ding'], ['任', 'ren'],
  ['沈', 'shen'], ['姚', 'yao'], ['卢', 'lu'], ['姜', 'jiang'], ['崔', 'cui'], ['钟', 'zhong'], ['谭', 'tan'],
  ['陆', 'lu'], ['汪', 'wang'], ['范', 'fan'], ['金', 'jin'], ['石', 'shi'], ['廖', 'liao'], ['贾', 'jia'],
  ['夏', 'xia'], ['韦', 'wei'], ['付', 'fu'], ['方', 'fang'], ['白', 'bai'], ['邹', 'zou'], ['孟', 'meng'],
  ['熊', 'xiong'], ['秦', 'qin'], ['邱', 'qiu'], ['江', 'jiang'], ['尹', 'yin'], ['薛', 'xue'], ['欧阳', 'ouyang'],
];

export const GIVEN_NAME_CHARACTERS: ReadonlyArray<readonly [string, string]> = [
  ['伟', 'wei'], ['芳', 'fang'], ['娜', 'na'], ['敏', 'min'], ['静', 'jing'], ['丽', 'li'], ['强', 'qiang'],
  ['磊', 'lei'], ['军', 'jun'], ['洋', 'yang'], ['勇', 'yong'], ['艳', 'yan'], ['杰', 'jie'], ['娟', 'juan'],
  ['涛', 'tao'], ['明', 'ming'], ['超', 'chao'], ['秀', 'xiu'], ['霞', 'xia'], ['平', 'ping'], ['刚', 'gang'],
  ['桂', 'gui'], ['英', 'ying'], ['华', 'hua'], ['玉', 'yu'], ['萍', 'ping'], ['红', 'hong'], ['鹏', 'peng'],
  ['辉', 'hui'], ['建', 'jian'], ['文', 'wen'], ['斌', 'bin'], ['宇', 'yu'], ['浩', 'hao'], ['凯', 'kai'],
  ['鑫', 'xin'], ['婷', 'ting'], ['雪', 'xue'], ['琳', 'lin'], ['晨', 'chen'], ['欣', 'xin'], ['怡', 'yi'],
  ['佳', 'jia'], ['思', 'si'], ['雨', 'yu'], ['子', 'zi'], ['梓', 'zi'], ['涵', 'han'], ['轩', 'xuan'],
  ['博', 'bo'], ['然', 'ran'], ['嘉', 'jia'], ['晓', 'xiao'], ['峰', 'feng'], ['海', 'hai'], ['波', 'bo'],
  ['亮', 'liang'], ['宁', 'ning'], ['健', 'jian'], ['慧', 'hui'], ['颖', 'ying'], ['倩', 'qian'], ['雅', 'ya'],
  ['梦', 'meng'], ['瑶', 'yao'], ['可', 'ke'], ['昊', 'hao'], ['泽', 'ze'], ['诗', 'shi'], ['一', 'yi'],
  ['天', 'tian'], ['俊', 'jun'], ['志', 'zhi'], ['成', 'cheng'], ['东', 'dong'], ['立', 'li'], ['新', 'xin'],
];

export const WECHAT_NICKNAMES: readonly string[] = [
  '阳光总在风雨后', '小王同学', 'Lily', '简单生活', '追梦人', '静待花开', 'Tony', '大海', '风轻云淡', '向日葵',
  'Coco', '木子', '一路向北', '晴天', 'Kevin', '知足常乐', '小鱼儿', '笑看人生', 'Amy', '岁月静好',
];

export const DEPARTMENT_NAMES: readonly string[] = [
  '销售部', '市场部', '客户成功部', '产品部', '研发部', '华东销售组', '华南销售组', '运营部', '人力资源部', '财务部',
  '华北销售组', '西南销售组', '渠道合作部', '品牌部', '客服中心', '技术支持部', '电商运营部', '大客户部', '新媒体部',
  '培训部', '行政部', '法务部', '战略部', '数据分析部',
];

export const POSITIONS: readonly string[] = [
  '销售经理', '客户经理', '销售代表', '大客户经理', '市场专员', '运营专员', '客服专员', '客户成功经理', '产品经理',
  '高级工程师', '销售总监', '区域经理', '渠道经理', '售前顾问', '培训讲师', '店长', '顾问',
];

export const CITIES: readonly string[] = [
  '上海', '北京', '广州', '深圳', '杭州', '南京', '苏州', '成都', '武汉', '西安', '重庆', '天津', '长沙', '郑州',
  '青岛', '厦门', '宁波', '合肥', '福州', '济南',
];

export const COMPANY_WORDS: readonly string[] = [
  '华信', '恒通', '嘉禾', '博远', '鼎盛', '瑞丰', '中科', '启明', '未来', '云帆', '锦程', '星辰', '天元', '正和', '德润',
];

export const COMPANY_KINDS: readonly string[] = ['科技', '贸易', '信息技术', '教育科技', '医疗器械', '文化传媒', '电子商务', '实业'];

export const CORP_NAMES: readonly string[] = ['星河科技', '云帆教育', '蓝鲸健康', '青禾零售', '远航汽车', '知行咨询'];

export const CUSTOMER_POSITIONS: readonly string[] = ['采购经理', '总经理', '行政主管', 'IT负责人', '财务总监', '运营总监', '创始人'];

export const PRODUCTS: readonly string[] = ['旗舰版', '标准版', '企业版', '年度会员', '体验课', '私教课'];

export const CHANNEL_STATES: readonly string[] = [
  'offline_expo', 'wechat_ad', 'douyin_live', 'official_site', 'store_poster', 'referral', 'baidu_sem', 'xiaohongshu',
];

/** Tag groups of a typical corp; the generator takes the first N. */
export const TAG_GROUPS: ReadonlyArray<{ name: string; tags: readonly string[] }> = [
  { name: '客户等级', tags: ['A类客户', 'B类客户', 'C类客户', '潜在客户'] },
  { name: '客户来源', tags: ['线下活动', '广告投放', '老客转介绍', '官网咨询', '直播间'] },
  { name: '意向产品', tags: ['旗舰版', '标准版', '企业版', '增值服务'] },
  { name: '跟进阶段', tags: ['初次接触', '需求确认', '方案报价', '已成交', '已流失'] },
  { name: '客户属性', tags: ['决策人', '影响者', '使用者'] },
  { name: '行业', tags: ['教育', '医疗', '零售', '制造', '金融', '互联网'] },
];

export const GROUP_NAME_PATTERNS: readonly string[] = [
  '{product}客户交流群', '{city}VIP客户群', '{product}售后服务群', '{city}新客福利群', '{product}体验官{n}群', '{city}会员{n}群',
];

export const GROUP_NOTICES: readonly string[] = [
  '文明沟通，拒绝广告', '本群用于产品答疑与售后服务，工作时间9:00-18:00', '新人进群请修改群昵称为：城市-姓名', '',
];

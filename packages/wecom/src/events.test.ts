import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CallbackCrypto } from './crypto.ts';
import {
  EventParseError,
  buildEventXml,
  eventKey,
  parseCallbackEvent,
  type WecomEvent,
  type WecomEventInput,
} from './events.ts';

// Every sample of API-FACTS §14 (and the acquisition events of §6), verbatim where the document quotes one.
const head = (event: string) =>
  `<xml><ToUserName><![CDATA[toUser]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName><CreateTime>1403610513</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[${event}]]></Event>`;
const envelope = { toUserName: 'toUser', fromUserName: 'sys', createTime: 1403610513 };

const addExternalContact = `<xml>
	<ToUserName><![CDATA[toUser]]></ToUserName>
	<FromUserName><![CDATA[sys]]></FromUserName> 
	<CreateTime>1403610513</CreateTime>
	<MsgType><![CDATA[event]]></MsgType>
	<Event><![CDATA[change_external_contact]]></Event>
	<ChangeType><![CDATA[add_external_contact]]></ChangeType>
	<UserID><![CDATA[zhangsan]]></UserID>
	<ExternalUserID><![CDATA[woAJ2GCAAAXtWyujaWJHDDGi0mAAAA]]></ExternalUserID>
	<State><![CDATA[teststate]]></State>
	<WelcomeCode><![CDATA[WELCOMECODE]]></WelcomeCode>
</xml>`;

const delExternalContact =
  '<xml><ToUserName><![CDATA[toUser]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName><CreateTime>1403610513</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[change_external_contact]]></Event><ChangeType><![CDATA[del_external_contact]]></ChangeType><UserID><![CDATA[zhangsan]]></UserID><ExternalUserID><![CDATA[woAJ2GCAAAXtWyujaWJHDDGi0mACAAAA]]></ExternalUserID><Source><![CDATA[DELETE_BY_TRANSFER]]></Source></xml>';

const transferFail =
  '<xml><ToUserName><![CDATA[toUser]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName><CreateTime>1403610513</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[change_external_contact]]></Event><ChangeType><![CDATA[transfer_fail]]></ChangeType><FailReason><![CDATA[customer_refused]]></FailReason><UserID><![CDATA[zhangsan]]></UserID><ExternalUserID><![CDATA[woAJ2GCAAAXtWyujaWJHDDGi0mAAAA]]></ExternalUserID></xml>';

const chatCreate =
  '<xml><ToUserName><![CDATA[toUser]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName><CreateTime>1403610513</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[change_external_chat]]></Event><ChatId><![CDATA[CHAT_ID]]></ChatId><ChangeType><![CDATA[create]]></ChangeType></xml>';

const chatUpdate = `<xml>
	<ToUserName><![CDATA[toUser]]></ToUserName>
	<FromUserName><![CDATA[sys]]></FromUserName>
	<CreateTime>1403610513</CreateTime>
	<MsgType><![CDATA[event]]></MsgType>
	<Event><![CDATA[change_external_chat]]></Event>
	<ChatId><![CDATA[CHAT_ID]]></ChatId>
	<ChangeType><![CDATA[update]]></ChangeType>
	<UpdateDetail><![CDATA[add_member]]></UpdateDetail>
	<JoinScene>1</JoinScene>
	<QuitScene>0</QuitScene>
	<MemChangeCnt>10</MemChangeCnt>
	<MemChangeList>
		<Item>Jack</Item>
		<Item>Rose</Item>
	</MemChangeList>
	<LastMemVer>9c3f97c2ada667dfb5f6d03308d963e1</LastMemVer>
	<CurMemVer>71217227bbd112ecfe3a49c482195cb4</CurMemVer>
</xml>`;

// The real-world payload (SenparcWeixin test): CDATA around versions, irrelevant fields present.
const chatRename = `${head('change_external_chat')}<ChatId><![CDATA[wree9uDgAAfxkLu5-lEbsmQBjsb7V8Cg]]></ChatId><ChangeType><![CDATA[update]]></ChangeType><UpdateDetail><![CDATA[change_name]]></UpdateDetail><JoinScene>0</JoinScene><MemChangeCnt>2</MemChangeCnt><LastMemVer><![CDATA[6ebe7c3f89cb839ec2e1720f04eae2e0]]></LastMemVer><CurMemVer><![CDATA[15722766561cf8bce92480a3d1457654]]></CurMemVer></xml>`;

const tagCreate =
  '<xml><ToUserName><![CDATA[toUser]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName><CreateTime>1403610513</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[change_external_tag]]></Event><Id><![CDATA[TAG_ID]]></Id><TagType><![CDATA[tag]]></TagType><ChangeType><![CDATA[create]]></ChangeType></xml>';

const createUser =
  '<xml><ToUserName><![CDATA[toUser]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName> <CreateTime>1403610513</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[change_contact]]></Event><ChangeType>create_user</ChangeType><UserID><![CDATA[zhangsan]]></UserID><Name><![CDATA[张三]]></Name><Department><![CDATA[1,2,3]]></Department><MainDepartment>1</MainDepartment><IsLeaderInDept><![CDATA[1,0,0]]></IsLeaderInDept><Position><![CDATA[产品经理]]></Position><Mobile>13800000000</Mobile><Gender>1</Gender><Email><![CDATA[zhangsan@gzdev.com]]></Email><Status>1</Status><Avatar><![CDATA[http://wx.qlogo.cn/mmopen/ajNVdqHZLLA3WJ6DSZUfiakYe37PKnQhBIeOQBO4czqrnZDS79FH5Wm5m4X69TBicnHFlhiafvDwklOpZeXYQQ2icg/0]]></Avatar><Alias><![CDATA[zhangsan]]></Alias><Telephone><![CDATA[020-123456]]></Telephone><Address><![CDATA[广州市]]></Address><ExtAttr><Item><Name><![CDATA[爱好]]></Name><Type>0</Type><Text><Value><![CDATA[旅游]]></Value></Text></Item><Item><Name><![CDATA[卡号]]></Name><Type>1</Type><Web><Title><![CDATA[企业微信]]></Title><Url><![CDATA[https://work.weixin.qq.com]]></Url></Web></Item></ExtAttr></xml>';

const deleteUser =
  '<xml><ToUserName><![CDATA[toUser]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName><CreateTime>1403610513</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[change_contact]]></Event><ChangeType>delete_user</ChangeType><UserID><![CDATA[zhangsan]]></UserID></xml>';

const createParty =
  '<xml><ToUserName><![CDATA[toUser]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName><CreateTime>1403610513</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[change_contact]]></Event><ChangeType>create_party</ChangeType><Id>2</Id><Name><![CDATA[张三]]></Name><ParentId><![CDATA[1]]></ParentId><Order>1</Order></xml>';

const cases: Array<{ name: string; xml: string; expected: WecomEvent }> = [
  {
    name: 'add_external_contact (doc sample)',
    xml: addExternalContact,
    expected: {
      kind: 'change_external_contact',
      ...envelope,
      changeType: 'add_external_contact',
      userId: 'zhangsan',
      externalUserId: 'woAJ2GCAAAXtWyujaWJHDDGi0mAAAA',
      state: 'teststate',
      welcomeCode: 'WELCOMECODE',
    },
  },
  {
    name: 'add_external_contact with a welcome code but no state',
    xml: `${head('change_external_contact')}<ChangeType><![CDATA[add_external_contact]]></ChangeType><UserID><![CDATA[lisi]]></UserID><ExternalUserID><![CDATA[wmOgQhDgAAuXFJGwbve4g4iXknfOAAAA]]></ExternalUserID><WelcomeCode><![CDATA[CODE2]]></WelcomeCode></xml>`,
    expected: {
      kind: 'change_external_contact',
      ...envelope,
      changeType: 'add_external_contact',
      userId: 'lisi',
      externalUserId: 'wmOgQhDgAAuXFJGwbve4g4iXknfOAAAA',
      welcomeCode: 'CODE2',
    },
  },
  {
    name: 'edit_external_contact',
    xml: `${head('change_external_contact')}<ChangeType><![CDATA[edit_external_contact]]></ChangeType><UserID><![CDATA[zhangsan]]></UserID><ExternalUserID><![CDATA[woAJ2GCAAAXtWyujaWJHDDGi0mAAAA]]></ExternalUserID><State><![CDATA[teststate]]></State></xml>`,
    expected: {
      kind: 'change_external_contact',
      ...envelope,
      changeType: 'edit_external_contact',
      userId: 'zhangsan',
      externalUserId: 'woAJ2GCAAAXtWyujaWJHDDGi0mAAAA',
      state: 'teststate',
    },
  },
  {
    name: 'add_half_external_contact',
    xml: `${head('change_external_contact')}<ChangeType><![CDATA[add_half_external_contact]]></ChangeType><UserID><![CDATA[zhangsan]]></UserID><ExternalUserID><![CDATA[woAJ2GCAAAXtWyujaWJHDDGi0mAAAA]]></ExternalUserID><State><![CDATA[CHANNEL_A]]></State><WelcomeCode><![CDATA[WELCOMECODE]]></WelcomeCode></xml>`,
    expected: {
      kind: 'change_external_contact',
      ...envelope,
      changeType: 'add_half_external_contact',
      userId: 'zhangsan',
      externalUserId: 'woAJ2GCAAAXtWyujaWJHDDGi0mAAAA',
      state: 'CHANNEL_A',
      welcomeCode: 'WELCOMECODE',
    },
  },
  {
    name: 'del_external_contact with Source',
    xml: delExternalContact,
    expected: {
      kind: 'change_external_contact',
      ...envelope,
      changeType: 'del_external_contact',
      userId: 'zhangsan',
      externalUserId: 'woAJ2GCAAAXtWyujaWJHDDGi0mACAAAA',
      source: 'DELETE_BY_TRANSFER',
    },
  },
  {
    name: 'del_follow_user',
    xml: `${head('change_external_contact')}<ChangeType><![CDATA[del_follow_user]]></ChangeType><UserID><![CDATA[zhangsan]]></UserID><ExternalUserID><![CDATA[woAJ2GCAAAXtWyujaWJHDDGi0mACAAAA]]></ExternalUserID></xml>`,
    expected: {
      kind: 'change_external_contact',
      ...envelope,
      changeType: 'del_follow_user',
      userId: 'zhangsan',
      externalUserId: 'woAJ2GCAAAXtWyujaWJHDDGi0mACAAAA',
    },
  },
  {
    name: 'transfer_fail with FailReason',
    xml: transferFail,
    expected: {
      kind: 'change_external_contact',
      ...envelope,
      changeType: 'transfer_fail',
      userId: 'zhangsan',
      externalUserId: 'woAJ2GCAAAXtWyujaWJHDDGi0mAAAA',
      failReason: 'customer_refused',
    },
  },
  {
    name: 'change_external_chat create',
    xml: chatCreate,
    expected: { kind: 'change_external_chat', ...envelope, changeType: 'create', chatId: 'CHAT_ID' },
  },
  {
    name: 'change_external_chat dismiss',
    xml: chatCreate.replace('[create]', '[dismiss]'),
    expected: { kind: 'change_external_chat', ...envelope, changeType: 'dismiss', chatId: 'CHAT_ID' },
  },
  {
    name: 'change_external_chat update add_member with member list and versions',
    xml: chatUpdate,
    expected: {
      kind: 'change_external_chat',
      ...envelope,
      changeType: 'update',
      chatId: 'CHAT_ID',
      updateDetail: 'add_member',
      joinScene: 1,
      quitScene: 0,
      memChangeCnt: 10,
      memChangeList: ['Jack', 'Rose'],
      lastMemVer: '9c3f97c2ada667dfb5f6d03308d963e1',
      curMemVer: '71217227bbd112ecfe3a49c482195cb4',
    },
  },
  {
    name: 'change_external_chat update del_member with one member',
    xml: `${head('change_external_chat')}<ChatId><![CDATA[CHAT_ID]]></ChatId><ChangeType><![CDATA[update]]></ChangeType><UpdateDetail><![CDATA[del_member]]></UpdateDetail><QuitScene>1</QuitScene><MemChangeCnt>1</MemChangeCnt><MemChangeList><Item><![CDATA[wmOgQhDgAAuXFJGwbve4g4iXknfOAAAA]]></Item></MemChangeList></xml>`,
    expected: {
      kind: 'change_external_chat',
      ...envelope,
      changeType: 'update',
      chatId: 'CHAT_ID',
      updateDetail: 'del_member',
      quitScene: 1,
      memChangeCnt: 1,
      memChangeList: ['wmOgQhDgAAuXFJGwbve4g4iXknfOAAAA'],
    },
  },
  {
    name: 'change_external_chat update change_name (real payload)',
    xml: chatRename,
    expected: {
      kind: 'change_external_chat',
      ...envelope,
      changeType: 'update',
      chatId: 'wree9uDgAAfxkLu5-lEbsmQBjsb7V8Cg',
      updateDetail: 'change_name',
      joinScene: 0,
      memChangeCnt: 2,
      lastMemVer: '6ebe7c3f89cb839ec2e1720f04eae2e0',
      curMemVer: '15722766561cf8bce92480a3d1457654',
    },
  },
  {
    name: 'change_external_tag create tag',
    xml: tagCreate,
    expected: { kind: 'change_external_tag', ...envelope, changeType: 'create', id: 'TAG_ID', tagType: 'tag' },
  },
  {
    name: 'change_external_tag update tag_group',
    xml: tagCreate.replace('[tag]', '[tag_group]').replace('[create]', '[update]'),
    expected: { kind: 'change_external_tag', ...envelope, changeType: 'update', id: 'TAG_ID', tagType: 'tag_group' },
  },
  {
    name: 'change_external_tag delete',
    xml: tagCreate.replace('[create]', '[delete]'),
    expected: { kind: 'change_external_tag', ...envelope, changeType: 'delete', id: 'TAG_ID', tagType: 'tag' },
  },
  {
    name: 'change_external_tag shuffle with StrategyId',
    xml: `${head('change_external_tag')}<Id><![CDATA[GROUP_ID]]></Id><ChangeType><![CDATA[shuffle]]></ChangeType><StrategyId>1</StrategyId></xml>`,
    expected: { kind: 'change_external_tag', ...envelope, changeType: 'shuffle', id: 'GROUP_ID', strategyId: 1 },
  },
  {
    name: 'change_contact create_user (doc sample)',
    xml: createUser,
    expected: {
      kind: 'change_contact',
      ...envelope,
      changeType: 'create_user',
      userId: 'zhangsan',
      name: '张三',
      department: [1, 2, 3],
      mainDepartment: 1,
      isLeaderInDept: [1, 0, 0],
      position: '产品经理',
      mobile: '13800000000',
      gender: '1',
      email: 'zhangsan@gzdev.com',
      status: 1,
      avatar: 'http://wx.qlogo.cn/mmopen/ajNVdqHZLLA3WJ6DSZUfiakYe37PKnQhBIeOQBO4czqrnZDS79FH5Wm5m4X69TBicnHFlhiafvDwklOpZeXYQQ2icg/0',
      alias: 'zhangsan',
      telephone: '020-123456',
      address: '广州市',
      extAttr: [
        { name: '爱好', type: 0, text: { value: '旅游' } },
        { name: '卡号', type: 1, web: { title: '企业微信', url: 'https://work.weixin.qq.com' } },
      ],
    },
  },
  {
    name: 'change_contact update_user with NewUserID',
    xml: `${head('change_contact')}<ChangeType>update_user</ChangeType><UserID><![CDATA[zhangsan]]></UserID><NewUserID><![CDATA[zhangsan001]]></NewUserID><Position><![CDATA[总监]]></Position><DirectLeader><![CDATA[lisi,wangwu]]></DirectLeader><BizMail><![CDATA[zhangsan@tencent.com]]></BizMail></xml>`,
    expected: {
      kind: 'change_contact',
      ...envelope,
      changeType: 'update_user',
      userId: 'zhangsan',
      newUserId: 'zhangsan001',
      position: '总监',
      directLeader: ['lisi', 'wangwu'],
      bizMail: 'zhangsan@tencent.com',
    },
  },
  {
    name: 'change_contact delete_user',
    xml: deleteUser,
    expected: { kind: 'change_contact', ...envelope, changeType: 'delete_user', userId: 'zhangsan' },
  },
  {
    name: 'change_contact create_party',
    xml: createParty,
    expected: { kind: 'change_contact', ...envelope, changeType: 'create_party', id: 2, name: '张三', parentId: 1, order: 1 },
  },
  {
    name: 'change_contact update_party',
    xml: `${head('change_contact')}<ChangeType>update_party</ChangeType><Id>2</Id><Name><![CDATA[张三]]></Name><ParentId><![CDATA[1]]></ParentId></xml>`,
    expected: { kind: 'change_contact', ...envelope, changeType: 'update_party', id: 2, name: '张三', parentId: 1 },
  },
  {
    name: 'change_contact delete_party',
    xml: `${head('change_contact')}<ChangeType>delete_party</ChangeType><Id>2</Id></xml>`,
    expected: { kind: 'change_contact', ...envelope, changeType: 'delete_party', id: 2 },
  },
  {
    name: 'change_contact update_tag',
    xml: `${head('change_contact')}<ChangeType><![CDATA[update_tag]]></ChangeType><TagId>1</TagId><AddUserItems><![CDATA[zhangsan,lisi]]></AddUserItems><DelUserItems><![CDATA[zhangsan1,lisi1]]></DelUserItems><AddPartyItems><![CDATA[1,2]]></AddPartyItems><DelPartyItems><![CDATA[3,4]]></DelPartyItems></xml>`,
    expected: {
      kind: 'change_contact',
      ...envelope,
      changeType: 'update_tag',
      tagId: 1,
      addUserItems: ['zhangsan', 'lisi'],
      delUserItems: ['zhangsan1', 'lisi1'],
      addPartyItems: [1, 2],
      delPartyItems: [3, 4],
    },
  },
  {
    name: 'customer_acquisition friend_request',
    xml: `${head('customer_acquisition')}<ChangeType><![CDATA[friend_request]]></ChangeType><LinkId><![CDATA[cawcde078e9840000]]></LinkId><State><![CDATA[CHANNEL_A]]></State></xml>`,
    expected: { kind: 'customer_acquisition', ...envelope, changeType: 'friend_request', linkId: 'cawcde078e9840000', state: 'CHANNEL_A' },
  },
  ...(['delete_link', 'link_unavailable'] as const).map((changeType) => ({
    name: `customer_acquisition ${changeType}`,
    xml: `${head('customer_acquisition')}<ChangeType><![CDATA[${changeType}]]></ChangeType><LinkId><![CDATA[cawcde078e9840000]]></LinkId></xml>`,
    expected: { kind: 'customer_acquisition' as const, ...envelope, changeType, linkId: 'cawcde078e9840000' },
  })),
  ...(['balance_low', 'balance_exhausted'] as const).map((changeType) => ({
    name: `customer_acquisition ${changeType}`,
    xml: `${head('customer_acquisition')}<ChangeType><![CDATA[${changeType}]]></ChangeType></xml>`,
    expected: { kind: 'customer_acquisition' as const, ...envelope, changeType },
  })),
  {
    name: 'customer_acquisition customer_start_chat',
    xml: `${head('customer_acquisition')}<ChangeType><![CDATA[customer_start_chat]]></ChangeType><UserID><![CDATA[zhangsan]]></UserID><ExternalUserID><![CDATA[woAJ2GCAAAXtWyujaWJHDDGi0mACAAAA]]></ExternalUserID><LinkId><![CDATA[cawcde078e9840000]]></LinkId></xml>`,
    expected: {
      kind: 'customer_acquisition',
      ...envelope,
      changeType: 'customer_start_chat',
      userId: 'zhangsan',
      externalUserId: 'woAJ2GCAAAXtWyujaWJHDDGi0mACAAAA',
      linkId: 'cawcde078e9840000',
    },
  },
];

describe('parseCallbackEvent', () => {
  for (const sample of cases) {
    it(`parses ${sample.name}`, () => {
      assert.deepEqual(parseCallbackEvent(sample.xml), sample.expected);
    });
  }

  it('keeps unknown events whole', () => {
    const xml = `${head('change_school_contact')}<ChangeType><![CDATA[add_student]]></ChangeType><Id>7</Id><Detail><Name><![CDATA[王]]></Name></Detail></xml>`;
    assert.deepEqual(parseCallbackEvent(xml), {
      kind: 'unknown',
      ...envelope,
      event: 'change_school_contact',
      changeType: 'add_student',
      raw: {
        ToUserName: 'toUser',
        FromUserName: 'sys',
        CreateTime: '1403610513',
        MsgType: 'event',
        Event: 'change_school_contact',
        ChangeType: 'add_student',
        Id: '7',
        Detail: { Name: '王' },
      },
    });
  });

  it('keeps unknown change types of known events, and events missing required fields, as unknown', () => {
    const newChangeType = parseCallbackEvent(
      `${head('change_external_contact')}<ChangeType><![CDATA[msg_audit_approved]]></ChangeType><UserID><![CDATA[zhangsan]]></UserID></xml>`,
    );
    assert.equal(newChangeType.kind, 'unknown');
    assert.equal(newChangeType.kind === 'unknown' && newChangeType.changeType, 'msg_audit_approved');
    const missingUser = parseCallbackEvent(`${head('change_external_contact')}<ChangeType><![CDATA[add_external_contact]]></ChangeType></xml>`);
    assert.equal(missingUser.kind, 'unknown');
    assert.equal(missingUser.kind === 'unknown' && missingUser.event, 'change_external_contact');
  });

  it('keeps plain messages and third-party envelopes as unknown', () => {
    const message = parseCallbackEvent(
      '<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName>\n<FromUserName><![CDATA[mycreate]]></FromUserName>\n<CreateTime>1409659813</CreateTime>\n<MsgType><![CDATA[text]]></MsgType>\n<Content><![CDATA[hello]]></Content>\n<MsgId>4561255354251345929</MsgId>\n<AgentID>218</AgentID>\n</xml>',
    );
    assert.equal(message.kind, 'unknown');
    assert.equal(message.kind === 'unknown' && message.raw.MsgId, '4561255354251345929');
    const suite = parseCallbackEvent(
      '<xml><SuiteId><![CDATA[ww4asffe99e54c0f4c]]></SuiteId><AuthCorpId><![CDATA[wxf8b4f85f3a794e77]]></AuthCorpId><InfoType><![CDATA[change_external_contact]]></InfoType><TimeStamp>1403610513</TimeStamp><ChangeType><![CDATA[add_external_contact]]></ChangeType></xml>',
    );
    assert.equal(suite.kind === 'unknown' && suite.event, 'change_external_contact');
  });

  it('throws EventParseError only for text that is not an <xml> document', () => {
    assert.throws(() => parseCallbackEvent('success'), EventParseError);
    assert.throws(() => parseCallbackEvent('<xml><Event>'), EventParseError);
    assert.throws(() => parseCallbackEvent('<root><Event>x</Event></root>'), EventParseError);
  });
});

describe('buildEventXml', () => {
  for (const sample of cases) {
    it(`round-trips ${sample.name}`, () => {
      const xml = buildEventXml(sample.expected);
      assert.deepEqual(parseCallbackEvent(xml), sample.expected);
    });
  }

  it('round-trips unknown events, empty lists, empty strings and CDATA terminators', () => {
    const unknown = parseCallbackEvent(`${head('future_event')}<ChangeType><![CDATA[x]]></ChangeType><Detail><Name><![CDATA[王]]></Name></Detail></xml>`);
    assert.deepEqual(parseCallbackEvent(buildEventXml(unknown)), unknown);
    const tricky: WecomEvent = {
      kind: 'change_external_chat',
      ...envelope,
      changeType: 'update',
      chatId: 'weird]]>id<&>',
      updateDetail: 'del_member',
      memChangeList: [],
      lastMemVer: '',
    };
    assert.deepEqual(parseCallbackEvent(buildEventXml(tricky)), tricky);
  });

  it('writes the envelope WeCom sends and fills FromUserName and CreateTime', () => {
    const input: WecomEventInput = {
      kind: 'change_external_contact',
      toUserName: 'ww1436e0e65a779aee',
      changeType: 'add_external_contact',
      userId: 'zhangsan',
      externalUserId: 'wo1',
      state: 'CHANNEL_A',
    };
    const xml = buildEventXml(input);
    assert.match(
      xml,
      /^<xml><ToUserName><!\[CDATA\[ww1436e0e65a779aee\]\]><\/ToUserName><FromUserName><!\[CDATA\[sys\]\]><\/FromUserName><CreateTime>\d{10}<\/CreateTime><MsgType><!\[CDATA\[event\]\]><\/MsgType><Event><!\[CDATA\[change_external_contact\]\]><\/Event><ChangeType><!\[CDATA\[add_external_contact\]\]><\/ChangeType>/,
    );
    assert.match(xml, /<State><!\[CDATA\[CHANNEL_A\]\]><\/State>/);
    const parsed = parseCallbackEvent(xml);
    assert.equal(parsed.fromUserName, 'sys');
    assert.ok(Math.abs(parsed.createTime - Date.now() / 1000) < 5);
  });
});

describe('eventKey', () => {
  it('is stable for redeliveries, including a changed welcome code', () => {
    const event = parseCallbackEvent(addExternalContact);
    assert.equal(eventKey(event), eventKey(parseCallbackEvent(addExternalContact)));
    assert.equal(eventKey(event), eventKey(parseCallbackEvent(addExternalContact.replace('WELCOMECODE', 'OTHERCODE'))));
    assert.match(eventKey(event), /^toUser:change_external_contact:add_external_contact:zhangsan:woAJ2GCAAAXtWyujaWJHDDGi0mAAAA:1403610513:[0-9a-f]{16}$/);
  });

  it('differs for different events, even within the same second', () => {
    const keys = cases.map((sample) => eventKey(sample.expected));
    assert.equal(new Set(keys).size, keys.length);
    const other = parseCallbackEvent(chatUpdate.replace('71217227bbd112ecfe3a49c482195cb4', 'ffff7227bbd112ecfe3a49c482195cb4'));
    assert.notEqual(eventKey(other), eventKey(parseCallbackEvent(chatUpdate)));
    const otherCorp = parseCallbackEvent(deleteUser.replace('toUser', 'ww2'));
    assert.notEqual(eventKey(otherCorp), eventKey(parseCallbackEvent(deleteUser)));
  });

  it('does not depend on element order', () => {
    const reordered = deleteUser.replace(
      '<ChangeType>delete_user</ChangeType><UserID><![CDATA[zhangsan]]></UserID>',
      '<UserID><![CDATA[zhangsan]]></UserID><ChangeType>delete_user</ChangeType>',
    );
    assert.equal(eventKey(parseCallbackEvent(reordered)), eventKey(parseCallbackEvent(deleteUser)));
  });
});

describe('events through the callback crypto', () => {
  it('survives build → seal → open → parse for every sample', () => {
    const crypto = new CallbackCrypto({ token: 'QDG6eK', encodingAesKey: 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C', receiveId: 'toUser' });
    for (const sample of cases) {
      const sealed = crypto.sealCallback(buildEventXml(sample.expected), { agentId: '1000002' });
      assert.deepEqual(parseCallbackEvent(crypto.openCallback(sealed.query, sealed.body)), sample.expected, sample.name);
    }
  });
});

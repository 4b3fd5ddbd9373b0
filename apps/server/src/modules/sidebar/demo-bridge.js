// The demo WeCom client's bridge (served only in demo mode on this machine, before the page's own scripts): what the
// WeCom client injects into a page in its chat toolbar — window.WeixinJSBridge with invoke/on, which the official
// @wecom/jssdk calls — played against the simulator. Like the client, it checks the page's registration
// (preVerifyJSAPI = config, agentConfig) against WeCom's live tickets, refuses customer-context calls without a
// valid agentConfig or outside the right entry, and sends sendChatMessage into the conversation, which the
// simulator keeps in its conversation log. The page opens as /sidebar/?as=<member>&chat=<external_userid>
// (single chat), &group=<chat_id> (group chat) or &profile=<external_userid> (contact profile).
(function () {
  'use strict';
  // The simulated client's side, reached through this server (the page's own origin: its content security policy).
  var CLIENT = '/scrm/sidebar/demo/client';
  var search = new URLSearchParams(location.search);
  var member = search.get('as') || '';
  var chat = search.get('chat') || '';
  var group = search.get('group') || '';
  var profile = search.get('profile') || '';
  var entry = chat ? 'single_chat_tools' : group ? 'group_chat_tools' : profile ? 'contact_profile' : 'normal';
  var registered = { config: null, agentConfig: null };

  // The client is signed in as this member: the simulator's OAuth2 authorize page reads it (as WeCom knows its user).
  if (member) document.cookie = 'wecom_sim_member=' + encodeURIComponent(member) + '; path=/; SameSite=Lax';
  // The WeCom client's user agent, by which the SDK knows it runs inside WeCom (and registers with agentConfig).
  var agent = navigator.userAgent + ' wxwork/4.1.36 MicroMessenger/7.0.1';
  Object.defineProperty(navigator, 'userAgent', { get: function () { return agent; }, configurable: true });

  function ask(path, body) {
    return fetch(CLIENT + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
      .then(function (response) { return response.json(); })
      .catch(function (error) { return { err_msg: 'fail ' + (error && error.message ? error.message : 'network') }; });
  }

  function pageUrl() {
    return location.href.split('#')[0];
  }

  /** A call made with the app's identity: the page's agentConfig succeeded, listed the API, and the call carries its signature. */
  function permitted(name, params) {
    var agentConfig = registered.agentConfig;
    if (!agentConfig || agentConfig.url !== pageUrl()) return false;
    if ((agentConfig.jsApiList || []).indexOf(name) === -1) return false;
    return params.verifySignature === agentConfig.signature && params.verifyAppId === agentConfig.corpid;
  }

  var handlers = {
    preVerifyJSAPI: function (params) {
      return ask('/verify', { kind: 'config', corpid: params.appId, url: pageUrl(), timestamp: params.verifyTimestamp, nonceStr: params.verifyNonceStr, signature: params.verifySignature })
        .then(function (answer) {
          if (answer.err_msg === 'config:ok') registered.config = { url: pageUrl(), signature: params.verifySignature, jsApiList: params.verifyJsApiList };
          return answer;
        });
    },
    agentConfig: function (params) {
      return ask('/verify', { kind: 'agentConfig', corpid: params.corpid, agentid: params.agentid, url: pageUrl(), timestamp: params.timestamp, nonceStr: params.nonceStr, signature: params.signature })
        .then(function (answer) {
          if (answer.err_msg === 'agentConfig:ok') registered.agentConfig = { url: pageUrl(), corpid: params.corpid, signature: params.signature, jsApiList: params.jsApiList };
          return answer;
        });
    },
    getContext: function () {
      return { err_msg: 'getContext:ok', entry: entry };
    },
    getCurExternalContact: function (params) {
      if (!permitted('getCurExternalContact', params)) return { err_msg: 'getCurExternalContact:fail no permission' };
      var userId = entry === 'single_chat_tools' ? chat : entry === 'contact_profile' ? profile : '';
      return userId ? { err_msg: 'getCurExternalContact:ok', userId: userId } : { err_msg: 'getCurExternalContact:fail without context of external contact' };
    },
    getCurExternalChat: function (params) {
      if (!permitted('getCurExternalChat', params)) return { err_msg: 'getCurExternalChat:fail no permission' };
      return entry === 'group_chat_tools' ? { err_msg: 'getCurExternalChat:ok', chatId: group } : { err_msg: 'getCurExternalChat:fail without context of external contact' };
    },
    sendChatMessage: function (params) {
      if (!permitted('sendChatMessage', params)) return { err_msg: 'sendChatMessage:fail no permission' };
      if (entry !== 'single_chat_tools' && entry !== 'group_chat_tools') return { err_msg: 'sendChatMessage:fail without context of external contact' };
      var message = {};
      ['msgtype', 'text', 'image', 'video', 'file', 'news', 'miniprogram'].forEach(function (key) {
        if (params[key] !== undefined) message[key] = params[key];
      });
      return ask('/send-chat-message', entry === 'single_chat_tools'
        ? { userid: member, external_userid: chat, message: message }
        : { userid: member, chat_id: group, message: message });
    },
  };

  window.WeixinJSBridge = {
    invoke: function (name, params, callback) {
      var handler = handlers[name];
      var answer = handler ? handler(params || {}) : { err_msg: name + ':fail the demo client does not play this API' };
      Promise.resolve(answer).then(function (result) {
        if (typeof callback === 'function') callback(result);
      });
    },
    on: function () {},
  };
  document.addEventListener('DOMContentLoaded', function () {
    document.dispatchEvent(new Event('WeixinJSBridgeReady'));
  });
})();

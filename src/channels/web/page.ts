/**
 * The built-in web chat page: no build step, no external assets. The script and styles are served as
 * files (/chat.js, /chat.css) so the page runs under a CSP without inline code.
 */
export const CHAT_PAGE = `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>工会小助手</title>
<link rel="stylesheet" href="/chat.css">
</head>
<body>
<header>工会小助手 · 网页版</header>
<div id="wechat"></div>
<div id="log" aria-live="polite"></div>
<form id="f">
  <input id="text" autocomplete="off" placeholder="请输入您的问题，例如：公司拖欠工资怎么办" maxlength="2000">
  <input id="file" type="file" accept="image/jpeg,image/png,application/pdf" title="上传材料">
  <button type="submit">发送</button>
</form>
<script src="/chat.js" defer></script>
</body>
</html>`;

export const CHAT_STYLE = `  body { font-family: "WenQuanYi Micro Hei", "PingFang SC", "Microsoft YaHei", sans-serif; margin: 0; background: #f3f4f6; }
  header { background: #c0392b; color: #fff; padding: 12px 16px; font-size: 18px; }
  #log { max-width: 760px; margin: 0 auto; padding: 12px; height: calc(100vh - 150px); overflow-y: auto; }
  .msg { margin: 8px 0; padding: 10px 12px; border-radius: 8px; white-space: pre-wrap; max-width: 85%; line-height: 1.5; }
  .me { background: #d1fae5; margin-left: auto; }
  .bot { background: #fff; }
  .choices button { margin: 4px 4px 0 0; padding: 4px 10px; border: 1px solid #c0392b; background: #fff; color: #c0392b; border-radius: 14px; cursor: pointer; }
  form { max-width: 760px; margin: 0 auto; display: flex; gap: 8px; padding: 8px 12px; }
  #text { flex: 1; padding: 10px; font-size: 16px; }
  #wechat { max-width: 760px; margin: 8px auto; display: none; background: #fff; padding: 8px; border-radius: 8px; }
`;

export const CHAT_SCRIPT = `const log = document.getElementById('log');
const userId = localStorage.getItem('ua-user') || ('web-' + Math.random().toString(36).slice(2, 10));
localStorage.setItem('ua-user', userId);
function headers() {
  const h = { 'content-type': 'application/json' };
  const t = localStorage.getItem('ua-token');
  if (t) h.authorization = 'Bearer ' + t;
  return h;
}
function add(cls, reply) {
  const div = document.createElement('div');
  div.className = 'msg ' + cls;
  if (reply.text) div.textContent = reply.text;
  if (reply.choices) {
    const box = document.createElement('div'); box.className = 'choices';
    reply.choices.forEach((c, i) => {
      const b = document.createElement('button'); b.type = 'button'; b.textContent = (i + 1) + '. ' + c;
      b.onclick = () => send(String(i + 1)); box.appendChild(b);
    });
    div.appendChild(box);
  }
  if (reply.file) {
    const a = document.createElement('a'); a.href = reply.file.url; a.textContent = '下载：' + reply.file.name; a.download = reply.file.name;
    div.appendChild(document.createElement('br')); div.appendChild(a);
  }
  log.appendChild(div); log.scrollTop = log.scrollHeight;
}
async function post(body) {
  const res = await fetch('/api/web/messages', { method: 'POST', headers: headers(), body: JSON.stringify(body) });
  if (res.status === 401) { const t = prompt('请输入访问令牌（WEB_API_TOKEN）'); if (t) localStorage.setItem('ua-token', t); return; }
  const data = await res.json();
  if (!res.ok) { add('bot', { text: '出错了：' + data.error }); return; }
  data.replies.forEach((r) => add('bot', r));
}
async function send(text, attachments) {
  add('me', { text: text || ('[文件] ' + attachments.map((a) => a.name).join(', ')) });
  await post({ userId, chatType: 'private', text: text || '', attachments });
}
document.getElementById('f').onsubmit = async (e) => {
  e.preventDefault();
  const input = document.getElementById('text'); const fileInput = document.getElementById('file');
  const text = input.value.trim(); input.value = '';
  let attachments;
  if (fileInput.files.length) {
    const f = fileInput.files[0];
    const data = await new Promise((ok) => { const r = new FileReader(); r.onload = () => ok(String(r.result).split(',')[1]); r.readAsDataURL(f); });
    attachments = [{ name: f.name, mimeType: f.type || 'application/octet-stream', dataBase64: data }];
    fileInput.value = '';
  }
  if (text || attachments) await send(text, attachments);
};
// Notifications stay in the inbox until acknowledged: shown ones are acknowledged, and not shown twice meanwhile.
const shown = new Set();
async function poll() {
  try {
    const res = await fetch('/api/web/messages?chatId=' + encodeURIComponent(userId), { headers: headers() });
    if (res.ok) {
      const fresh = (await res.json()).items.filter((item) => !shown.has(item.id));
      fresh.forEach((item) => { item.replies.forEach((r) => add('bot', r)); shown.add(item.id); });
      if (fresh.length) {
        await fetch('/api/web/messages/ack', { method: 'POST', headers: headers(), body: JSON.stringify({ chatId: userId, ids: fresh.map((item) => item.id) }) });
      }
    }
    const st = await (await fetch('/api/status', { headers: headers() })).json();
    const w = document.getElementById('wechat');
    if (st.wechat && st.wechat.qrSvg) { w.style.display = 'block'; w.innerHTML = '<p>微信扫码登录机器人账号：</p>' + st.wechat.qrSvg; }
    else w.style.display = 'none';
  } catch (e) { /* offline: try again later */ }
}
add('bot', { text: '您好，我是工会小助手。可以问我劳动法问题、申请职工互助、报名工会活动。回复“菜单”查看全部功能。' });
setInterval(poll, 3000);
`;

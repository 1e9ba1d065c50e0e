/**
 * The built-in web chat page: no build step, no external assets. The script and styles are served as
 * files (/chat.js, /chat.css) so the page runs under a CSP without inline code.
 */
export { CHAT_SCRIPT } from './page-script.ts';
export { CHAT_STYLE } from './page-style.ts';

// interactive-widget: the on-screen keyboard shrinks the page, so the composer stays above it.
export const CHAT_PAGE = `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover, interactive-widget=resizes-content">
<title>工会小助手</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/chat.css">
</head>
<body>
<header>
  <h1>工会小助手 · 网页版</h1>
  <button id="clear" type="button" title="只清除本机显示的记录，不影响您已办理的事项">清除记录</button>
</header>
<p id="status-line" class="notice" hidden></p>
<div id="wechat" hidden><p>微信扫码登录机器人账号：</p><img id="wechat-qr" alt="微信登录二维码"></div>
<main id="log" aria-live="polite"></main>
<form id="f">
  <input id="file" class="visually-hidden" type="file" multiple accept="image/jpeg,image/png,application/pdf">
  <label for="file" class="attach" title="上传图片（jpg、png）或 PDF，可多选">📎 上传材料</label>
  <input id="text" autocomplete="off" enterkeyhint="send" aria-label="输入您的问题" placeholder="请输入您的问题" maxlength="2000">
  <button id="send" type="submit">发送</button>
</form>
<script src="/chat.js" defer></script>
</body>
</html>`;

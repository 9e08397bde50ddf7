export const css = `
:host{all:initial}
.panel{position:fixed;right:20px;bottom:84px;z-index:2147483647;width:340px;max-width:calc(100vw - 40px);background:#fff;color:#1d2421;
  border-radius:14px;box-shadow:0 12px 40px #0004;font:14px/1.4 system-ui,sans-serif;overflow:hidden;display:flex;flex-direction:column}
.panel[hidden]{display:none}
header{display:flex;align-items:center;justify-content:space-between;padding:12px 14px;background:#0b6b5d;color:#fff;font-weight:600}
header button{background:none;border:0;color:#fff;font-size:20px;cursor:pointer;line-height:1}
.body{padding:14px;display:flex;flex-direction:column;gap:10px}
.status{margin:0}
.videos{position:relative;background:#111;border-radius:10px;aspect-ratio:4/3;overflow:hidden}
.videos[hidden]{display:none}
.remote{width:100%;height:100%;object-fit:cover}
.self{position:absolute;right:8px;bottom:8px;width:30%;border-radius:6px;border:2px solid #fff;transform:scaleX(-1)}
.controls{display:flex;gap:8px;flex-wrap:wrap}
.controls[hidden],.chat[hidden]{display:none}
button.act{flex:1;border:0;border-radius:8px;padding:10px;font:600 14px system-ui,sans-serif;cursor:pointer;background:#e7efec;color:#1d2421}
button.primary{background:#0b6b5d;color:#fff}
button.danger{background:#c0392b;color:#fff}
button[aria-pressed=true]{background:#1d2421;color:#fff}
button[hidden]{display:none}
.chat{display:flex;flex-direction:column;gap:6px}
.log{max-height:120px;overflow:auto;display:flex;flex-direction:column;gap:4px;margin:0;padding:0;list-style:none}
.log li{padding:4px 8px;border-radius:8px;background:#eef2f1;align-self:flex-start;max-width:85%}
.log li.me{background:#d3ece6;align-self:flex-end}
.chat form{display:flex;gap:6px}
.chat input{flex:1;padding:8px;border:1px solid #c5d1cd;border-radius:8px;font:inherit}
`;

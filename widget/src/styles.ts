import { callbackCss } from './callback';
import { ratingCss } from './rating';

/** The widget's styles, inside its shadow root (the shop's CSS does not reach in, ours does not leak out). */
export const css = `
:host{all:initial}
.panel{position:fixed;right:20px;bottom:84px;z-index:2147483647;width:360px;max-width:calc(100vw - 40px);max-height:calc(100vh - 104px);
  background:#fff;color:#1d2421;border-radius:14px;box-shadow:0 12px 40px #0004;overflow:hidden;display:flex;flex-direction:column;
  font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"PingFang SC","Hiragino Sans GB","Microsoft YaHei","Noto Sans CJK SC","Noto Sans SC",sans-serif}
.panel[hidden],[hidden]{display:none!important}
header{display:flex;align-items:center;justify-content:space-between;gap:8px;padding:12px 14px;background:#0b6b5d;color:#fff;font-weight:600}
header button.close{background:none;border:0;color:#fff;font-size:22px;cursor:pointer;line-height:1;padding:0 4px}
.body{padding:14px;display:flex;flex-direction:column;gap:10px;overflow-y:auto;min-height:0}
.status{margin:0;overflow-wrap:anywhere}
.row{display:flex;gap:8px;flex-wrap:wrap}
.choices{flex-direction:column}
.topic-label{display:flex;flex-direction:column;gap:4px;font-size:13px;color:#4a5551}
select.topic{font:inherit;font-size:14px;color:#1d2421;padding:8px;border:1px solid #c9d3cf;border-radius:8px;background:#fff}
button.act{flex:1;min-width:0;border:0;border-radius:8px;padding:10px;font:inherit;font-weight:600;line-height:1.3;cursor:pointer;background:#e7efec;color:#1d2421}
button.act:disabled{opacity:.5;cursor:default}
button.primary{background:#0b6b5d;color:#fff}
button.danger{background:#c0392b;color:#fff}
button[aria-pressed=true]{background:#1d2421;color:#fff}
button:focus-visible,input:focus-visible,a:focus-visible,textarea:focus-visible,select:focus-visible{outline:3px solid #7fd3c4;outline-offset:1px}

.banner{margin:0;padding:8px 10px;border-radius:8px;font-weight:600;overflow-wrap:anywhere}
.reconnecting{background:#fff4d6;color:#6b4b00;text-align:center}
.reconnecting::before{content:"";display:inline-block;width:10px;height:10px;margin-right:8px;border:2px solid currentColor;border-right-color:transparent;
  border-radius:50%;vertical-align:-1px;animation:cp-spin 1s linear infinite}
@keyframes cp-spin{to{transform:rotate(360deg)}}
.panel[data-reconnecting=true] .media video{opacity:.55}
.proposal{background:#e3f3ef;display:flex;flex-wrap:wrap;align-items:center;gap:8px}
.proposal span{flex:1 1 100%}
.proposal button.act:not(.primary){background:#fff}
.note{margin:0;font-size:13px;color:#55625e;overflow-wrap:anywhere}
.note.error{color:#b03a2e}

.media{position:relative;background:#111;border-radius:10px;aspect-ratio:4/3;overflow:hidden;flex:none}
.media .remote{width:100%;height:100%;object-fit:cover;display:block}
.media .self{position:absolute;right:8px;bottom:8px;width:30%;border-radius:6px;border:2px solid #fff;transform:scaleX(-1)}
.media .voice-card{display:none}
.media[data-kind=voice]{aspect-ratio:auto;background:#0b6b5d;color:#fff}
.media[data-kind=voice] video{position:absolute;width:1px;height:1px;opacity:0;pointer-events:none}
.media[data-kind=voice] .voice-card{display:flex;flex-direction:column;align-items:center;gap:4px;padding:18px 12px;text-align:center}
.voice-card .avatar{width:56px;height:56px;border-radius:50%;background:#fff3;display:flex;align-items:center;justify-content:center;font-size:24px;font-weight:700}
.voice-card .name{font-weight:600;font-size:16px;overflow-wrap:anywhere;max-width:100%}
.voice-card .label{font-size:12px;opacity:.8}

.chat{display:flex;flex-direction:column;gap:6px;min-height:0}
.log{max-height:220px;overflow-y:auto;overscroll-behavior:contain;display:flex;flex-direction:column;gap:8px;margin:0;padding:2px;list-style:none}
.panel[data-state=in-call] .log,.panel[data-state=connecting] .log{max-height:130px}
.msg{display:flex;flex-direction:column;max-width:85%;align-self:flex-start;min-width:0}
.msg.mine{align-self:flex-end;align-items:flex-end}
.msg .meta{display:flex;gap:6px;font-size:11px;color:#6a7773;padding:0 4px}
.msg .who{font-weight:600;overflow:hidden;text-overflow:ellipsis;white-space:nowrap;max-width:180px}
.bubble{padding:6px 10px;border-radius:10px;background:#eef2f1;white-space:pre-wrap;overflow-wrap:anywhere;word-break:break-word;max-width:100%}
.msg.mine .bubble{background:#d3ece6}
.msg .mark{font-size:11px;color:#6a7773;padding:0 4px}
.msg .mark[data-mark=read]{color:#0b6b5d}
.msg.system{align-self:center;align-items:center;max-width:95%;text-align:center;font-size:12px;color:#55625e}
.msg.system time{font-size:11px;color:#8a9692}
.file img{display:block;max-width:100%;max-height:180px;border-radius:6px;background:#dde5e2;min-width:60px;min-height:40px}
.file a.download{display:flex;flex-direction:column;color:#0b6b5d;text-decoration:none}
.file .name{font-weight:600;overflow-wrap:anywhere}
.file .size{font-size:12px;color:#6a7773}
.file .failed{display:block;font-size:12px;color:#b03a2e}
.typing{margin:0;font-size:12px;font-style:italic;color:#6a7773;overflow-wrap:anywhere}
.compose{display:flex;gap:6px;align-items:center}
.compose input{flex:1;min-width:0;padding:8px;border:1px solid #c5d1cd;border-radius:8px;font:inherit}
.compose button.act{flex:none}
button.icon{flex:none;border:0;background:#e7efec;color:#1d2421;border-radius:8px;width:36px;height:36px;cursor:pointer;display:flex;align-items:center;justify-content:center;padding:0}

.feedback{display:flex;flex-direction:column;gap:12px;padding:12px;border:1px solid #dbe4e1;border-radius:10px;background:#f7faf9}
.feedback .ticket{display:flex;flex-direction:column;align-items:flex-start;gap:6px;padding-top:12px;border-top:1px solid #dbe4e1}
.feedback .ticket button.act{flex:none}
.feedback .rating button.act{flex:none;align-self:flex-start}
a.ticket-link{color:#0b6b5d;font-weight:600;text-decoration:underline;overflow-wrap:anywhere}

.offer{display:flex;flex-direction:column;gap:8px;padding:10px 12px;border:1px solid #dbe4e1;border-radius:10px;background:#f7faf9}
.offer button.act,.offline button.attach{flex:none;align-self:flex-start}
.offline,.offline-form,.offline .sent{display:flex;flex-direction:column;gap:10px}
.offline .field{display:flex;flex-direction:column;gap:4px;font-size:13px;color:#4a5551}
.offline input,.offline textarea{font:inherit;font-size:14px;color:#1d2421;padding:8px;border:1px solid #c9d3cf;border-radius:8px;background:#fff}
.offline textarea{resize:vertical;min-height:84px}
.offline [aria-invalid=true]{border-color:#b03a2e}
.offline button.attach{display:flex;align-items:center;gap:6px}
.offline ul.files{list-style:none;margin:0;padding:0;display:flex;flex-direction:column;gap:4px;font-size:13px}
.offline ul.files li{display:flex;align-items:center;gap:8px;overflow-wrap:anywhere}
.offline ul.files li.error{color:#b03a2e}
.offline ul.files .name{flex:1;min-width:0;font-weight:600}
.offline ul.files .size{color:#6a7773}
.offline ul.files button.icon{width:28px;height:28px}
.offline .sent{outline:none}
.banner.ok{background:#e3f3ef;color:#0b5a4e}
.offline .ticket{display:flex;flex-direction:column;align-items:flex-start;gap:4px;padding-top:10px;border-top:1px solid #dbe4e1}
.offline .label{margin:0;font-weight:600}
.panel[data-state=offline] .status{font-weight:600}
${ratingCss}${callbackCss}`;

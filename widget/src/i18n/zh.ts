import { IssueType, EndReason, ErrorCode, MAX_CHAT_CHARS, MAX_UPLOAD_BYTES, MediaEndReason } from '../../../protocol/index';
import type { Catalogue } from './index';
import { launcherText } from './launcher';

const MAX_MB = MAX_UPLOAD_BYTES / (1024 * 1024);

/** Every string the shopper sees, in Simplified Chinese: the same keys as `en` (a missing one is a type error). */
export const zh: Catalogue = {
  launcher: launcherText.zh,

  panel: {
    title: '在线客服',
    close: '关闭',
    agent: '客服',
  },

  start: {
    topic: '请问您要咨询什么？',
    topics: {
      [IssueType.PreSale]: '售前咨询',
      [IssueType.Order]: '我的订单或配送',
      [IssueType.AfterSales]: '退换货、维修或保修',
      [IssueType.Technical]: '产品使用技术支持',
    } satisfies Record<IssueType, string>,
    intro: '文字、语音或视频，随时联系店铺客服，无需注册。',
    chat: '文字咨询',
    voice: '语音通话',
    video: '视频通话',
    startingVideo: '正在开启摄像头和麦克风……',
    startingVoice: '正在开启麦克风……',
    deniedVideo: '视频通话需要使用您的摄像头和麦克风。请在浏览器中允许访问后重试，或改用其他方式联系我们。',
    deniedVoice: '语音通话需要使用您的麦克风。请在浏览器中允许访问后重试，或改用文字咨询。',
    fallbackVoice: '改用语音通话',
    fallbackChat: '改用文字咨询',
    retry: '重试',
    again: '重新咨询',
  },

  wait: {
    /** 排队位置，以及服务器计算的预计等待时间（如有）。 */
    estimate: (n: number, ms: number | null) =>
      `${n <= 1 ? '下一位就是您。' : `您当前排在第 ${n} 位。`}${ms === null ? '' : ms < 60_000 ? '预计等待不到 1 分钟。' : `预计等待约 ${Math.round(ms / 60_000)} 分钟。`}`,
    connecting: '正在为您连接客服……',
    noAgent: '客服暂时都在忙或不在线。请留在此页面，有客服空闲时会马上为您接通。',
    offered: '正在呼叫客服……',
    placeholder: '等待期间，可以先描述您的问题',
    cancel: '取消',
  },

  call: {
    connecting: (name: string) => `正在连接${name}……`,
    inVideo: (name: string) => `正在与${name}视频通话`,
    inVoice: (name: string) => `正在与${name}语音通话`,
    voiceLabel: '语音通话',
    mute: '静音',
    unmute: '取消静音',
    cameraOff: '关闭摄像头',
    cameraOn: '开启摄像头',
    toChat: '切换为文字',
    end: '结束',
    reconnecting: '正在重新连接……',
    reconnectingMedia: '通话信号不佳，正在重新连接……',
    agentReconnecting: (name: string) => `${name}的网络连接已中断，正在等待对方重新连接……`,
  },

  chatting: {
    status: (name: string) => `${name}正在为您服务。`,
    proposeVideo: '视频通话',
    proposeVoice: '语音通话',
    proposingVideo: '正在邀请对方视频通话……',
    proposingVoice: '正在邀请对方语音通话……',
    proposalVideo: (name: string) => `${name}邀请您进行视频通话。`,
    proposalVoice: (name: string) => `${name}邀请您进行语音通话。`,
    accept: '接受',
    decline: '拒绝',
  },

  chat: {
    you: '我',
    label: '消息',
    placeholder: '请输入消息',
    send: '发送',
    attach: '发送文件',
    typing: (name: string) => `${name}正在输入……`,
    uploading: (fileName: string) => `正在发送 ${fileName}……`,
    download: (fileName: string) => `下载 ${fileName}`,
    fileUnavailable: '该文件已无法查看。',
    sending: '发送中',
    sent: '已发送',
    delivered: '已送达',
    read: '已读',
  },

  errors: {
    [ErrorCode.BadRequest]: '请求出错了，请重试。',
    [ErrorCode.Unauthorized]: '会话已过期，请重新发起咨询。',
    [ErrorCode.Forbidden]: '此操作不被允许。',
    [ErrorCode.NotFound]: '未找到相关内容，请重试。',
    [ErrorCode.InvalidCredentials]: '登录失败，请重试。',
    [ErrorCode.OriginNotAllowed]: '本网站尚未开通在线客服。',
    [ErrorCode.UnknownSite]: '本网站尚未开通在线客服。',
    [ErrorCode.InvalidIdentity]: '无法确认您的店铺账户，请刷新页面后重试。',
    [ErrorCode.ConversationNotFound]: '本次咨询已结束或已失效，请重新发起。',
    [ErrorCode.NotOffered]: '本次咨询已失效。',
    [ErrorCode.AlreadyInConversation]: '您已有一个正在进行的咨询，可能在其他标签页中。',
    [ErrorCode.InvalidTransition]: '当前咨询状态下无法进行此操作。',
    [ErrorCode.TooLarge]: `内容过大。文件不能超过 ${MAX_MB} MB，消息不能超过 ${MAX_CHAT_CHARS} 个字。`,
    [ErrorCode.UnsupportedType]: '不支持发送此类文件。可发送图片（PNG、JPEG、GIF、WebP）、PDF 和文本文件。',
    [ErrorCode.PeerNotOwned]: '通话连接失败，请重试。',
    [ErrorCode.ShopUnavailable]: '暂时无法联系到店铺，请稍后再试。',
    [ErrorCode.RateLimited]: '您的操作过于频繁，请一分钟后再试。',
    [ErrorCode.AccountLocked]: '尝试次数过多，请几分钟后再试。',
    [ErrorCode.Conflict]: '内容已被更改或已经完成。请刷新后重试。',
    [ErrorCode.AgentInCall]: '客服正在另一通电话中。您可以继续文字聊天，稍后再试。',
    [ErrorCode.QueueFull]: '客服全忙，排队人数已满，请几分钟后再试。',
    [ErrorCode.Unavailable]: '服务正在重启，请稍后再试。',
    [ErrorCode.Internal]: '无法连接到客服服务，请重试。',
  },
  errorGeneric: '出了点问题，请重试。',

  ended: {
    [EndReason.Hangup]: '本次咨询已结束，感谢您的光临！',
    [EndReason.Abandoned]: '已在客服接入前取消。',
    [EndReason.Disconnected]: '网络连接中断，本次咨询已结束。',
    [EndReason.ServerShutdown]: '咨询意外中断，请重新发起。',
    [EndReason.ConnectFailed]: '通话连接失败，请重试。',
    [EndReason.QueueTimeout]: '抱歉，暂时没有客服能够接待您，请稍后再试。',
    [EndReason.ServerRestart]: '咨询意外中断，请重新发起。',
  },
  endedByYou: '您已结束本次咨询，感谢您的光临！',
  endedByAgent: '客服已结束本次咨询，感谢您的光临！',
  endedDefault: '本次咨询已结束。',

  mediaEnded: {
    [MediaEndReason.Stopped]: '通话已结束，您可以继续在此文字咨询。',
    [MediaEndReason.Declined]: '通话邀请已被拒绝，您可以继续在此文字咨询。',
    [MediaEndReason.ConnectFailed]: '通话连接失败，您可以继续在此文字咨询。',
    [MediaEndReason.ConversationEnded]: '通话已结束。',
  },
};

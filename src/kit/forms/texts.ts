/** What every form says around its questions, unless the form words it its own way. */
import type { FormTexts } from './spec.ts';

export const FORM_TEXTS: FormTexts = {
  resume: '您上次的表格还没填完，我们继续：',
  continued: '我们继续填写：',
  restarted: '表格已更新，之前未完成的内容无法继续使用，请重新填写。',
  cancelled: '已取消，填写的内容已删除。',
  cancelAsk: '确定要取消吗？已填写的内容将被删除。',
  cancelChoices: ['确定取消', '继续填写'],
  cancelKept: '好的，我们继续。',
  cancelUnclear: '请回复 1 确定取消（已填写的内容将被删除），或 2 继续填写。',
  backFirst: '这已经是第一个问题了。',
  backOk: '好的，回到上一题：',
  chooseEdit: '要修改哪一项？回复编号或名称：',
  chooseEditUnclear: '没找到这一项，请回复列表中的编号或名称。',
  currentValue: (shown) => `（当前填写的是：${shown}，直接回复新的内容即可修改）`,
  notFilled: '（未填写）',
  error: '这里需要填写具体内容。',
  misfit: (like, label, canKeep) => `您输入的好像是${like}，不是${label}。${canKeep ? '请重新输入；如果没错，请再发送一次。' : ''}`,
  stuck: '如果填不下去，可以回复「取消」退出，或回复「转人工」请工作人员帮忙。',
  // 转人工 is the handoff service's command word: the router takes it there.
  stuckChoices: ['取消', '转人工'],
};

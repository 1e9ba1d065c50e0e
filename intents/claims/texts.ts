/** Every member- and admin-facing Chinese text of the mutual-aid capability, in one place. */
import type { Plan, PlansFile } from './plans.ts';
import type { ClaimSecrets } from './service.ts';
import type { Claim, ClaimStatus } from './store.ts';
import { chinaDateTime, formatYuan } from '../../src/kit/fields.ts';

/** Bump when the consent wording changes; the version is stored with every claim. */
export const CONSENT_VERSION = 'pipl-2026-01';

export const CONSENT_TEXT =
  '申请互助需要收集您的敏感个人信息，请先阅读并确认：\n' +
  '1. 收集内容：姓名、身份证号、手机号、工作单位、就医与诊断信息、银行卡号，以及您上传的病历、发票、身份证和银行卡照片。\n' +
  '2. 用途：仅用于本次职工互助金的审核与发放，由工会互助保障工作人员查阅。\n' +
  '3. 保护措施：身份证号、手机号、诊断和银行卡号加密保存，材料不会转发到任何群聊。\n' +
  '4. 依据《个人信息保护法》第二十八条、第二十九条，处理敏感个人信息需取得您的单独同意；您可以拒绝，但将无法在线申请。\n' +
  '您是否同意？';

export const FIELD_LABELS = {
  name: '姓名',
  idNumber: '身份证号',
  mobile: '手机号',
  workUnit: '工作单位',
  plan: '互助项目',
  admissionDate: '入院日期',
  dischargeDate: '出院日期',
  diagnosisDate: '确诊日期',
  accidentDate: '事故日期',
  hospital: '就诊医院',
  diagnosis: '诊断结果',
  amount: '个人自付金额',
  bankCard: '银行卡号',
  bankName: '开户银行',
  documents: '申请材料',
} as const;
export type FieldId = keyof typeof FIELD_LABELS;

/** Words a member may use to name a field in "改一下电话", "修改银行卡". Longest match wins. */
export const FIELD_ALIASES: Record<FieldId, string[]> = {
  name: ['姓名', '名字'],
  idNumber: ['身份证号', '身份证号码', '身份证', '证件号', '证件'],
  mobile: ['手机号', '手机号码', '手机', '电话号码', '电话', '联系方式'],
  workUnit: ['工作单位', '单位', '公司'],
  plan: ['互助项目', '互助类型', '项目', '计划', '类型', '险种'],
  admissionDate: ['入院日期', '入院时间', '住院日期', '入院'],
  dischargeDate: ['出院日期', '出院时间', '出院'],
  diagnosisDate: ['确诊日期', '确诊时间', '诊断日期', '确诊'],
  accidentDate: ['事故日期', '事故时间', '受伤日期', '受伤时间', '意外日期', '出事日期'],
  hospital: ['就诊医院', '医院'],
  diagnosis: ['诊断结果', '诊断', '病名', '疾病', '病情'],
  amount: ['自付金额', '金额', '费用', '钱数', '医疗费'],
  bankCard: ['银行卡号', '银行卡', '卡号'],
  bankName: ['开户银行', '开户行', '银行名称', '银行'],
  documents: ['申请材料', '材料', '文件', '照片', '附件'],
};

export const STATUS_LABELS: Record<ClaimStatus, string> = {
  pending: '待审核',
  needs_more: '待补充材料',
  approved: '已通过',
  rejected: '未通过',
};

const historyLine = (date: string, status: ClaimStatus, note?: string) => `  · ${date} ${STATUS_LABELS[status]}${note ? `：${note}` : ''}`;

const yuan = (n: number) => `${formatYuan(Math.round(n * 100))} 元`;

export const P = {
  /** What an answer typed at the wrong question looks like, in "您输入的好像是X". */
  misfit: { diagnosis: '病名（诊断结果）', hospital: '医院名称' },
  consentChoices: ['同意', '不同意'] as const,
  consentDeclined:
    '好的，已取消申请，我们没有保存您的任何信息。您也可以联系所在单位工会，线下办理互助申请。需要时随时对我说「申请互助」。',
  consentUnclear: '请回复「同意」或「不同意」（也可以回复 1 或 2）。',

  ask: {
    name: '请输入申请人姓名（与身份证一致）：',
    idNumber: '请输入申请人的 18 位身份证号码：',
    mobile: '请输入您的手机号码（11 位），审核人员可能会联系您：',
    workUnit: '请输入您的工作单位全称：',
    plan: '请选择要申请的互助项目（回复编号）：',
    admissionDate: '请输入入院日期（例如 2026-11-02 或 11月2日）：',
    dischargeDate: '请输入出院日期（例如 2026-11-10 或 11月10日）：',
    diagnosisDate: '请输入确诊日期，以诊断证明上的日期为准（例如 2026-11-02）：',
    accidentDate: '请输入事故发生的日期（例如 2026-11-02）：',
    hospital: '请输入就诊医院的名称：',
    diagnosis: '请输入诊断结果（以出院小结或诊断证明为准）：',
    amount: '请输入医保报销后个人自付的医疗费用金额（单位：元，例如 3560.50）：',
    bankCard: '请输入用于接收互助金的本人银行卡号（16–19 位数字）：',
    bankName: '请输入开户银行名称（例如 中国工商银行 XX 支行）：',
  } satisfies Record<Exclude<FieldId, 'documents'>, string>,

  currentValue: (shown: string) => `（当前填写的是：${shown}，直接回复新的内容即可修改）`,

  errors: {
    name: '姓名格式不对：请输入 2–10 个汉字的中文姓名（少数民族姓名可用「·」分隔），或英文姓名。',
    id_format: '身份证号应为 18 位：前 17 位是数字，最后一位是数字或字母 X。请核对后重新输入。',
    id_birth: '身份证号中的出生日期不正确，请核对后重新输入。',
    id_checksum: '身份证号校验未通过（最后一位校验码不对），可能有数字输错了，请核对后重新输入。',
    mobile: '手机号格式不对：应为 1 开头的 11 位数字，例如 13812345678。',
    too_short: '内容太短了，请再具体一些。',
    too_long: '内容太长了，请精简一下（不超过 50 个字）。',
    question: '这里需要填写具体内容。',
    no_words: '这里请用文字填写名称，不能只有数字或日期。',
    date_format: '没看懂这个日期，请按「2026-11-02」「2026/11/2」「2026年11月2日」或「11月2日」的格式输入。',
    date_invalid: '这个日期不存在，请核对后重新输入。',
    date_future: '日期不能晚于今天，请核对后重新输入。',
    discharge_before_admission: '出院日期不能早于入院日期，请核对后重新输入。',
    admission_after_discharge: '入院日期不能晚于已填写的出院日期，请核对后重新输入。',
    amount_format: '金额格式不对：请只输入数字，单位为元，例如 3560 或 3560.50。',
    amount_decimals: '金额最多保留两位小数（到「分」），例如 3560.50。',
    amount_zero: '金额必须大于 0。',
    card_format: '银行卡号应为 16–19 位数字，请核对后重新输入。',
    card_checksum: '银行卡号校验未通过，可能有数字输错了，请核对后重新输入。',
    bank_name: '请输入开户银行的名称，例如「中国工商银行」「建设银行 XX 支行」或「农商银行」。',
    plan: '请回复互助项目前面的编号，例如 1。',
  } satisfies Record<string, string>,

  deadlinePassed: (plan: Plan, label: string, last: string) =>
    `按「${plan.name}」的规定，需在${label}后 ${plan.filingDeadlineDays} 天内申请（最晚 ${last}），您填写的日期已超过申请时限。如日期填错了请重新输入；如有特殊情况，请联系单位工会。`,
  amountTooSmall: (plan: Plan) => `「${plan.name}」的申请金额不能低于 ${yuan(plan.limits.minAmount)}，请核对后重新输入。`,
  amountTooLarge: (plan: Plan) => `金额超过了「${plan.name}」可申报的上限 ${yuan(plan.limits.maxReportedAmount)}，请核对是否多输了数字。`,
  tooManyHospitalDays: '住院天数看起来不对（超过一年），请核对入院和出院日期。',

  documentsIntro: (plan: Plan) =>
    `最后一步：请上传「${plan.name}」所需的材料照片或 PDF（jpg/png/pdf，每个不超过 10 MB），一个一个发送即可。`,
  documentsList: (items: Array<{ name: string; required: boolean; count: number }>) =>
    items.map((d, i) => `${i + 1}. ${d.name}${d.required ? '' : '（如有）'} ${d.count > 0 ? `✅ 已收到 ${d.count} 个文件` : '❌ 未上传'}`).join('\n'),
  documentsNext: (name: string) => `请发送「${name}」。`,
  documentsHint: '同一项有多张照片（例如身份证正反面），先回复该项的编号（例如「第4项」）再连续发送；全部发完后回复「完成」。',
  documentReceived: (docName: string) => `已收到「${docName}」。`,
  documentsMissing: (names: string[]) => `还缺：${names.join('、')}。`,
  documentsAllIn: '所需材料已齐。如还有补充可继续发送，没有了请回复「完成」。',
  documentsNotDone: (names: string[]) => `材料还没有齐，还缺：${names.join('、')}。请继续发送，全部发完后回复「完成」。`,
  documentTarget: (name: string) => `好的，接下来收到的文件都算作「${name}」。`,
  /** After a file for a document of several pages (身份证正反面) while others are still missing. */
  pageAsk: (name: string, next: string) => `这是「${name}」的另一页，还是下一项「${next}」？`,
  pageChoices: ['同一项的另一页', '下一项'] as const,
  pageSame: (name: string) => `好的，请发送「${name}」的另一页。`,
  /** A file sent instead of answering pageAsk. */
  filedAsNext: (name: string) => `已收到，您没有选择，按下一项收为「${name}」。`,
  documentRejected: {
    doc_type: '这个文件无法识别：只接受 jpg、png 图片或 PDF 文件，请重新发送。',
    doc_size: '文件超过 10 MB，请压缩后或分页重新发送。',
    doc_empty: '文件是空的，请重新发送。',
  } as Record<string, string>,
  documentsExpectFiles: '这一步需要发送材料的照片或 PDF 文件；发完了请回复「完成」。',
  documentRejectedLine: (fileName: string, reason: string) => `${fileName}：${reason}`,
  /** A file over a quota is not kept (the form keeps everything else). */
  uploadLimit: {
    files: (max: number) => `这份申请已收到 ${max} 个文件，达到上限，这个文件没有保存。已有的文件足够审核时请回复「完成」；如需重新整理，可回复「取消」后重新申请。`,
    size: (mb: number) => `这份申请的文件合计不能超过 ${mb} MB，这个文件没有保存。请压缩图片或只发送所需页面。`,
    daily: (mb: number) => `您今天上传的文件已达 ${mb} MB 的上限，这个文件没有保存。请明天再发送，已填写的内容会为您保留。`,
  },
  /** The document name for a file the plan does not list. */
  documentFallbackName: '材料',

  summaryTitle: '请核对您的申请信息：',
  notFilled: '（未填写）',
  documentsShown: (items: Array<{ name: string; count: number }>) => items.map((d) => `${d.name}×${d.count}`).join('、'),
  summaryEstimate: (cents: number) => `预计互助金：约 ${formatYuan(cents)} 元（以审核结果为准）`,
  summaryChoices: ['确认提交', '修改某一项', '取消申请'],
  confirmUnclear: '请回复 1 确认提交，2 修改某一项，3 取消申请；也可以直接说「改一下电话」。',
  chooseEdit: '要修改哪一项？回复编号或名称：',
  chooseEditUnclear: '没找到这一项，请回复列表中的编号或名称。',

  back: {
    first: '这已经是第一个问题了。',
    ok: '好的，回到上一题。',
  },
  cancelAsk: '确定要取消这次互助申请吗？已填写的内容将被删除。',
  cancelChoices: ['确定取消', '继续填写'] as const,
  cancelled: '已取消本次互助申请，填写的内容已删除。需要时随时对我说「申请互助」。',
  cancelKept: '好的，我们继续。',
  cancelUnclear: '请回复 1 确定取消（已填写的内容将被删除），或 2 继续填写。',

  resume: '您上次的互助申请还没填完，我们继续：',
  continueAfterInterruption: '我们继续填写互助申请：',
  formRestarted: '互助申请表已更新，之前未完成的内容无法继续使用，请重新填写。',
  alreadyFilling: '您有一份互助申请正在填写，我们继续：',

  submitted: (no: string, reviewDays: number) =>
    `已提交，编号 ${no}。工会将在 ${reviewDays} 个工作日内完成审核，结果会在这里通知您。查询进度请说「查询互助进度」。`,
  submitFailed: '抱歉，提交时系统出了点问题，您的申请还没有提交成功，填写的内容都还在。请稍后回复「确认提交」再试一次。',

  // ----- supplement -----
  supplementStart: (no: string, request: string | undefined) =>
    `请补充申请 ${no} 的材料${request ? `（审核人员的说明：${request}）` : ''}。请一个一个发送照片或 PDF，发完后回复「完成」。`,
  supplementReceived: (count: number) => `已收到第 ${count} 个补充文件。还有请继续发送，发完回复「完成」。`,
  supplementNone: '还没有收到补充的文件。请发送照片或 PDF；不补充了请回复「取消」。',
  supplementDone: (no: string) => `已收到补充材料，申请 ${no} 已重新进入审核队列，审核结果会在这里通知您。`,
  supplementCancelled: '好的，已取消补充材料。需要时请回复「补充材料 申请编号」。',
  supplementWhich: (nos: string[]) => `请告诉我要补充哪一份申请，例如「补充材料 ${nos[0] ?? 'HZ-20260101-0001'}」。`,
  supplementNothing: '您目前没有需要补充材料的互助申请。查询进度请说「查询互助进度」。',
  supplementNotNeeded: (no: string, status: ClaimStatus) => `申请 ${no} 当前状态是「${STATUS_LABELS[status]}」，不需要补充材料。`,
  supplementNotFound: (no: string) => `没有找到您名下编号为 ${no} 的申请，请核对编号。`,
  /** The document name of supplementary files, and the note in the claim's history. */
  supplementDocName: '补充材料',
  supplementNote: (count: number) => `补充 ${count} 份材料`,
  adminAlert: (arrived: number, pending: number) =>
    `【互助审核提醒】有 ${arrived} 份互助申请新进入审核队列（含补充材料后重新提交的），目前共 ${pending} 份待审核。请在管理后台「互助审核」页面处理，或发送 /claims 查看。`,

  // ----- status -----
  statusNone: '您还没有提交过互助申请。需要申请请对我说「申请互助」。',
  statusHeader: (n: number) => `您共有 ${n} 份互助申请：`,
  statusLine: (no: string, planName: string, status: ClaimStatus, date: string) => `${no}｜${planName}｜${STATUS_LABELS[status]}｜提交于 ${date}`,
  statusHistoryLine: historyLine,
  statusNotFound: (no: string) => `没有找到您名下编号为 ${no} 的申请，请核对编号。`,
  statusNeedsMore: (no: string) => `需要补充材料：请回复「补充材料 ${no}」，然后发送文件。`,
  statusPayout: (cents: number) => `  互助金：${formatYuan(cents)} 元`,
  statusCard: (masked: string) => `  银行卡：${masked}`,

  // ----- notifications to the member -----
  notifyApproved: (no: string, planName: string, cents: number, last4: string, note: string) =>
    `您的互助申请 ${no}（${planName}）已审核通过，互助金 ${formatYuan(cents)} 元将转入尾号 ${last4} 的银行卡。${note ? `备注：${note}` : ''}`,
  notifyRejected: (no: string, planName: string, reason: string) =>
    `很抱歉，您的互助申请 ${no}（${planName}）未通过审核。原因：${reason}。如有疑问，请联系单位工会。`,
  notifyNeedMore: (no: string, planName: string, request: string) =>
    `您的互助申请 ${no}（${planName}）需要补充材料：${request}。请回复「补充材料 ${no}」，然后发送照片或 PDF 文件。`,

  // ----- admin -----
  /** One line each in the help menu of those who may use them. */
  commands: {
    claims: '/claims 或「审核列表」：查看待审核的互助申请',
    claim: '/claim 编号 或「申请详情 编号」：查看申请详情和材料',
    approve: '/approve 编号 金额 备注 或「批准 编号 金额 备注」',
    reject: '/reject 编号 理由 或「驳回 编号 理由」',
    needmore: '/needmore 编号 说明 或「要求补充 编号 说明」：请申请人补充材料',
    supplement: '「补充材料 编号」：为需要补充的互助申请上传材料',
  },

  admin: {
    queueEmpty: '审核队列是空的，没有待审核的申请。',
    queueHeader: (n: number) => `待审核申请共 ${n} 份（最早提交的在前）：`,
    queueLine: (no: string, name: string, planName: string, amount: string, date: string) => `${no}｜${name}｜${planName}｜自付 ${amount} 元｜${date}`,
    queueFooter: '查看详情：/claim 编号；批准：/approve 编号 金额 备注；驳回：/reject 编号 理由；要求补充：/needmore 编号 说明',
    usageClaim: '用法：/claim HZ-20261122-0001',
    usageApprove: '用法：/approve HZ-20261122-0001 金额 备注，例如 /approve HZ-20261122-0001 3000 材料齐全',
    usageReject: '用法：/reject HZ-20261122-0001 理由',
    usageNeedMore: '用法：/needmore HZ-20261122-0001 需要补充的说明',
    notFound: (no: string) => `没有找到申请 ${no}。`,
    badStatus: (no: string, status: ClaimStatus) => `申请 ${no} 当前状态是「${STATUS_LABELS[status]}」，不能执行这个操作。`,
    overClaimLimit: (limitCents: number) => `批准金额超过本项目单次上限 ${formatYuan(limitCents)} 元。`,
    overYearLimit: (remainingCents: number) => `批准金额超过本人本年度剩余额度 ${formatYuan(remainingCents)} 元。`,
    conflict: '这份申请刚被其他人修改过，请重新查看后再操作。',
    approved: (no: string, cents: number) => `已批准 ${no}，互助金 ${formatYuan(cents)} 元，已通知申请人。`,
    rejected: (no: string) => `已驳回 ${no}，已通知申请人。`,
    neededMore: (no: string) => `已要求 ${no} 补充材料，已通知申请人；补充后会重新进入审核队列。`,
    documentMissing: (name: string) => `（文件 ${name} 在服务器上缺失或已损坏，请检查 DOCUMENTS_DIR）`,
    /** One claim for the reviewer, sensitive fields in clear, times in China time. */
    detail: (c: Claim, s: ClaimSecrets) => {
      const e = c.event;
      const dates = [
        e.admissionDate && `入院 ${e.admissionDate}`,
        e.dischargeDate && `出院 ${e.dischargeDate}`,
        e.diagnosisDate && `确诊 ${e.diagnosisDate}`,
        e.accidentDate && `事故 ${e.accidentDate}`,
      ];
      const approved = c.payoutCents !== undefined ? `｜已批准：${formatYuan(c.payoutCents)} 元` : '';
      return [
        `【${c.no}】${c.planName}｜${STATUS_LABELS[c.status]}`,
        `申请人：${c.applicant.name}｜身份证：${s.idNumber}｜手机：${s.mobile}`,
        `工作单位：${c.applicant.workUnit}`,
        dates.filter(Boolean).join('｜'),
        `医院：${e.hospital}｜诊断：${s.diagnosis}`,
        `自付金额：${formatYuan(c.amountCents)} 元｜预计互助金：${formatYuan(c.estimatedPayoutCents)} 元${approved}`,
        `银行卡：${s.bankCard}（${c.bank.bankName}）`,
        `同意书：${c.consent.version}，${chinaDateTime(c.consent.at)}`,
        `材料 ${c.documents.length} 份：${c.documents.map((d) => d.docName).join('、')}`,
        '记录：',
        ...c.history.map((h) => historyLine(chinaDateTime(h.at), h.status, h.note)),
      ].join('\n');
    },
  },

  // ----- information -----
  infoOverviewHeader: (file: PlansFile) => `${file.organizer}目前有 ${file.plans.length} 个互助项目：`,
  infoOverviewLine: (i: number, plan: Plan) => `${i + 1}. ${plan.name}：${plan.payout.description}`,
  infoOverviewFooter: (file: PlansFile) => `${file.howToApply}\n想了解某个项目的材料、额度、时限或参加条件，直接问我，例如「住院互助要什么材料」。`,
  infoPlanHeader: (plan: Plan) => `【${plan.name}】`,
  infoEligibility: (plan: Plan) => `谁能参加：${plan.eligibility}`,
  infoCover: (plan: Plan) => `保障期间：${plan.coverPeriod}；等待期：${plan.waitingPeriodDays > 0 ? `首次参保 ${plan.waitingPeriodDays} 天` : '无'}。`,
  infoPayout: (plan: Plan) => `互助标准：${plan.payout.description}`,
  infoLimits: (plan: Plan) =>
    `额度：单次最高 ${yuan(plan.limits.maxPerClaim)}，每年累计最高 ${yuan(plan.limits.maxPerYear)}${plan.limits.minAmount >= 1 ? `；自付金额 ${yuan(plan.limits.minAmount)} 以上可申请` : ''}。`,
  infoDeadline: (plan: Plan, eventLabel: string) => `申请时限：${eventLabel}后 ${plan.filingDeadlineDays} 天内提出申请。`,
  infoDocuments: (plan: Plan) =>
    `所需材料：${plan.requiredDocuments.map((d) => `${d.name}${d.required ? '' : '（如有）'}`).join('、')}（拍照或 PDF 均可）。`,
  infoEligibilityLine: (plan: Plan) => `${plan.name}：${plan.eligibility}`,
  infoNotes: (plan: Plan) => (plan.notes ? `注意：${plan.notes}` : ''),
  infoApply: (file: PlansFile) => `${file.howToApply}${/[。！!.]$/.test(file.howToApply) ? '' : '。'}审核一般在 ${file.reviewDays} 个工作日内完成。`,
  eventLabel: { discharge: '出院', diagnosis: '确诊', accident: '事故发生' } as const,
};

/** For the optional LLM intent classifier. */
export const INTENT_DESCRIPTIONS = {
  claim_info: '咨询职工互助保障（住院医疗互助、重大疾病互助、意外伤害互助、女职工特殊疾病互助）的规则：材料、额度、时限、谁能参加、能报多少',
  claim_submit: '要申请/提交互助金（互助保障理赔）',
  claim_status: '查询自己已提交的互助申请的进度、审核结果、到账情况',
} as const;

/** The web console's 互助审核 pages. */
export const CONSOLE = {
  nav: '互助审核',
  queueTitle: '互助审核',
  overviewTitle: '待审核的互助申请',
  overviewLine: (no: string, plan: string, name: string) => `${no} · ${plan} · ${name}`,
  filters: { plan: '互助项目', status: '状态', from: '提交日期从', to: '提交日期到', q: '编号或姓名', submit: '筛选', all: '全部', allPlans: '全部项目' },
  queueHeaders: ['编号', '互助项目', '申请人', '自付金额（元）', '预估互助金（元）', '状态', '提交时间'],
  queueEmpty: '没有符合条件的申请。',
  total: (n: number) => `共 ${n} 份`,
  export: { title: '导出已通过的申请（财务转账用）', from: '审核通过日期从', to: '审核通过日期到', submit: '导出 CSV', header: ['编号', '互助项目', '姓名', '银行卡号', '开户银行', '互助金（元）', '审核通过时间', '审核人'], file: (from: string, to: string) => `互助金发放_${from}_${to}.csv`, badDates: '请选择导出的起止日期。' },
  claimTitle: (no: string) => `互助申请 ${no}`,
  viewedNote: '查看本页已记入审计日志。',
  applicant: '申请人信息',
  fields: { status: '状态', plan: '互助项目', submittedAt: '提交时间', name: '姓名', idNumber: '身份证号', mobile: '手机号', workUnit: '工作单位', hospital: '就诊医院', diagnosis: '诊断结果', admissionDate: '入院日期', dischargeDate: '出院日期', diagnosisDate: '确诊日期', accidentDate: '事故日期', amount: '个人自付金额', estimate: '提交时的预估互助金', bankCard: '银行卡号', bankName: '开户银行', payout: '已批准金额', request: '要求补充', consent: '授权同意' },
  consentLine: (version: string, at: string) => `${at}（文本版本 ${version}）`,
  purged: (at: string) => `此申请的材料和个人信息已按保存期限于 ${at} 删除。`,
  documents: '申请材料',
  noDocuments: '没有材料。',
  openDocument: '在新窗口打开',
  documentMissing: '文件无法读取（已记录）。',
  history: '处理记录',
  historyHeaders: ['时间', '状态', '操作人', '说明'],
  planRules: '项目规则',
  planFacts: { payout: '给付规则', perClaim: '单次最高', perYear: '每年累计最高', deadline: '申请时限', waiting: '等待期', documents: '所需材料' },
  days: (n: number) => `${n} 天`,
  yearTotal: '本年度已获批准（同一人、同一项目）',
  yearTotalLine: (paid: string, remaining: string | null) => `${paid} 元${remaining === null ? '' : `，本年度剩余额度 ${remaining} 元`}`,
  duplicates: '疑似重复',
  noDuplicates: '未发现与其他申请相同的身份证号、银行卡或材料文件。',
  duplicateKinds: { idNumber: '同一身份证号', bankCard: '同一银行卡', document: '相同的材料文件' } as Record<string, string>,
  duplicateLine: (kind: string, no: string, status: string, detail?: string) => `${kind}：${no}（${status}）${detail ? `：${detail}` : ''}`,
  working: '按项目规则计算',
  workingLines: {
    fixed: (amount: string) => `定额给付：${amount} 元`,
    ratio: (selfPaid: string, deductible: string, ratio: string, result: string) => `（自付 ${selfPaid} − 起付 ${deductible}）× ${ratio} = ${result} 元`,
    days: (days: number, perDay: string, result: string) => `住院 ${days} 天 × ${perDay} 元/天 = ${result} 元`,
    higher: (result: string) => `取两者较高者：${result} 元`,
    cap: (cap: string, result: string) => `单次最高 ${cap} 元，按 ${result} 元计`,
    year: (remaining: string, result: string) => `本年度剩余额度 ${remaining} 元，建议 ${result} 元`,
  },
  decide: '审核',
  approve: '批准',
  amount: '批准金额（元）',
  amountHint: '已按项目规则预填，可修改。',
  note: '备注（会告知申请人，可不填）',
  reject: '驳回',
  reason: '驳回理由（会告知申请人）',
  needMore: '要求补充材料',
  request: '需要补充什么（会告知申请人）',
  confirmTitle: '请确认',
  confirm: { approve: (no: string, amount: string) => `确认批准申请 ${no}，互助金 ${amount} 元？`, reject: (no: string) => `确认驳回申请 ${no}？`, needmore: (no: string) => `确认要求申请 ${no} 补充材料？` } as Record<string, (no: string, amount: string) => string>,
  confirmNote: '申请人会收到通知。',
  confirmButton: '确认',
  back: '返回修改',
  done: { approve: '已批准，已通知申请人。', reject: '已驳回，已通知申请人。', needmore: '已要求补充材料，已通知申请人。' } as Record<string, string>,
  next: '下一份',
  noNext: '没有待审核的申请了。',
  toQueue: '返回列表',
  errors: {
    amount: '请输入金额，例如 1200 或 1200.50。',
    text: '请填写说明。',
    overClaim: (limit: string) => `金额超过了项目单次最高 ${limit} 元。`,
    overYear: (remaining: string) => `金额超过了本年度剩余额度 ${remaining} 元。`,
    badStatus: (status: string) => `此申请当前状态为「${status}」，不能再做这个决定。`,
    conflict: '申请刚被其他人修改，请刷新后再试。',
  },
} as const;

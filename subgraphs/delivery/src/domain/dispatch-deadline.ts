/**
 * The dispatch deadline (docs/domain.md §6 "Dispatch-deadline notice"): the latest moment the goods must leave the
 * supplier's hub. The system this replaces asked an LLM, and told it the ETA was in minutes when it was seconds; here
 * it is computed:
 * - the order's request note names an arrival time → deadline = that time − the route ETA;
 * - otherwise → deadline = the order time + the route ETA.
 *
 * Goods move in working time only: Monday to Friday, 09:00–18:00 Asia/Seoul (public holidays are not modelled).
 * So the ETA is counted in working seconds: 3 h of driving ordered at 17:00 on a Friday ends at 11:00 on Monday,
 * and an arrival requested for 20:00 counts as 18:00 that day. When a requested arrival cannot be met any more, the
 * deadline is the first working moment after the order (dispatch at once) and `meetsRequest` is false.
 *
 * Asia/Seoul is UTC+9 all year (Korea has had no daylight saving time since 1988), so a fixed offset is exact.
 */

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** Asia/Seoul's offset from UTC. */
const SEOUL_OFFSET_MS = 9 * HOUR_MS;

/** Working hours, Asia/Seoul local time, Monday to Friday. */
export const WORKING_HOURS = { start: 9, end: 18 } as const;

// "Local" values below are milliseconds since the epoch shifted to Seoul wall-clock time, read with UTC getters.
const toLocal = (instant: Date) => instant.getTime() + SEOUL_OFFSET_MS;
const fromLocal = (local: number) => new Date(local - SEOUL_OFFSET_MS);
const midnight = (local: number) => Math.floor(local / DAY_MS) * DAY_MS;
const isWorkday = (local: number) => {
  const day = new Date(local).getUTCDay();
  return day >= 1 && day <= 5;
};
const opening = (local: number) => midnight(local) + WORKING_HOURS.start * HOUR_MS;
const closing = (local: number) => midnight(local) + WORKING_HOURS.end * HOUR_MS;

/** The first working moment at or after `local` (working windows are [09:00, 18:00)). */
function nextWorking(local: number): number {
  if (isWorkday(local) && local < closing(local)) return Math.max(local, opening(local));
  let day = midnight(local) + DAY_MS;
  while (!isWorkday(day)) day += DAY_MS;
  return opening(day);
}

/** The last working moment at or before `local` (working windows seen backwards are (09:00, 18:00]). */
function previousWorking(local: number): number {
  if (isWorkday(local) && local > opening(local)) return Math.min(local, closing(local));
  let day = midnight(local) - DAY_MS;
  while (!isWorkday(day)) day -= DAY_MS;
  return closing(day);
}

/** `instant` plus `seconds` of working time. */
export function addWorkingSeconds(instant: Date, seconds: number): Date {
  let local = nextWorking(toLocal(instant));
  let remaining = seconds * 1000;
  while (remaining > closing(local) - local) {
    remaining -= closing(local) - local;
    local = nextWorking(closing(local));
  }
  return fromLocal(local + remaining);
}

/** `instant` minus `seconds` of working time. */
export function subtractWorkingSeconds(instant: Date, seconds: number): Date {
  let local = previousWorking(toLocal(instant));
  let remaining = seconds * 1000;
  while (remaining > local - opening(local)) {
    remaining -= local - opening(local);
    local = previousWorking(opening(local));
  }
  return fromLocal(local - remaining);
}

export interface DispatchDeadline {
  deadline: Date;
  /** What the deadline was counted from. */
  basis: 'REQUESTED_ARRIVAL' | 'ORDER_TIME';
  /** False when the requested arrival can no longer be met (dispatch at once); null without a request. */
  meetsRequest: boolean | null;
}

/**
 * The dispatch deadline of an order placed at `orderedAt` whose route takes `etaSeconds` (whole route, seconds),
 * with the arrival the order asked for, if any.
 */
export function dispatchDeadline(input: {
  orderedAt: Date;
  etaSeconds: number;
  requestedArrival: Date | null;
}): DispatchDeadline {
  const { orderedAt, etaSeconds, requestedArrival } = input;
  if (!requestedArrival) {
    return { deadline: addWorkingSeconds(orderedAt, etaSeconds), basis: 'ORDER_TIME', meetsRequest: null };
  }
  const earliest = fromLocal(nextWorking(toLocal(orderedAt)));
  const latest = subtractWorkingSeconds(requestedArrival, etaSeconds);
  return latest >= earliest
    ? { deadline: latest, basis: 'REQUESTED_ARRIVAL', meetsRequest: true }
    : { deadline: earliest, basis: 'REQUESTED_ARRIVAL', meetsRequest: false };
}

// A date: 2026-12-12, 2026.12.12, 2026/12/12, 2026년 12월 12일, or 12월 12일 (the next such day).
const NUMERIC_DATE = /(\d{4})\s*[-./]\s*(\d{1,2})\s*[-./]\s*(\d{1,2})/;
const KOREAN_DATE = /(?:(\d{4})\s*년\s*)?(\d{1,2})\s*월\s*(\d{1,2})\s*일/;
// A time right after the date: [T ]15:00[:00][Z|+09:00], or [오전|오후] 3시 [30분|반].
const CLOCK_TIME = /^\s*(?:T|\s)\s*(\d{1,2}):(\d{2})(?::(\d{2}))?(Z|[+-]\d{2}:?\d{2})?/i;
const KOREAN_TIME = /^[\s,]*(?:(오전|오후)\s*)?(\d{1,2})\s*시(?:\s*(\d{1,2})\s*분|\s*(반))?/;

/**
 * The arrival a request note asks for, or null when it names none (or an impossible date). Understood: an ISO-like
 * date and time (`2026-12-12 15:00`, `2026-12-12T15:00:00+09:00`; `.` and `/` also separate the date) and the Korean
 * forms (`12월 12일 오후 3시`, `2026년 12월 12일 15시 30분`). Times without a zone are Asia/Seoul. A date alone means
 * the end of that working day (18:00). `N시` without 오전/오후 between 1 and 8 is the afternoon (nobody books a
 * delivery for 3 in the night). A date without a year is the first such date not before the order.
 */
export function parseRequestedArrival(note: string | null | undefined, orderedAt: Date): Date | null {
  if (!note) return null;
  const numeric = NUMERIC_DATE.exec(note);
  const korean = numeric ? null : KOREAN_DATE.exec(note);
  const match = numeric ?? korean;
  if (!match) return null;
  const yearGiven = match[1] !== undefined;
  const orderYear = new Date(toLocal(orderedAt)).getUTCFullYear();
  const year = yearGiven ? Number(match[1]) : orderYear;
  const month = Number(match[2]);
  const day = Number(match[3]);

  const rest = note.slice(match.index + match[0].length);
  let hour: number = WORKING_HOURS.end;
  let minute = 0;
  let second = 0;
  let offsetMs = SEOUL_OFFSET_MS;
  const clock = CLOCK_TIME.exec(rest);
  const spoken = clock ? null : KOREAN_TIME.exec(rest);
  if (clock) {
    hour = Number(clock[1]);
    minute = Number(clock[2]);
    second = Number(clock[3] ?? 0);
    if (clock[4]) offsetMs = zoneOffsetMs(clock[4]);
  } else if (spoken) {
    hour = Number(spoken[2]);
    minute = spoken[4] ? 30 : Number(spoken[3] ?? 0);
    if (spoken[1] === '오후' && hour < 12) hour += 12;
    else if (spoken[1] === '오전' && hour === 12) hour = 0;
    else if (!spoken[1] && hour >= 1 && hour <= 8) hour += 12;
  }
  if (hour > 23 || minute > 59 || second > 59) return null;

  const at = (y: number) => {
    const utc = Date.UTC(y, month - 1, day, hour, minute, second);
    const check = new Date(utc);
    // Date.UTC rolls 31 April over to 1 May: an impossible date is no date.
    if (check.getUTCFullYear() !== y || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) return null;
    return new Date(utc - offsetMs);
  };
  const arrival = at(year);
  if (!arrival || yearGiven || arrival >= orderedAt) return arrival;
  return at(year + 1);
}

function zoneOffsetMs(zone: string): number {
  if (zone.toUpperCase() === 'Z') return 0;
  const sign = zone.startsWith('-') ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  return sign * (Number(digits.slice(0, 2)) * HOUR_MS + Number(digits.slice(2)) * 60_000);
}

/** `yyyy-MM-dd HH:mm` in Asia/Seoul, as the notice shows deadlines. */
export function formatSeoul(instant: Date): string {
  return new Date(toLocal(instant)).toISOString().slice(0, 16).replace('T', ' ');
}

/** Seconds as hours and minutes for people (`3 h 05 min`); stored and sent values stay seconds. */
export function formatDuration(seconds: number): string {
  const minutes = Math.round(seconds / 60);
  const hours = Math.floor(minutes / 60);
  return hours ? `${hours} h ${String(minutes % 60).padStart(2, '0')} min` : `${minutes} min`;
}

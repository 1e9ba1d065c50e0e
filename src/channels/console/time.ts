/** China time for console tables. */
import { chinaToday } from '../../kit/fields.ts';
import { formatIso } from '../../kit/time.ts';

export const chinaDate = (iso: string): string => chinaToday(new Date(iso));
export const formatChinaTime = (iso: string): string => formatIso(Date.parse(iso));

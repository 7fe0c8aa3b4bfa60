/** Timestamps cross the API as ISO 8601 UTC strings (a Date would serialise as its epoch milliseconds). */
export const iso = (date: Date | null | undefined): string | null => (date ? date.toISOString() : null);

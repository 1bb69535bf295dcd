// The API token lives in sessionStorage only (gone when the tab closes),
// never in a URL, a cookie or a log line.

const KEY = 'kelola.token';

export function loadToken(): string {
  try {
    return sessionStorage.getItem(KEY) ?? '';
  } catch {
    return '';
  }
}

export function saveToken(token: string): void {
  try {
    sessionStorage.setItem(KEY, token);
  } catch {
    // storage disabled: the token stays in memory for this page only
  }
}

export function clearToken(): void {
  try {
    sessionStorage.removeItem(KEY);
  } catch {
    // nothing stored
  }
}

// Tokens look like kl_<id>_<secret> (docs/api.md).
export function looksLikeToken(token: string): boolean {
  return /^kl_[A-Za-z0-9]+_[A-Za-z0-9_-]+$/.test(token.trim());
}
